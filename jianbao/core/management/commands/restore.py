from jianbao.core import backup
from jianbao.core.commands import JianbaoCommand
from jianbao.core.management.commands.backup import stop_on_sigterm


class Command(JianbaoCommand):
    help = "把 jianbao backup 写的快照恢复到空数据库和空的上传文件目录（先核对全部校验和）"
    # The checks could open, and so create, the SQLite file that is about to be restored.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="jianbao backup 写的快照目录")

    def handle(self, *args, path, **options):
        stop_on_sigterm()
        try:
            with backup.plain_errors():
                manifest = backup.restore_backup(path)
        except KeyboardInterrupt:
            self.fail("已中断，未做改动")
        self.stdout.write(backup.describe_restore(path, manifest))
