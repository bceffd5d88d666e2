"""`jianbao deliveries ISSUE --format json`: each recipient's delivery state."""

from jianbao.bulletins.services import find_issue
from jianbao.core.commands import JianbaoCommand
from jianbao.distribution.models import Delivery
from jianbao.distribution.services import delivery_progress, delivery_rows


class Command(JianbaoCommand):
    help = "列出一期简报对每位收件人的投递状态"

    def add_arguments(self, parser):
        parser.add_argument("issue", help="2023-1（年份-期号）或 66（总期号）")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *, issue, format, **options):
        found = find_issue(issue)
        rows = delivery_rows(found)
        if format == "json":
            self.write_json(rows)
            return
        labels = dict(Delivery.State.choices)
        for row in rows:
            line = f"{row['address']}\t{labels[row['state']]}\t{row['attempts']}"
            self.stdout.write(line + (f"\t{row['error']}" if row["error"] else ""))
        progress = delivery_progress(found)
        self.stdout.write(f"已发送 {progress['sent']} / {progress['total']}")
