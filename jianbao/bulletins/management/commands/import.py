from jianbao.bulletins.services import known_section_titles, store_bulletin
from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import IssueAlreadyExists, JianbaoError
from jianbao.publishing.ingest import read_bulletin_file


class Command(JianbaoCommand):
    help = (
        "导入往期简报（文本/Markdown、JSON 导出、.docx 或有文字层的 PDF）；"
        "也可给出 jianbao export -o 写出的文件夹，其中的图片一并读入"
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE|DIR")
        parser.add_argument("--replace", action="store_true", help="覆盖归档中已有的同一期")
        parser.add_argument("--quiet", "-q", action="store_true", help="不列出修复与警告")
        parser.add_argument(
            "--by", default="", metavar="姓名", help="记入处理记录的经办人（默认“系统”）"
        )

    def handle(self, *args, files, replace, quiet, by, **options):
        failed = 0
        for path in files:
            try:
                parsed = read_bulletin_file(path, known_sections=known_section_titles())
                result = store_bulletin(
                    parsed, source_name=path, replace=replace, actor_name=by.strip()[:100]
                )
            except IssueAlreadyExists as exc:
                self.stderr.write(f"jianbao import：{path}：{exc}")
                failed += 1
                continue
            except JianbaoError as exc:
                self.stderr.write(f"jianbao import：{exc}")
                failed += 1
                continue
            if not quiet:
                for warning in parsed.warnings:
                    self.stderr.write(f"{path}:{warning.line}: 警告：{warning.message}")
            articles = len(parsed.articles)
            if result.unchanged:
                self.stdout.write(f"{path}：{result.issue.label} 已在归档中，内容相同，未改动")
            else:
                verb = "导入" if result.created else "覆盖"
                self.stdout.write(
                    f"{path}：已{verb} {result.issue.label}，{len(parsed.sections)} 个栏目、"
                    f"{articles} 篇文章（{len(parsed.warnings)} 条提示）"
                )
        if failed:
            raise SystemExit(2)
