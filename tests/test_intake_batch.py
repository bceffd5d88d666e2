"""Batch accept from the intake queue: several items, one issue, one transaction."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue
from jianbao.submissions import services as intake
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db

SECTIONS = ["工作动态", "经验交流", "联盟风采"]


@pytest.fixture
def team():
    powder = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    fibre = AllianceFactory(name="化纤产业技术创新战略联盟")
    return {
        "powder": powder,
        "fibre": fibre,
        "sec": person("sec", "submitter", alliance=powder),
        "sec2": person("sec2", "submitter", alliance=fibre),
        "editor": person("ed", "editor", name="杨丹泽"),
    }


@pytest.fixture
def issue(team):
    series = SeriesFactory(sections=SECTIONS)
    first = editing.create_issue(series, year=2023, number=1, running_number=1, by=team["editor"])
    Issue.objects.filter(pk=first.pk).update(state=Issue.State.PUBLISHED)
    return editing.create_issue(series, year=2023, number=2, running_number=2, by=team["editor"])


@pytest.fixture
def editor_client(team):
    client = Client()
    client.force_login(team["editor"])
    return client


def _item(team, title, who="sec"):
    alliance = team["powder"] if who == "sec" else team["fibre"]
    return intake.submit(
        by=team[who], alliance=alliance, title=title, body=f"{title}的正文。", credit=""
    )


def _confirm_url(issue, *items):
    query = "&".join(f"item={s.pk}" for s in items)
    return reverse("submissions:batch_accept") + f"?issue={issue.pk}&{query}"


def _post(client, issue, sections: dict):
    data = {"issue": issue.pk, "item": [s.pk for s in sections]}
    data.update({f"section-{s.pk}": title for s, title in sections.items()})
    return client.post(reverse("submissions:batch_accept"), data)


def test_the_queue_offers_a_box_per_received_item_and_the_editing_issues(
    team, issue, editor_client
):
    a, b = _item(team, "甲稿"), _item(team, "乙稿")
    intake.reject(b, by=team["editor"])
    page = editor_client.get(reverse("submissions:queue") + "?state=").content.decode()
    assert f'name="item" value="{a.pk}"' in page
    assert f'name="item" value="{b.pk}"' not in page
    assert f'<option value="{issue.pk}">2023年第2期（总第2期）</option>' in page


def test_the_confirmation_preselects_each_items_suggested_section(team, issue, editor_client):
    a, b = _item(team, "甲稿"), _item(team, "乙稿", who="sec2")
    page = editor_client.get(_confirm_url(issue, a, b)).content.decode()
    suggested = intake.suggest_section(a, issue.series)
    assert suggested == "联盟风采"
    assert f'id="section-{a.pk}"' in page and f'id="section-{b.pk}"' in page
    assert f'<option value="{suggested}" selected>' in page
    assert (
        'data-confirm="将 2 篇稿件采用到 2023年第2期（总第2期），并通知投稿人，确定采用？"' in page
    )
    assert not Article.objects.exists()  # asking is not doing


def test_accepting_three_items_puts_each_in_its_section_and_says_where(
    team, issue, editor_client, django_capture_on_commit_callbacks
):
    a, b, c = _item(team, "甲稿"), _item(team, "乙稿"), _item(team, "丙稿", who="sec2")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(editor_client, issue, {a: "工作动态", b: "联盟风采", c: "联盟风采"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "desk:issue", args=[issue.pk]
    )
    placed = {
        art.title: art.section.title
        for art in Article.objects.filter(section__issue=issue).select_related("section")
    }
    assert placed == {"甲稿": "工作动态", "乙稿": "联盟风采", "丙稿": "联盟风采"}
    assert set(Submission.objects.values_list("state", flat=True)) == {Submission.State.USED}
    [message] = [m.message for m in response.wsgi_request._messages]
    assert message.startswith("已采用 3 篇稿件到 2023年第2期（总第2期）")
    assert "《甲稿》→“工作动态”" in message and "《丙稿》→“联盟风采”" in message
    assert sorted(m.to[0] for m in mail.outbox) == [
        "sec2@example.org",
        "sec@example.org",
        "sec@example.org",
    ]


def test_an_item_handled_meanwhile_is_refused_before_any_write(
    team, issue, editor_client, django_capture_on_commit_callbacks
):
    a, b = _item(team, "甲稿"), _item(team, "乙稿")
    assert editor_client.get(_confirm_url(issue, a, b)).status_code == 200
    # Meanwhile someone else returns 乙稿 to its alliance.
    intake.return_with_comment(b, by=team["editor"], comment="请补充数据")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(editor_client, issue, {a: "工作动态", b: "工作动态"})
    assert response.status_code == 302
    assert [m.message for m in response.wsgi_request._messages] == [
        "所选稿件中有已处理或不存在的稿件，请刷新后重新勾选"
    ]
    assert not Article.objects.exists()
    assert Submission.objects.get(pk=a.pk).state == Submission.State.RECEIVED
    assert mail.outbox == []


def test_one_item_refused_inside_the_transaction_accepts_none_and_names_it(
    team, issue, editor_client, django_capture_on_commit_callbacks
):
    a = _item(team, "甲稿")
    # Its picture was never stored (a mailed link to a lost file): add_article refuses it.
    b = intake.receive(
        title="乙稿",
        paragraphs=["正文。", "![会场](pictures/missing.png)"],
        alliance=team["powder"],
        credit="",
        by=team["sec"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(editor_client, issue, {a: "工作动态", b: "工作动态"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "《乙稿》未能采用：" in page and "找不到这张图片" in page
    assert "所选稿件均未采用" in page
    assert not Article.objects.exists()  # 甲稿, accepted first, was undone
    states = set(Submission.objects.values_list("state", flat=True))
    assert states == {Submission.State.RECEIVED}
    assert not Submission.objects.get(pk=a.pk).events.filter(action="accepted").exists()
    assert mail.outbox == []


def test_an_unknown_section_is_named_and_nothing_is_accepted(team, issue, editor_client):
    a, b = _item(team, "甲稿"), _item(team, "乙稿")
    response = _post(editor_client, issue, {a: "工作动态", b: "不存在的栏目"})
    assert response.status_code == 200
    assert "请为《乙稿》选择 2023年第2期（总第2期） 的栏目" in response.content.decode()
    assert not Article.objects.exists()


def test_a_hidden_section_is_not_offered(team, issue, editor_client):
    from jianbao.bulletins import sections

    sections.set_section_hidden(
        issue.sections.get(title="经验交流"), by=team["editor"], hidden=True
    )
    a = _item(team, "甲稿")
    page = editor_client.get(_confirm_url(issue, a)).content.decode()
    assert '<option value="工作动态"' in page and '<option value="经验交流"' not in page


def test_only_issues_being_edited_can_be_chosen(team, issue, editor_client):
    a = _item(team, "甲稿")
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.REVIEW)
    response = editor_client.get(_confirm_url(issue, a), follow=True)
    assert "只能采用到编辑中的一期" in response.content.decode()
    assert not Article.objects.exists()


def test_the_alliance_filter_lists_alliances_in_pinyin_order(team, issue, editor_client):
    wapi = AllianceFactory(name="WAPI产业联盟")
    health = AllianceFactory(name="健康产业技术创新战略联盟")
    for alliance in (wapi, health):
        intake.receive(
            title=f"{alliance.name}来稿",
            paragraphs=["正文。"],
            alliance=alliance,
            credit="",
            by=None,
        )
    _item(team, "粉末来稿")
    _item(team, "化纤来稿", who="sec2")
    page = editor_client.get(reverse("submissions:queue")).content.decode()
    start = page.index('id="id_alliance"')
    options = page[start : page.index("</select>", start)]
    positions = [options.index(n) for n in ("粉末冶金", "化纤", "健康", "WAPI")]
    # f(en) < h(ua) < j(ian) < w: pinyin, not code points (WAPI would come first).
    assert positions == sorted(positions)


def test_a_submitter_may_not_batch_accept(team, issue):
    a = _item(team, "甲稿")
    client = Client()
    client.force_login(team["sec"])
    response = client.post(
        reverse("submissions:batch_accept"),
        {"issue": issue.pk, "item": [a.pk], f"section-{a.pk}": "工作动态"},
    )
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_accept_many_refusing_its_last_item_leaves_the_database_as_it_was(
    team, issue, database_fingerprint, django_capture_on_commit_callbacks
):
    a, b = _item(team, "甲稿"), _item(team, "乙稿", who="sec2")
    # The third one's picture was never stored: add_article refuses it, after two accepts.
    c = intake.receive(
        title="丙稿",
        paragraphs=["正文。", "![会场](pictures/missing.png)"],
        alliance=team["powder"],
        credit="",
        by=team["sec"],
    )
    sections = {s.title: s for s in issue.sections.all()}
    before = database_fingerprint()
    pairs = [(a, sections["工作动态"]), (b, sections["联盟风采"]), (c, sections["经验交流"])]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(intake.BatchRefused) as refused,
    ):
        intake.accept_many(pairs, issue=issue, by=team["editor"])
    assert refused.value.submission == c
    assert str(refused.value).startswith("《丙稿》未能采用：")
    assert str(refused.value).endswith("所选稿件均未采用，请处理后重试")
    assert database_fingerprint() == before
    assert callbacks == [] and mail.outbox == []  # nobody is told of an undone accept


def test_accept_many_returns_the_articles_in_the_order_given(team, issue):
    a, b = _item(team, "甲稿"), _item(team, "乙稿")
    sections = {s.title: s for s in issue.sections.all()}
    articles = intake.accept_many(
        [(b, sections["联盟风采"]), (a, sections["工作动态"])], issue=issue, by=team["editor"]
    )
    assert [(x.title, x.section.title) for x in articles] == [
        ("乙稿", "联盟风采"),
        ("甲稿", "工作动态"),
    ]
    assert Submission.objects.get(pk=a.pk).article == articles[1]


def test_accept_many_takes_the_actor_by_keyword_only(team, issue):
    a = _item(team, "甲稿")
    section = issue.sections.get(title="工作动态")
    with pytest.raises(TypeError):
        intake.accept_many([(a, section)], issue, team["editor"])  # type: ignore[misc]
    assert not Article.objects.exists()
