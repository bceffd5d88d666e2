"""``jianbao proof ISSUE|FILE``: the proofing pass (审校) on the command line.

Exit status: 1 when there are findings of severity 错误, 0 otherwise (建议 and
提示 alone do not fail a script), 2 when the issue or file cannot be read.

``--format json`` prints one object:
``{"bulletin": "2023年第1期（总第66期）", "source": "2023-1",
"counts": {"错误": 3, "建议": 1, "提示": 0}, "findings": [Finding.to_dict(), …]}``,
the findings most serious first, then in print order.
"""

from pathlib import Path

from django.db import DatabaseError

from jianbao.bulletins.services import ISSUE_KEY, find_issue, known_section_titles
from jianbao.core.commands import JianbaoCommand
from jianbao.proofing.checker import proof
from jianbao.proofing.findings import ERROR, SEVERITIES
from jianbao.proofing.selectors import context_for_file, proof_issue
from jianbao.publishing.ingest import read_bulletin_file


class Command(JianbaoCommand):
    help = (
        "审校一期简报：ISSUE 写作 2023-1（年份-期号）或 66（总期号），"
        "或给出简报文件（文本/Markdown、JSON、.docx、PDF）。有“错误”时退出码为 1"
    )

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="ISSUE|FILE")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, target, format, **options):
        if not Path(target).exists() and ISSUE_KEY.match(target.strip()):
            issue = find_issue(target)
            label, findings = issue.label, proof_issue(issue)
        else:
            bulletin = read_bulletin_file(target, known_sections=_known_sections())
            label, findings = bulletin.label, proof(bulletin, context_for_file(bulletin))
        counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
        if format == "json":
            self.write_json(
                {
                    "bulletin": label,
                    "source": target,
                    "counts": counts,
                    "findings": [f.to_dict() for f in findings],
                }
            )
        else:
            for finding in findings:
                self.stdout.write(finding.line())
            if findings:
                tally = "，".join(f"{s} {n} 条" for s, n in counts.items())
                self.stdout.write(f"{label}：共 {len(findings)} 条（{tally}）")
            else:
                self.stdout.write(f"{label}：未发现问题")
        if counts[ERROR]:
            raise SystemExit(1)


def _known_sections() -> list[str]:
    try:
        return known_section_titles()
    except DatabaseError:  # a file checked where no archive has been set up
        return []
