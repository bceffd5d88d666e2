"""`jianbao fetch-mail`: read the submission mailbox once."""

from jianbao.core.commands import JianbaoCommand
from jianbao.mailbox.services import fetch_submissions


class Command(JianbaoCommand):
    help = "收取投稿邮箱（IMAP_URL）中的未读邮件，每封生成一份投稿"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="最多处理的邮件数")

    def handle(self, *, limit, **options):
        report = fetch_submissions(limit=limit)
        self.stdout.write(
            f"新投稿 {report.stored} 份，已收过 {report.duplicates} 封，退信 {report.bounces} 封"
        )
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise SystemExit(1)
