import json
from pathlib import Path

from jianbao.bulletins.services import export_json, find_issue, issue_to_bulletin
from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import JianbaoError
from jianbao.publishing.parsed import IMAGE, bulletin_to_dict
from jianbao.publishing.render import download_filename
from jianbao.publishing.render.markdown import render_markdown

PICTURES = "pictures"


def picture_path(name: str) -> str:
    return f"{PICTURES}/{name}"


class Command(JianbaoCommand):
    help = (
        "导出一期简报：ISSUE 写作 2023-1（年份-期号）或 66（总期号）。"
        "-o 文件夹：写入其中的简报文件和 pictures/ 下的图片，可用 jianbao import 读回"
    )

    def add_arguments(self, parser):
        parser.add_argument("issue", metavar="ISSUE")
        parser.add_argument("--format", choices=["json", "md"], default="json")
        parser.add_argument(
            "-o",
            "--output",
            metavar="DIR|FILE",
            help="写入文件夹（或文件，图片写在同一文件夹的 pictures/ 下）而不是标准输出",
        )

    def handle(self, *args, issue, format, output, **options):
        found = find_issue(issue)
        if not output:
            # Standard output carries no picture files: pictures are named by
            # the address of their public copy (JSON) or their stored name (Markdown).
            text = (
                export_json(found) + "\n"
                if format == "json"
                else render_markdown(issue_to_bulletin(found))
            )
            self.stdout.write(text, ending="")
            return
        bulletin = issue_to_bulletin(found)
        target = Path(output)
        if target.is_dir() or not target.suffix:
            target = target / download_filename(found, format)
        if format == "json":
            data = bulletin_to_dict(bulletin, state=found.state, picture_path=picture_path)
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        else:
            text = render_markdown(bulletin, picture_path=picture_path)
        names = sorted({b.file for a in bulletin.articles for b in a.blocks if b.kind == IMAGE})
        target.parent.mkdir(parents=True, exist_ok=True)
        write_pictures(target.parent / PICTURES, names)
        target.write_text(text, encoding="utf-8")


def write_pictures(folder: Path, names: list[str]) -> None:
    """Each stored picture's bytes under its own name (the same name a re-import gives)."""
    from jianbao.publishing import pictures

    if not names:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        try:
            data = pictures.original_bytes(name)
        except OSError:
            raise JianbaoError(f"图片“{name}”已不在存储中，无法导出") from None
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
