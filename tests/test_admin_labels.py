"""The admin in zh-Hans: every app and model has a Chinese name, the third-party ones too."""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from jianbao.submissions.tasks import read_files
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parent.parent / "jianbao/core/locale/zh_Hans/LC_MESSAGES"

APPS = {
    "axes": "登录保护",
    "django_tasks_database": "后台任务",
    "auth": "认证和授权",
    "core": "基础",
    "network": "联盟网络",
    "bulletins": "简报",
    "submissions": "投稿",
    "distribution": "报送与投递",
}
# The third-party models and Django's own, as the index lists them.
MODELS = {
    "axes/accessattempt": "登录尝试",
    "axes/accesslog": "登录记录",
    "axes/accessfailurelog": "登录失败记录",
    "django_tasks_database/dbtaskresult": "任务记录",
    "auth/user": "用户",
    "auth/group": "组",
}
# Models still shown with an English name (none now: Block and ArticleContributor
# got theirs). A model added without a verbose_name fails the test until it has one.
KNOWN_ENGLISH: dict[str, str] = {}
# Column headers and filter titles of the third-party changelists (each has a row).
COLUMNS = {
    "axes/accessattempt": [
        "尝试时间",
        "IP 地址",
        "浏览器标识",
        "用户名",
        "路径",
        "失败次数",
        "状态",
    ],
    "axes/accesslog": ["尝试时间", "退出时间", "IP 地址", "用户名", "浏览器标识", "路径"],
    "axes/accessfailurelog": ["尝试时间", "IP 地址", "用户名", "浏览器标识", "路径", "已锁定"],
    "django_tasks_database/dbtaskresult": [
        "编号",
        "任务",
        "状态",
        "加入队列时间",
        "开始时间",
        "结束时间",
        "优先级",
        "队列",
    ],
}
FILTERS = {
    "axes/accessattempt": ["以 尝试时间", "以 路径", "以 已锁定"],
    "axes/accesslog": ["以 尝试时间", "以 退出时间", "以 路径"],
    "axes/accessfailurelog": ["以 尝试时间", "以 已锁定", "以 路径"],
    "django_tasks_database/dbtaskresult": ["以 状态", "以 优先级", "以 队列"],
}


def english(label: str) -> bool:
    """ASCII only and at least one letter: a label nobody translated."""
    return label.isascii() and re.search(r"[A-Za-z]", label) is not None


class AdminPage(HTMLParser):
    """The labels of an admin page: app and model names, headers, filters, hidden ones too."""

    def __init__(self, html: str):
        super().__init__()
        self.apps: dict[str, str] = {}
        self.models: dict[str, str] = {}
        self.columns: list[str] = []
        self.filters: list[str] = []
        self.hidden: list[str] = []  # screen-reader headers of the app list
        self.title = ""
        self._stack: list[tuple[str, dict]] = []
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._stack.append((tag, dict(attrs)))
        self._text.append("")

    def handle_data(self, data):
        if self._text:
            self._text[-1] += data

    def handle_endtag(self, tag):
        if not self._stack:
            return
        (name, attrs), text = self._stack.pop(), self._text.pop().strip()
        if self._text:
            self._text[-1] += text
        parents = [t for t, _ in self._stack]
        href = attrs.get("href", "")
        if name == "a" and "caption" in parents:
            self.apps[href.strip("/").split("/")[-1]] = text
        elif (
            name == "a"
            and self._stack[-1:] == [("th", {**self._stack[-1][1], "scope": "row"})]
            and any(a.get("class", "").startswith("model-") for _, a in self._stack)
        ):
            key = "/".join(href.strip("/").split("/")[1:3])
            self.models[key] = text
        elif name == "th" and any("visually-hidden" in a.get("class", "") for _, a in self._stack):
            self.hidden.append(text)
        elif name == "th" and attrs.get("scope") == "col" and "column-" in attrs.get("class", ""):
            self.columns.append(text)
        elif name == "summary" and "details" in parents:
            self.filters.append(text)
        elif name == "h1" and not self.title:
            self.title = text


@pytest.fixture
def superuser_client(client):
    # A changelist shows its headers only with rows: a failed login (another
    # name, so the success below resets nothing) makes an attempt; the login
    # itself, an access log; a queued task, a task result.  The failure log
    # is off by default (AXES_ENABLE_ACCESS_FAILURE_LOG), so one is written.
    client.post(reverse("admin:login"), {"username": "nobody", "password": "wrong"})
    read_files.enqueue(0)
    AccessFailureLog.objects.create(username="nobody", ip_address="192.0.2.1", path_info="/")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def changelists():
    return sorted(
        f"{model._meta.app_label}/{model._meta.model_name}" for model in admin.site._registry
    )


def test_the_index_names_every_app_and_model_in_chinese(superuser_client):
    page = AdminPage(superuser_client.get(reverse("admin:index")).content.decode())
    assert page.apps == APPS
    assert set(page.models) == set(changelists())
    for key, label in MODELS.items():
        assert page.models[key] == label
    left = {key: label for key, label in page.models.items() if english(label)}
    assert left == KNOWN_ENGLISH
    assert page.hidden and not [h for h in page.hidden if english(h)], page.hidden


@pytest.mark.parametrize("key", changelists())
def test_every_changelist_in_chinese(superuser_client, key):
    app_label, model_name = key.split("/")
    response = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200
    page = AdminPage(response.content.decode())
    # The sidebar repeats the index; the heading names this model.
    assert page.apps == APPS
    assert {k: v for k, v in page.models.items() if english(v)} == KNOWN_ENGLISH
    assert page.title.startswith("选择")
    if key not in KNOWN_ENGLISH:
        assert not english(page.title.removeprefix("选择").split()[0].strip())
    if key in COLUMNS:
        assert page.columns == COLUMNS[key]
        assert page.filters == FILTERS[key]


def test_a_task_result_page_in_chinese(superuser_client):
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.get()
    html = superuser_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[result.pk])
    ).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    labels = [re.sub(r"<[^>]+>|:|：", "", label).strip() for label in labels]
    assert labels and not [label for label in labels if english(label)], labels
    assert "编号" in labels and "错误追溯" in labels and "最早运行时间" in labels
    assert ">待运行<" in html or "待运行" in html


def test_no_migration_for_the_third_party_apps(capsys):
    """The names come from a catalogue and AppConfigs, not model options: nothing to migrate."""
    call_command("makemigrations", "axes", "django_tasks_database", check=True, dry_run=True)
    assert "No changes detected" in capsys.readouterr().out


def _po_entries(text: str) -> dict[tuple[str | None, str], str]:
    entries, context, msgid = {}, None, None
    for line in text.splitlines():
        if line.startswith("msgctxt "):
            context = line[9:-1]
        elif line.startswith("msgid "):
            msgid = line[7:-1]
        elif line.startswith("msgstr ") and msgid:
            entries[(context, msgid)] = line[8:-1]
            context = msgid = None
    return entries


def test_the_compiled_catalogue_matches_its_source():
    entries = _po_entries((CATALOGUE / "django.po").read_text(encoding="utf-8"))
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert len(entries) > 40
    for (context, msgid), msgstr in entries.items():
        assert msgstr and not english(msgstr), msgid
        got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert got == msgstr, f"{msgid}: run msgfmt -o django.mo django.po"
