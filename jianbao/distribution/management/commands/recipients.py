"""`jianbao recipients import FILE.csv|FILE.xlsx --list 报|送` and `jianbao recipients list`."""

from pathlib import Path

from jianbao.core.commands import JianbaoCommand
from jianbao.distribution.models import Recipient
from jianbao.distribution.services import RecipientsRefused, import_recipients


class Command(JianbaoCommand):
    help = "管理报送名单：import 从 CSV 或 Excel（.xlsx，列为 单位,姓名,邮箱）导入，list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="从 CSV 或 Excel（.xlsx）导入收件人；有错误的文件一行也不导入"
        )
        imp.add_argument("file")
        imp.add_argument("--list", dest="kind", required=True, choices=["报", "送"])
        imp.add_argument("--by", default="", help="经办人姓名，记入操作记录（默认：系统）")
        lst = sub.add_parser("list", help="列出收件人")
        lst.add_argument("--list", dest="kind", choices=["报", "送"])
        lst.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *, action, kind, **options):
        if action == "import":
            self._import(options["file"], kind, options["by"].strip())
        else:
            self._list(kind, options["format"])

    def _import(self, file: str, kind: str, by_name: str) -> None:
        path = Path(file)
        if not path.is_file():
            self.fail(f"找不到文件 {file}")
        try:
            result = import_recipients(
                path.read_bytes(), kind=kind, path=file, by=None, actor_name=by_name
            )
        except RecipientsRefused as exc:
            self.fail(str(exc))
        self.stdout.write(
            f"“{kind}”名单：新增 {result.created} 人，更新 {result.updated} 人，"
            f"未变 {result.unchanged} 人"
        )

    def _list(self, kind, fmt) -> None:
        qs = Recipient.objects.select_related("distribution_list")
        if kind:
            qs = qs.filter(distribution_list__kind=kind)
        rows = [
            {
                "list": r.distribution_list.kind,
                "organisation": r.organisation,
                "person": r.person,
                "address": r.address,
                "active": r.is_active,
            }
            for r in qs
        ]
        if fmt == "json":
            self.write_json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['list']}\t{row['organisation']}\t{row['person']}\t{row['address']}"
            )
