import sys

from jianbao.bulletins.print_settings import render_issue
from jianbao.bulletins.services import find_issue
from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import JianbaoError
from jianbao.publishing.render import FORMATS

BINARY = ("pdf", "pdfa", "ofd", "docx")


class Command(JianbaoCommand):
    help = (
        "生成一期简报的 PDF（pdfa：PDF/A-2b 归档版）、Word、网页、微信或 Markdown 版："
        "ISSUE 写作 2023-1 或 66。PDF 按简报系列的设置排版（如版记排在偶数页）"
    )

    def add_arguments(self, parser):
        parser.add_argument("issue", metavar="ISSUE")
        parser.add_argument("--format", choices=FORMATS, default="pdf")
        parser.add_argument("-o", "--output", metavar="FILE", help="写入文件而不是标准输出")

    def handle(self, *args, issue, format, output, **options):
        data = render_issue(find_issue(issue), format)
        if output:
            try:
                with open(output, "wb") as fh:
                    fh.write(data)
            except OSError as exc:
                raise JianbaoError(f"无法写入 {output}：{exc.strerror or exc}") from exc
            return
        if format not in BINARY:
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        out = getattr(sys.stdout, "buffer", None)
        if out is None or sys.stdout.isatty():
            raise JianbaoError(
                f"{format.upper()} 是二进制文件，请用 -o FILE 指定输出文件或重定向输出"
            )
        sys.stdout.flush()
        out.write(data)
        out.flush()
