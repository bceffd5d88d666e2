from jianbao.bulletins.services import export_json, find_issue, issue_to_bulletin
from jianbao.core.commands import JianbaoCommand
from jianbao.publishing.render.markdown import render_markdown


class Command(JianbaoCommand):
    help = "导出一期简报：ISSUE 写作 2023-1（年份-期号）或 66（总期号）"

    def add_arguments(self, parser):
        parser.add_argument("issue", metavar="ISSUE")
        parser.add_argument("--format", choices=["json", "md"], default="json")
        parser.add_argument("-o", "--output", metavar="FILE", help="写入文件而不是标准输出")

    def handle(self, *args, issue, format, output, **options):
        found = find_issue(issue)
        text = (
            export_json(found) + "\n"
            if format == "json"
            else render_markdown(issue_to_bulletin(found))
        )
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="")
