from pathlib import Path

from jianbao.core.commands import JianbaoCommand
from jianbao.network.exchange import RegistryImportError, export_registry, import_registry


class Command(JianbaoCommand):
    help = "导入（CSV 或 XLSX）或导出（XLSX）联盟登记"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--by", default="", metavar="姓名", help="导入人（记入历史；不填则记为系统）"
        )

    def handle(self, *args, action, file, by, **options):
        if action == "export":
            count = export_registry(file)
            self.stdout.write(f"{file}：已导出 {count} 家联盟")
            return
        if not file.exists():
            self.fail(f"{file}：文件不存在")
        try:
            result = import_registry(file, by=None, actor_name=by.strip())
        except RegistryImportError as exc:
            # Every bad row on its own line, then the one-line verdict.
            for line, message in exc.problems:
                self.stderr.write(f"{file}:{line}：{message}")
            self.fail(f"{file}：{len(exc.problems)} 处错误，未导入任何内容")
        self.stdout.write(
            f"{file}：新增 {len(result.created)} 家联盟，更新 {len(result.updated)} 家，"
            f"新增成员单位 {result.units} 条"
        )
