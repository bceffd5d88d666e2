"""Comments of the review: the reviewer and the signer comment on an article or a
passage of it, the editor answers and resolves; every write leaves a history row,
and a returned issue shows its reason at the top of the issue page and on the desk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.workflow import Action
from jianbao.core.history import history_of
from jianbao.review import services
from jianbao.review.models import Comment
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db

BODY = "联盟在北京召开标准工作会议，审议了《钼铌合金棒材》等三项团体标准。\n\n会议由秘书长主持。"


@pytest.fixture
def team():
    return {
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
        "signer": person("sg", "signer", name="刘签发"),
        "submitter": person("sub", "submitter", alliance=AllianceFactory(), name="秘书处"),
    }


@pytest.fixture
def issue(team):
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    editing.add_article(
        issue,
        issue.sections.first(),
        by=team["editor"],
        title="粉末冶金联盟召开标准工作会议",
        body=BODY,
        credit="粉末冶金产业技术创新战略联盟",
    )
    return issue


def in_review(issue, team):
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    issue.refresh_from_db()
    return issue


def article_of(issue):
    return issue.sections.first().articles.get()


def test_the_reviewer_comments_on_a_passage_and_the_history_says_so(issue, team):
    in_review(issue, team)
    comment = services.add_comment(
        article_of(issue), by=team["reviewer"], text="请核对标准名称", passage="《钼铌合金棒材》"
    )
    assert comment.passage == "《钼铌合金棒材》"
    assert comment.author_name == "尚辉良"
    row = history_of(issue).get(action="review.comment.add")
    assert row.actor == team["reviewer"]
    assert row.data["comment"] == comment.pk
    assert row.data["passage"] == "《钼铌合金棒材》"
    assert row.comment == "请核对标准名称"


def test_a_passage_spanning_a_line_break_is_found_whatever_the_spaces(issue, team):
    in_review(issue, team)
    comment = services.add_comment(
        article_of(issue), by=team["reviewer"], text="两段合并？", passage="团体标准。 会议由"
    )
    assert comment.pk


def test_a_passage_the_article_does_not_have_is_refused_beside_the_passage(issue, team):
    in_review(issue, team)
    with pytest.raises(services.CommentRefused) as refused:
        services.add_comment(article_of(issue), by=team["reviewer"], text="？", passage="上海召开")
    assert refused.value.field == "passage"
    assert not Comment.objects.exists()
    assert not history_of(issue).filter(action="review.comment.add").exists()


def test_the_signer_comments_on_the_whole_article_while_signing(issue, team):
    in_review(issue, team)
    workflow.transition(issue, Action.APPROVE, by=team["reviewer"])
    comment = services.add_comment(article_of(issue), by=team["signer"], text="标题宜更简洁")
    assert comment.passage == ""


def test_nobody_comments_while_the_issue_is_being_edited(issue, team):
    with pytest.raises(services.CommentRefused):
        services.add_comment(article_of(issue), by=team["reviewer"], text="太早了")


def test_an_editor_or_a_submitter_cannot_comment(issue, team):
    in_review(issue, team)
    for who in ("editor", "submitter"):
        with pytest.raises(PermissionDenied):
            services.add_comment(article_of(issue), by=team[who], text="我也说两句")
    assert not Comment.objects.exists()


def test_the_editor_answers_and_resolves_and_each_has_its_history_row(issue, team):
    in_review(issue, team)
    comment = services.add_comment(article_of(issue), by=team["reviewer"], text="请核对")
    services.answer_comment(comment, by=team["editor"], text="已核对，名称无误")
    services.resolve_comment(comment, by=team["editor"])
    comment.refresh_from_db()
    assert comment.answer == "已核对，名称无误"
    assert comment.answered_by_name == "杨丹泽"
    assert comment.is_resolved and comment.resolved_by == team["editor"]
    actions = list(
        history_of(issue).filter(action__startswith="review.").values_list("action", flat=True)
    )
    assert actions == ["review.comment.add", "review.comment.answer", "review.comment.resolve"]


def test_the_reviewer_cannot_answer_or_resolve(issue, team):
    in_review(issue, team)
    comment = services.add_comment(article_of(issue), by=team["reviewer"], text="请核对")
    with pytest.raises(PermissionDenied):
        services.answer_comment(comment, by=team["reviewer"], text="自问自答")
    with pytest.raises(PermissionDenied):
        services.resolve_comment(comment, by=team["reviewer"])
    comment.refresh_from_db()
    assert not comment.answer and not comment.is_resolved


def test_a_comment_is_resolved_once(issue, team):
    in_review(issue, team)
    comment = services.add_comment(article_of(issue), by=team["reviewer"], text="请核对")
    services.resolve_comment(comment, by=team["editor"])
    with pytest.raises(services.CommentRefused):
        services.resolve_comment(comment, by=team["editor"])
    assert history_of(issue).filter(action="review.comment.resolve").count() == 1


# --- Views -----------------------------------------------------------------------------


def test_the_reviewer_sees_a_comment_form_per_article_and_posts_a_passage(client, issue, team):
    in_review(issue, team)
    article = article_of(issue)
    client.force_login(team["reviewer"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert f'aria-label="对《{article.title}》提出意见"' in page
    response = client.post(
        reverse("desk:review_comment_add", args=[article.pk]),
        {"passage": "秘书长主持", "text": "主持人姓名？"},
        follow=True,
    )
    comment = Comment.objects.get()
    assert response.redirect_chain[-1][0].endswith(f"#comment-{comment.pk}")
    page = response.content.decode()
    assert "已对所引段落就《粉末冶金联盟召开标准工作会议》提出意见" in page
    assert "待解决的审核意见：1 条" in page
    assert "主持人姓名？" in page


def test_a_refused_passage_is_named_beside_the_field_and_nothing_is_stored(client, issue, team):
    in_review(issue, team)
    client.force_login(team["reviewer"])
    response = client.post(
        reverse("desk:review_comment_add", args=[article_of(issue).pk]),
        {"passage": "不在文中的话", "text": "？"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_passage_errors"' in page and "所引原文在本文中找不到" in page
    assert not Comment.objects.exists()


def test_the_editor_sees_the_return_comment_at_the_top_answers_and_resolves(client, issue, team):
    in_review(issue, team)
    comment = services.add_comment(
        article_of(issue), by=team["reviewer"], text="请核对标准名称", passage="钼铌合金棒材"
    )
    workflow.transition(issue, Action.RETURN, by=team["reviewer"], comment="第一篇标准名称有误")
    client.force_login(team["editor"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    top = page[: page.index("栏目与文章")]
    assert "本期已被退回修改" in top and "第一篇标准名称有误" in top
    assert "待解决的审核意见：1 条" in top
    home = client.get(reverse("desk:home")).content.decode()
    assert "退回修改的简报" in home and "第一篇标准名称有误" in home
    assert "1 条审核意见待解决" in home

    response = client.post(
        reverse("desk:review_comment_answer", args=[comment.pk]),
        {"answer": "已改为《钼铌合金棒材》"},
        follow=True,
    )
    assert "已答复尚辉良对《粉末冶金联盟召开标准工作会议》的意见" in response.content.decode()
    response = client.post(reverse("desk:review_comment_resolve", args=[comment.pk]), follow=True)
    page = response.content.decode()
    assert "标为已解决" in page and "待解决的审核意见" not in page
    comment.refresh_from_db()
    assert comment.is_resolved


def test_the_reviewer_has_no_answer_or_resolve_buttons(client, issue, team):
    in_review(issue, team)
    services.add_comment(article_of(issue), by=team["reviewer"], text="请核对")
    client.force_login(team["reviewer"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "请核对" in page
    assert "答复这条意见" not in page and "标为已解决</button>" not in page


def test_the_return_comment_leaves_the_top_once_resubmitted(client, issue, team):
    in_review(issue, team)
    workflow.transition(issue, Action.RETURN, by=team["reviewer"], comment="请补充图片说明")
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    client.force_login(team["editor"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "本期已被退回修改" not in page
    assert "退回修改的简报" not in client.get(reverse("desk:home")).content.decode()


def test_a_resolve_by_a_reviewer_is_refused_and_changes_nothing(client, issue, team):
    in_review(issue, team)
    comment = services.add_comment(article_of(issue), by=team["reviewer"], text="请核对")
    client.force_login(team["reviewer"])
    response = client.post(reverse("desk:review_comment_resolve", args=[comment.pk]))
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_resolved


def test_a_comment_on_an_article_deleted_since_is_still_answered_at_the_top(client, issue, team):
    in_review(issue, team)
    comment = services.add_comment(article_of(issue), by=team["reviewer"], text="此文可删")
    workflow.transition(issue, Action.RETURN, by=team["reviewer"], comment="见意见")
    editing.delete_article(article_of(issue), by=team["editor"])
    client.force_login(team["editor"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    top = page[: page.index("栏目与文章")]
    assert "（文章已删除）" in top and "此文可删" in top
    assert f'id="comment-{comment.pk}"' in top
    assert reverse("desk:review_comment_resolve", args=[comment.pk]) in top
