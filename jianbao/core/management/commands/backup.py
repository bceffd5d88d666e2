import signal
import sys

from jianbao.core import backup
from jianbao.core.commands import JianbaoCommand


def stop_on_sigterm() -> None:
    """A SIGTERM unwinds like Ctrl-C, so whatever was half-written is removed."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


class Command(JianbaoCommand):
    help = (
        "把数据库和全部上传文件写成一个一致的快照目录（含清单和校验和），网站照常运行；"
        "--check 只检查一个已有的快照"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="快照目录：须不存在或为空目录（--check 时为已有快照）")
        parser.add_argument(
            "--check", action="store_true", help="检查快照：清单、每个文件的校验和、数据库可读"
        )

    def handle(self, *args, path, check, **options):
        if check:
            with backup.plain_errors():
                manifest = backup.check_backup(path)
            self.stdout.write(backup.describe_check(path, manifest))
            return
        stop_on_sigterm()
        try:
            with backup.plain_errors():
                manifest = backup.create_backup(path, warn=self._warn)
        except KeyboardInterrupt:
            self.fail("已中断，未写入快照")
        self.stdout.write(backup.describe_backup(path, manifest))

    def _warn(self, message: str) -> None:
        sys.stderr.write(f"jianbao backup：{message}\n")
