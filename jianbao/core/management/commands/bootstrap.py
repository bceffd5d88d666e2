import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import store_bulletin
from jianbao.core.commands import JianbaoCommand
from jianbao.publishing.ingest import read_bulletin_file

SAMPLES = Path(settings.BASE_DIR) / "samples"


class Command(JianbaoCommand):
    help = "首次运行的准备：归档为空时导入样刊；没有管理员时创建一个并显示一次密码"

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        if not Issue.objects.exists():
            for path in sorted(SAMPLES.glob("*.md")):
                result = store_bulletin(read_bulletin_file(path), source_name=path.name)
                self.stdout.write(f"已导入样刊 {result.issue.label}")
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(
                "\n已创建管理员账号（密码只显示这一次，请妥善保存）：\n"
                f"  用户名：{username}\n  密码：{password}\n"
                "  登录：http://127.0.0.1:8000/admin/\n"
            )
