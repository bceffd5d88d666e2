import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import store_bulletin
from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import grant_role
from jianbao.network.models import Organisation
from jianbao.publishing.ingest import read_bulletin_file

SAMPLES = Path(settings.BASE_DIR) / "samples"

# username, display name, role; the submitter speaks for the first alliance in the sample.
DEMO_TEAM = [
    ("editor", "杨编辑", Role.EDITOR),
    ("reviewer", "尚审核", Role.REVIEWER),
    ("signer", "李签发", Role.SIGNER),
    ("alliance", "联盟秘书处", Role.SUBMITTER),
]


def _has_administrator(User) -> bool:
    """Someone can already manage the site: an active 管理员 or superuser."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role_grants__role=Role.ADMIN))
        .exists()
    )


class Command(JianbaoCommand):
    help = (
        "首次运行的准备：归档为空时导入样刊；没有管理员时创建一个（管理员角色，不是超级用户，"
        "超级用户请用 createsuperuser）并显示一次密码；"
        "--demo-team 另建编辑、审核、签发和联盟秘书处的演示账号"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--demo-team", action="store_true")

    def handle(self, *args, username, demo_team, **options):
        if not Issue.objects.exists():
            for path in sorted(SAMPLES.glob("*.md")):
                result = store_bulletin(read_bulletin_file(path), source_name=path.name)
                self.stdout.write(f"已导入样刊 {result.issue.label}")
        User = get_user_model()
        created = []
        if not _has_administrator(User):
            password = self._administrator(User, username)
            created.append((username, "管理员", password))
        if demo_team:
            created += self._demo_team(User)
        if created:
            self.stdout.write("\n已创建账号（密码只显示这一次，请妥善保存）：")
            for name, role, password in created:
                self.stdout.write(f"  {role}\t用户名：{name}\t密码：{password}")
            self.stdout.write(f"  登录：{settings.JIANBAO_SITE_URL}/accounts/login/\n")

    @transaction.atomic
    def _administrator(self, User, username: str) -> str:
        # The 管理员 role, not a superuser: the admin then can read issues but
        # change none, and cannot raise its own powers (see core.services).
        if User.objects.filter(username=username).exists():
            raise JianbaoError(
                f"用户名 {username} 已存在但不是管理员：请用 --username 另选用户名，"
                "或用 jianbao createsuperuser 创建超级用户"
            )
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username, email="", password=password, is_staff=True
        )
        grant_role(user, Role.ADMIN)  # by the system; recorded
        return password

    @transaction.atomic
    def _demo_team(self, User):
        alliance = (
            Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).order_by("pk").first()
        )
        created = []
        for username, name, role in DEMO_TEAM:
            if User.objects.filter(username=username).exists():
                continue
            if role == Role.SUBMITTER and alliance is None:
                continue
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(
                username=username, password=password, first_name=name, email=f"{username}@localhost"
            )
            grant_role(user, role, alliance=alliance if role == Role.SUBMITTER else None)
            label = Role(role).label + (f"（{alliance.name}）" if role == Role.SUBMITTER else "")
            created.append((username, label, password))
        return created
