"""The reviewer's 与来稿对比 compares what readers read on both sides: a rich item
taken over unchanged shows no difference, a changed table cell shows as one."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.workflow import Action
from jianbao.publishing import pictures
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
    }


def rich_body() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(out, "PNG")
    name = pictures.accept(out.getvalue(), filename="会场.png").name
    return (
        "联盟在北京召开**标准工作会议**。\n\n"
        f"![图为会议现场]({name})\n\n"
        "| 序号 | 标准名称 |\n| --- | --- |\n| 1 | 钼铌合金棒材 |"
    )


def review_page(client, team, *, edit=None) -> str:
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    section = issue.sections.first()
    submission = intake.submit(
        by=team["submitter"],
        alliance=team["alliance"],
        title="标准工作会议",
        body=rich_body(),
        credit="",
    )
    article = intake.accept_into(submission, issue=issue, section=section, by=team["editor"])
    if edit:
        body = editing.body_text(article).replace(*edit)
        editing.update_article(
            article, by=team["editor"], title=article.title, body=body, credit=article.credit
        )
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    client.force_login(team["reviewer"])
    return client.get(reverse("desk:issue", args=[issue.pk])).content.decode()


def test_a_rich_item_taken_over_unchanged_shows_no_difference(client, team):
    assert "与来稿对比" not in review_page(client, team)


def test_a_changed_table_cell_is_the_difference_shown(client, team):
    page = review_page(client, team, edit=("钼铌合金棒材", "钼铌合金棒材（修订）"))
    assert page.count("与来稿对比") == 1
    assert "修订" in page
    # The picture's markup is not shown to the reviewer as a change.
    assert "![" not in page
