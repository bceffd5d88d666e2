"""Two editors save the same article (issue #13): the second is told, and nothing is lost.

Both open the article's edit page; the first saves. The second's save is refused
with the 编辑冲突 page: it names who saved meanwhile, shows that change beside
theirs, and keeps their own text in the form. They read it, take the other's
sentence into their text and save again: the article holds both, and its history
shows both saves, each with its editor.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article
from jianbao.core.models import HistoryEvent
from tests.factories import SeriesFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "粉末冶金联盟召开年会"
BODY = "联盟在长沙召开2023年年会。"
FIRST = "年会审议通过了工作报告。"
SECOND = "会议选举产生了新一届理事会。"


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def an_article() -> Article:
    lead = person("editor", "editor", name="杨丹泽")
    person("editor2", "editor", name="王小青")
    issue = editing.create_issue(SeriesFactory(), year=2023, number=1, running_number=1, by=lead)
    return editing.add_article(
        issue, issue.sections.order_by("position").first(), by=lead, title=TITLE, body=BODY
    )


def append_to_body(page, text: str) -> None:
    body = page.get_by_role("textbox", name="正文")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def conflict_is_above(page) -> bool:
    return page.evaluate(
        """() => {
      const conflict = document.querySelector("section.conflict")
      const message = [...document.querySelectorAll("[role=alert] .errorlist")]
        .find(e => e.textContent.includes("您的修改未保存"))
      return Boolean(conflict && message &&
        conflict.compareDocumentPosition(message) & Node.DOCUMENT_POSITION_FOLLOWING)
    }"""
    )


def stored_body(article) -> str:
    return editing.body_text(Article.objects.get(pk=article.pk))


def test_the_second_editor_is_told_and_nothing_is_lost(live_server, login, shoot):
    article = an_article()
    edit_url = live_server.url + reverse("desk:article_edit", args=[article.pk])

    # Both open the same article.
    first, second = login("editor"), login("editor2")
    first.goto(edit_url)
    second.goto(edit_url)
    expect(first.get_by_role("textbox", name="正文")).to_contain_text(BODY)
    expect(second.get_by_role("textbox", name="正文")).to_contain_text(BODY)

    # The first saves.
    append_to_body(first, FIRST)
    first.get_by_role("button", name="保存", exact=True).click()
    expect(first.get_by_text(f"已保存《{TITLE}》")).to_be_visible()
    assert stored_body(article) == BODY + FIRST

    # The second saves over it: told, not saved, their text still in the form.
    append_to_body(second, SECOND)
    second.get_by_role("button", name="保存", exact=True).click()
    alert = second.locator("[role=alert]").filter(has_text="您的修改未保存")
    expect(alert).to_contain_text(f"《{TITLE}》在您打开后已被杨丹泽于")
    # …and points to the comparison where it is: above the message, under its heading.
    expect(alert).to_contain_text("您的修改未保存，请对照上方“对方的修改”重新修改后再保存")
    assert conflict_is_above(second)
    conflict = second.locator("section.conflict")
    expect(conflict.get_by_role("heading", name="对方的修改")).to_be_visible()
    expect(conflict).to_contain_text("杨丹泽 于")
    expect(conflict).to_contain_text("年会审议通过了工作报告")  # the first's change, to read
    expect(second.get_by_role("textbox", name="正文")).to_contain_text(BODY + SECOND)
    assert stored_body(article) == BODY + FIRST  # the first's text is kept
    shoot(second, "two-editors-conflict")

    # Having read it, the second takes the first's sentence into their text and saves.
    append_to_body(second, FIRST)
    second.get_by_role("button", name="保存", exact=True).click()
    expect(second.get_by_text(f"已保存《{TITLE}》")).to_be_visible()
    assert stored_body(article) == BODY + SECOND + FIRST

    # The history keeps each save with its editor, the first's text included.
    edits = HistoryEvent.objects.filter(action="bulletins.article.edit", data__article=article.pk)
    saved = [(e.actor_name, e.data["after"]["body"]) for e in edits.order_by("id")]
    assert saved == [("杨丹泽", BODY + FIRST), ("王小青", BODY + SECOND + FIRST)]
    second.goto(
        live_server.url
        + reverse("desk:article_history", args=[article.section.issue_id, article.pk])
    )
    rows = second.locator("ol.history li")
    expect(rows.filter(has_text="杨丹泽：修改文章（改动：正文）")).to_have_count(1)
    expect(rows.filter(has_text="王小青：修改文章（改动：正文）")).to_have_count(1)
    assert re.search("王小青", rows.last.inner_text())
