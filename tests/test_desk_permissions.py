"""Every role against every desk action: allowed, or refused with 403."""

import pytest
from django.urls import reverse

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.workflow import Action
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db

ROLES = ["submitter", "editor", "reviewer", "signer", "admin"]


@pytest.fixture
def ctx():
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    people = {role: person(role, role, alliance=alliance) for role in ROLES}
    people["admin"].is_staff = True
    people["admin"].save()
    editor = person("lead-editor", "editor")
    series = SeriesFactory()
    issue = editing.create_issue(series, year=2026, number=1, running_number=1, by=editor)
    section = issue.sections.first()
    article = editing.add_article(issue, section, by=editor, title="甲", body="甲。")
    editing.add_article(issue, section, by=editor, title="乙", body="乙。")
    submission = intake.submit_from_web(
        people["submitter"], alliance=alliance, title="来稿", body="正文。", credit="", files=[]
    )
    return {
        "people": people,
        "issue": issue,
        "section": section,
        "article": article,
        "submission": submission,
        "editor": editor,
        "reviewer": person("lead-reviewer", "reviewer"),
    }


def to_state(ctx, state):
    issue = ctx["issue"]
    if state in ("review", "signing", "signed"):
        workflow.transition(issue, Action.SUBMIT, by=ctx["editor"])
    if state in ("signing", "signed"):
        workflow.transition(issue, Action.APPROVE, by=ctx["reviewer"])
    if state == "signed":
        workflow.transition(issue, Action.SIGN, by=person("lead-signer", "signer"))


def transition(action, state):
    def run(client, ctx):
        to_state(ctx, state)
        comment = "请修改" if action == Action.RETURN else ""
        return client.post(
            reverse("desk:transition", args=[ctx["issue"].pk]),
            {"action": action, "comment": comment},
        )

    return run


ACTIONS = {
    "submission form": (lambda c, x: c.get(reverse("submissions:new")), {"submitter"}),
    "own submissions": (lambda c, x: c.get(reverse("submissions:mine")), {"submitter"}),
    "see a submission": (
        lambda c, x: c.get(reverse("submissions:detail", args=[x["submission"].pk])),
        {"submitter", "editor"},
    ),
    "intake queue": (lambda c, x: c.get(reverse("submissions:queue")), {"editor"}),
    "accept a submission": (
        lambda c, x: c.post(
            reverse("submissions:decide", args=[x["submission"].pk]),
            {"decision": "accept", "issue": x["issue"].pk, "section": x["section"].title},
        ),
        {"editor"},
    ),
    "return a submission": (
        lambda c, x: c.post(
            reverse("submissions:decide", args=[x["submission"].pk]),
            {"decision": "return", "comment": "请补充"},
        ),
        {"editor"},
    ),
    "new issue": (lambda c, x: c.get(reverse("desk:issue_new")), {"editor"}),
    "see the issue": (
        lambda c, x: c.get(reverse("desk:issue", args=[x["issue"].pk])),
        {"editor", "reviewer", "signer"},
    ),
    "edit an article": (
        lambda c, x: c.get(reverse("desk:article_edit", args=[x["article"].pk])),
        {"editor"},
    ),
    "move an article": (
        lambda c, x: c.post(
            reverse("desk:article_move", args=[x["article"].pk]), {"direction": "down"}
        ),
        {"editor"},
    ),
    "reorder a section": (
        lambda c, x: c.post(
            reverse("desk:section_reorder", args=[x["section"].pk]),
            {"article": list(x["section"].articles.values_list("pk", flat=True))[::-1]},
        ),
        {"editor"},
    ),
    "submit for review": (transition(Action.SUBMIT, "editing"), {"editor"}),
    "approve": (transition(Action.APPROVE, "review"), {"reviewer"}),
    "return from review": (transition(Action.RETURN, "review"), {"reviewer"}),
    "sign": (transition(Action.SIGN, "signing"), {"signer"}),
    "return from signing": (transition(Action.RETURN, "signing"), {"signer"}),
    "publish": (transition(Action.PUBLISH, "signed"), {"signer"}),
    "admin site": (lambda c, x: c.get("/admin/"), {"admin"}),
    "manage users": (lambda c, x: c.get("/admin/auth/user/"), {"admin"}),
    "edit issues in the admin": (lambda c, x: c.get("/admin/bulletins/issue/"), set()),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_matrix(client, ctx, role, action):
    run, allowed = ACTIONS[action]
    client.force_login(ctx["people"][role])
    response = run(client, ctx)
    if role in allowed:
        assert response.status_code in (200, 204, 302), response.content[:300]
        if response.status_code == 302:
            assert "/login" not in response["Location"]
    elif action.startswith(("admin", "manage", "edit issues")):
        # The admin answers 302-to-login (no access) or 403 (access, no permission).
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login" in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("action", ["submission form", "intake queue", "see the issue"])
def test_anonymous_visitors_are_sent_to_log_in(client, ctx, action):
    response = ACTIONS[action][0](client, ctx)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_allowed_transitions_really_change_the_state(client, ctx):
    client.force_login(ctx["people"]["editor"])
    transition(Action.SUBMIT, "editing")(client, ctx)
    ctx["issue"].refresh_from_db()
    assert ctx["issue"].state == "review"


def test_submitter_does_not_see_other_alliances_items(client, ctx):
    stranger = person(
        "stranger", "submitter", alliance=AllianceFactory(name="化纤产业技术创新战略联盟")
    )
    client.force_login(stranger)
    url = reverse("submissions:detail", args=[ctx["submission"].pk])
    assert client.get(url).status_code == 403
    assert "来稿" not in client.get(reverse("submissions:mine")).content.decode()


def test_production_hashes_passwords_with_argon2():
    import jianbao.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_login_is_throttled(client, ctx):
    for _ in range(5):
        client.post(reverse("login"), {"username": "editor", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "editor", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_pdf_preview_on_demand_for_an_issue_being_edited(client, ctx):
    client.force_login(ctx["people"]["reviewer"])
    response = client.get(reverse("desk:pdf", args=[ctx["issue"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(ctx["people"]["submitter"])
    assert client.get(reverse("desk:pdf", args=[ctx["issue"].pk])).status_code == 403


def query_count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_intake_queue_and_review_page_queries_do_not_grow_with_rows(client, ctx):
    editor, reviewer, alliance = ctx["editor"], ctx["reviewer"], ctx["submission"].alliance
    issue = ctx["issue"]
    issue_page = reverse("desk:issue", args=[issue.pk])

    def use_edited_submissions(count):
        for n in range(count):
            submission = intake.submit_from_web(
                ctx["people"]["submitter"],
                alliance=alliance,
                title=f"来稿{n}",
                body="正文。",
                credit="",
                files=[],
            )
            article = intake.accept_into(submission, issue=issue, section=ctx["section"], by=editor)
            editing.update_article(article, by=editor, title=f"改{n}", body="改。", credit="")

    def review_page_queries():
        workflow.transition(issue, Action.SUBMIT, by=editor)
        client.force_login(reviewer)
        count = query_count(client, issue_page)
        diffs = client.get(issue_page).content.decode().count("与来稿对比")
        workflow.transition(issue, Action.RETURN, by=reviewer, comment="再改")
        return count, diffs

    client.force_login(editor)
    queue_one = query_count(client, reverse("submissions:queue") + "?state=")
    use_edited_submissions(1)
    one = review_page_queries()
    use_edited_submissions(3)
    four = review_page_queries()
    assert (one[1], four[1]) == (1, 4)
    assert four[0] == one[0]
    client.force_login(editor)
    assert query_count(client, reverse("submissions:queue") + "?state=") == queue_one
