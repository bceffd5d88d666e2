"""`jianbao send ISSUE`: queue the issue for every recipient who has not had it."""

from jianbao.bulletins.services import find_issue
from jianbao.core.commands import JianbaoCommand
from jianbao.distribution.services import delivery_progress, queue_missing, send_queued


class Command(JianbaoCommand):
    help = "把一期简报排入发送队列（只为尚未排队的收件人新建投递），由 jianbao worker 发送"

    def add_arguments(self, parser):
        parser.add_argument("issue", help="2023-1（年份-期号）或 66（总期号）")
        parser.add_argument("--now", action="store_true", help="不等后台进程，在本进程中立即发送")

    def handle(self, *, issue, now, **options):
        found = find_issue(issue)
        queued = queue_missing(found, by=None)
        progress = delivery_progress(found)
        self.stdout.write(
            f"{found.label}：新排队 {queued} 封；共 {progress['total']} 位收件人，"
            f"已发送 {progress['sent']}"
        )
        if now:
            report = send_queued(found.pk)
            self.stdout.write(
                f"本次发送 {report.sent} 封，待重试 {report.retrying}，"
                f"失败 {report.failed + report.bounced}"
            )
