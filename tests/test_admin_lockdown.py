"""The Django admin cannot get around the sign-off.

Issues, their content and every history row are read-only in the admin, for
superusers too; what administrators legitimately do there (users and roles,
series settings, the registry) still works and is recorded.  Each forbidden
POST is a real admin form as the browser would send it, and must leave every
row of the database as it was.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from jianbao.bulletins import editing
from jianbao.bulletins.models import (
    Article,
    ArticleContributor,
    Block,
    Issue,
    IssueEvent,
    Section,
    Series,
)
from jianbao.core.models import HistoryEvent
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The fields a browser would send for the admin's main form (``<model>_form``)."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_options: list[tuple[str, bool]] = []
        self._multiple = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_options = name, []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._select_options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._select_options if selected]
            if not chosen and not self._multiple and self._select_options:
                chosen = [self._select_options[0][0]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def admin_form(client, url, **changes) -> dict:
    """GET an admin add/change page and return what its form would POST, with changes.

    A field the page does not offer (because it is read-only) is added anyway:
    a hostile user can send it.
    """
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _FormFields()
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    data.setdefault("_save", ["保存"])
    return data


def superuser(username="root"):
    # What `jianbao createsuperuser` makes.
    return get_user_model().objects.create_superuser(username, "", "pw-pw-pw-pw")


def administrator(username="boss"):
    # A 管理员 who may enter the admin site, as a superuser (or bootstrap) sets one up.
    user = person(username, "admin", name="王管理")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desk_issue(db):
    """An issue still being edited: not reviewed, not signed."""
    editor = person("desk-editor", "editor", name="杨编辑")
    series = Series.objects.first() or SeriesFactory()
    number, running = editing.next_numbers(series, 2026)
    issue = editing.create_issue(
        series, year=2026, number=number, running_number=running, by=editor
    )
    editing.add_article(issue, issue.sections.first(), by=editor, title="甲", body="甲的正文。")
    return issue


def _article_of(issue) -> Article:
    return Article.objects.filter(section__issue=issue).order_by("section", "position").first()


# --- finding 1: a superuser cannot change or delete published content ---------


def test_a_superuser_cannot_retitle_an_article_of_a_published_issue(
    client, imported_issue, database_fingerprint
):
    article = _article_of(imported_issue)
    client.force_login(superuser())
    url = reverse("admin:bulletins_article_change", args=[article.pk])
    data = admin_form(client, url, title="被篡改的标题")
    before = database_fingerprint()
    response = client.post(url, data)
    assert response.status_code == 403
    assert database_fingerprint() == before
    article.refresh_from_db()
    assert article.title != "被篡改的标题"
    # Nor through the article list of its section.
    section_url = reverse("admin:bulletins_section_change", args=[article.section_id])
    data = admin_form(client, section_url, **{"articles-0-title": "被篡改的标题"})
    assert client.post(section_url, data).status_code == 403
    assert database_fingerprint() == before


def test_a_superuser_cannot_publish_an_unreviewed_issue_with_invented_names(
    client, desk_issue, database_fingerprint
):
    client.force_login(superuser())
    url = reverse("admin:bulletins_issue_change", args=[desk_issue.pk])
    data = admin_form(
        client,
        url,
        state="published",
        reviewer_name="假审核",
        signer_name="假签发",
        editor_name="假编辑",
        date="2026-01-05",
    )
    before = database_fingerprint()
    assert client.post(url, data).status_code == 403
    assert database_fingerprint() == before
    desk_issue.refresh_from_db()
    assert desk_issue.state == Issue.State.EDITING
    # The public page does not know the issue, let alone print those names.
    page = client.get(f"/issues/{desk_issue.key}/")
    assert "假签发" not in page.content.decode()


def test_a_superuser_cannot_add_or_delete_issues_or_their_parts(
    client, imported_issue, database_fingerprint
):
    client.force_login(superuser())
    article = _article_of(imported_issue)
    before = database_fingerprint()
    for model, pk in [
        ("issue", imported_issue.pk),
        ("section", article.section_id),
        ("article", article.pk),
        ("block", article.blocks.first().pk),
    ]:
        delete = reverse(f"admin:bulletins_{model}_delete", args=[pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403, model
        changelist = reverse(f"admin:bulletins_{model}_changelist")
        bulk = client.post(
            changelist, {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
        )
        # No delete action is offered, so the admin refuses the POST without touching a row.
        assert bulk.status_code in (200, 302, 403), model
        assert database_fingerprint() == before, model
        assert client.get(reverse(f"admin:bulletins_{model}_add")).status_code == 403, model
    # The series of a published issue cannot go either (it would take the issue with it).
    delete = reverse("admin:bulletins_series_delete", args=[imported_issue.series_id])
    client.post(delete, {"post": "yes"})
    assert database_fingerprint() == before
    assert Issue.objects.filter(pk=imported_issue.pk).exists()


@pytest.mark.parametrize(
    "model", [Issue, Section, Article, Block, ArticleContributor, IssueEvent, HistoryEvent]
)
def test_issue_content_and_history_are_readable_in_the_admin(
    client, imported_issue, desk_issue, model
):
    client.force_login(superuser())
    obj = model.objects.order_by("pk").first()
    assert obj is not None, model
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # Read-only: no save button.
    assert 'name="_save"' not in html


def test_the_issue_page_in_the_admin_offers_no_editable_field(client, imported_issue):
    client.force_login(superuser())
    for url in [
        reverse("admin:bulletins_issue_change", args=[imported_issue.pk]),
        reverse("admin:bulletins_section_change", args=[_article_of(imported_issue).section_id]),
        reverse("admin:bulletins_article_change", args=[_article_of(imported_issue).pk]),
    ]:
        parser = _FormFields()
        parser.feed(client.get(url).content.decode())
        # Only the CSRF token, the inlines' management forms and their hidden keys remain.
        editable = {
            name
            for name, _ in parser.fields
            if name != "csrfmiddlewaretoken"
            and not re.search(r"_FORMS$|-(id|issue|section|article)$", name)
        }
        assert editable == set(), (url, editable)


@pytest.mark.parametrize("app_model", ["bulletins.issueevent", "core.historyevent"])
def test_history_rows_cannot_be_changed_or_deleted_in_the_admin(
    client, imported_issue, desk_issue, database_fingerprint, app_model
):
    client.force_login(superuser())
    app, model_name = app_model.split(".")
    from django.apps import apps

    obj = apps.get_model(app, model_name).objects.order_by("pk").first()
    assert obj is not None
    before = database_fingerprint()
    change = reverse(f"admin:{app}_{model_name}_change", args=[obj.pk])
    assert client.post(change, {"comment": "改写历史", "_save": "1"}).status_code == 403
    delete = reverse(f"admin:{app}_{model_name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse(f"admin:{app}_{model_name}_add")).status_code == 403
    assert database_fingerprint() == before


def test_the_history_list_filters_by_action_and_actor(client, desk_issue):
    from jianbao.core.services import grant_role

    boss = administrator()
    helper = person("helper")
    grant_role(helper, "editor", by=boss)
    client.force_login(boss)
    url = reverse("admin:core_historyevent_changelist")
    listing = client.get(url)
    assert listing.status_code == 200
    everything = set(listing.context["cl"].queryset.values_list("action", flat=True))
    assert {"core.role.grant", "bulletins.issue.create"} <= everything, everything
    grants = client.get(url, {"action__exact": "core.role.grant"}).context["cl"].queryset
    assert set(grants.values_list("action", flat=True)) == {"core.role.grant"}
    mine = client.get(url, {"actor__id__exact": boss.pk}).context["cl"].queryset
    assert [(e.action, e.subject_id) for e in mine] == [("core.role.grant", str(helper.pk))]


def test_submissions_and_their_history_cannot_be_changed_or_deleted(client, database_fingerprint):
    from jianbao.submissions import services as intake

    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    secretary = person("sec", "submitter", alliance=alliance)
    submission = intake.submit_from_web(
        secretary, alliance=alliance, title="来稿", body="正文。", credit="", files=[]
    )
    client.force_login(superuser())
    url = reverse("admin:submissions_submission_change", args=[submission.pk])
    data = admin_form(client, url, state="used", title="改过的来稿")
    before = database_fingerprint()
    assert client.post(url, data).status_code == 403
    delete = reverse("admin:submissions_submission_delete", args=[submission.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert database_fingerprint() == before


def test_deliveries_cannot_be_changed_or_deleted(client, imported_issue, database_fingerprint):
    from jianbao.distribution.models import Delivery

    delivery = Delivery.objects.create(
        issue=imported_issue, address="a@example.org", message_id="<x@jianbao>"
    )
    client.force_login(superuser())
    before = database_fingerprint()
    change = reverse("admin:distribution_delivery_change", args=[delivery.pk])
    assert client.post(change, {"state": "sent", "_save": "1"}).status_code == 403
    delete = reverse("admin:distribution_delivery_delete", args=[delivery.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert database_fingerprint() == before


# --- finding 4: what administrators do there still works ------------------------


def _allowed_pages(issue):
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    user = person("someone", "editor")
    grant = user.role_grants.get()
    return [
        ("auth", "user", user.pk),
        ("core", "rolegrant", grant.pk),
        ("core", "historyevent", HistoryEvent.objects.order_by("pk").first().pk),
        ("bulletins", "series", issue.series_id),
        ("network", "organisation", alliance.pk),
    ]


def test_every_allowed_admin_page_answers_an_administrator(client, imported_issue):
    client.force_login(administrator())
    assert client.get(reverse("admin:index")).status_code == 200
    for app, model, pk in _allowed_pages(imported_issue):
        assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200, model
        page = client.get(reverse(f"admin:{app}_{model}_change", args=[pk]))
        assert page.status_code == 200, model
    for app, model in [("auth", "user"), ("core", "rolegrant"), ("network", "organisation")]:
        assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200, model
    # Issues stay on the desk: the administrator does not even see them here.
    assert client.get(reverse("admin:bulletins_issue_changelist")).status_code == 403


def test_an_administrator_changes_series_settings_and_it_is_recorded(client, imported_issue):
    boss = administrator()
    client.force_login(boss)
    series = imported_issue.series
    assert series.separate_review_and_sign
    url = reverse("admin:bulletins_series_change", args=[series.pk])
    data = admin_form(client, url, separate_review_and_sign=None, office="新的编发单位")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    series.refresh_from_db()
    assert series.office == "新的编发单位" and not series.separate_review_and_sign
    event = HistoryEvent.objects.get(action="bulletins.series.change")
    assert event.actor == boss and event.subject_id == str(series.pk)
    assert "separate_review_and_sign" in str(event.data) and "office" in str(event.data)


def test_an_administrator_edits_the_registry_and_it_is_recorded(client):
    boss = administrator()
    client.force_login(boss)
    url = reverse("admin:network_organisation_add")
    data = admin_form(client, url, name="新材料产业技术创新战略联盟", kind="alliance")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    from jianbao.network.models import Organisation

    org = Organisation.objects.get(name="新材料产业技术创新战略联盟")
    event = HistoryEvent.objects.get(action="network.organisation.add")
    assert event.actor == boss and event.subject_id == str(org.pk)


def test_an_alliance_named_in_published_articles_or_held_by_a_role_cannot_be_deleted(
    client, imported_issue, database_fingerprint
):
    from jianbao.network.models import Organisation

    named = AllianceFactory(name="被提及产业技术创新战略联盟")
    _article_of(imported_issue).alliances.add(named)
    held = AllianceFactory(name="有秘书处产业技术创新战略联盟")
    person("sec", "submitter", alliance=held)
    spare = AllianceFactory(name="误建产业技术创新战略联盟")
    client.force_login(superuser())
    before = database_fingerprint()
    for org in (named, held):
        delete = reverse("admin:network_organisation_delete", args=[org.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        bulk = client.post(
            reverse("admin:network_organisation_changelist"),
            {"action": "delete_selected", "_selected_action": [org.pk], "post": "yes"},
        )
        assert bulk.status_code == 403
    assert database_fingerprint() == before
    # A name nothing refers to can still go, and its going is recorded.
    delete = reverse("admin:network_organisation_delete", args=[spare.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Organisation.objects.filter(pk=spare.pk).exists()
    assert HistoryEvent.objects.filter(
        action="network.organisation.delete", subject_id=str(spare.pk)
    ).exists()


# --- every admin model, and what it allows ---------------------------------------

# v(iew) a(dd) c(hange) d(elete), for a superuser and for a 管理员 (staff with the role).
# A model registered in the admin and missing here fails the test below, so
# nobody adds an editable admin for records without deciding it here.
ADMIN_MATRIX = {
    "auth.user": ("vacd", "vacd"),  # a 管理员: not other staff or superusers, see test_roles
    "auth.group": ("vacd", ""),
    "core.rolegrant": ("va-d", "va-d"),  # through core.services; never edited
    "core.historyevent": ("v---", "v---"),
    "bulletins.series": ("vacd", "vacd"),
    "bulletins.issue": ("v---", ""),
    "bulletins.section": ("v---", ""),
    "bulletins.article": ("v---", ""),
    "bulletins.block": ("v---", ""),
    "bulletins.articlecontributor": ("v---", ""),
    "bulletins.issueevent": ("v---", ""),
    "bulletins.issuerevision": ("v---", ""),
    "submissions.submission": ("v---", ""),
    "distribution.distributionlist": ("vacd", ""),
    "distribution.recipient": ("vacd", ""),
    "distribution.delivery": ("v---", ""),
    "network.organisation": ("vacd", "vacd"),  # not one named in articles or held by a role
    "network.networkbody": ("vacd", "vacd"),
    "network.membershipapplication": ("v---", "v---"),
    "network.publicnotice": ("v---", "v---"),
    "network.objection": ("v---", "v---"),
    "network.profilechange": ("v---", "v---"),
    "network.mergedecision": ("v---", "v---"),
    # Third-party: logins and lock-outs (every field read-only, so "change"
    # saves nothing; a superuser deletes an attempt to unlock an account) and
    # the task queue's results.
    "axes.accessattempt": ("v-cd", ""),
    "axes.accesslog": ("v-cd", ""),
    "axes.accessfailurelog": ("v-cd", ""),
    "django_tasks_database.dbtaskresult": ("v---", ""),
}


def _allows(model_admin, request) -> str:
    checks = [
        ("v", model_admin.has_view_permission(request)),
        ("a", model_admin.has_add_permission(request)),
        ("c", model_admin.has_change_permission(request)),
        ("d", model_admin.has_delete_permission(request)),
    ]
    if not checks[0][1] and not any(ok for _, ok in checks):
        return ""
    return "".join(letter if ok else "-" for letter, ok in checks)


def test_every_admin_model_allows_exactly_what_the_matrix_says(rf):
    from django.contrib import admin

    registry = {m._meta.label_lower: ma for m, ma in admin.site._registry.items()}
    assert set(registry) == set(ADMIN_MATRIX)
    people = {"superuser": superuser(), "管理员": administrator()}
    for label, model_admin in registry.items():
        for who, expected in zip(people, ADMIN_MATRIX[label], strict=True):
            request = rf.get("/admin/")
            request.user = people[who]
            assert _allows(model_admin, request) == expected, (label, who)


def test_an_administrator_opens_every_admin_list_it_may_read(client, imported_issue, desk_issue):
    from django.contrib import admin

    person("someone", "editor")
    boss = administrator()
    client.force_login(boss)
    for model, _ in admin.site._registry.items():
        label = model._meta.label_lower
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if "v" not in ADMIN_MATRIX[label][1]:
            assert changelist.status_code == 403, label
            continue
        assert changelist.status_code == 200, label
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, label


def _seat_form(client, body, row, **values):
    url = reverse("admin:network_networkbody_change", args=[body.pk])
    data = admin_form(client, url)
    if row >= int(data["members-INITIAL_FORMS"][0]):  # a new seat
        data["members-TOTAL_FORMS"] = [str(row + 1)]
        data[f"members-{row}-position"] = ["member"]
    for name, value in values.items():
        data[f"members-{row}-{name}"] = [value]
    return url, data


def test_committee_seats_follow_the_rules_of_a_role(client, database_fingerprint):
    """A seat on the review committee is a vote, so a 管理员 cannot take one itself,
    and a seat whose opinion is on record cannot be handed to someone else."""
    from jianbao.network import membership
    from jianbao.network.membership import Action
    from jianbao.network.models import BodyMember
    from tests.test_network_membership import applied, make_cast

    cast = make_cast()
    application = applied(cast)
    membership.transition(application, Action.START_REVIEW, by=cast.office)
    membership.record_opinion(application, by=cast.members[0], opinion="approve")
    body = BodyMember.objects.get(user=cast.members[0]).body
    boss = administrator("chief")
    client.force_login(boss)
    before = database_fingerprint()

    seats = body.members.count()
    url, data = _seat_form(client, body, seats, person_name="王管理", user=str(boss.pk))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "管理员不能让自己成为机构成员" in response.content.decode()
    assert database_fingerprint() == before

    voter = list(body.members.order_by("position", "id")).index(
        BodyMember.objects.get(user=cast.members[0])
    )
    url, data = _seat_form(client, body, voter, person_name="别人", user=str(cast.outsider.pk))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "已有审核意见在案" in response.content.decode()
    assert database_fingerprint() == before

    # Seating someone else is what the office asks the 管理员 to do.
    url, data = _seat_form(client, body, seats, person_name="新委员", user=str(cast.outsider.pk))
    assert client.post(url, data).status_code == 302
    assert body.members.filter(user=cast.outsider).exists()
    assert HistoryEvent.objects.filter(action="network.networkbody.change", actor=boss).exists()


def test_network_membership_is_not_ticked_in_the_admin(client):
    alliance = AllianceFactory(name="未入网产业技术创新战略联盟")
    client.force_login(superuser())
    url = reverse("admin:network_organisation_change", args=[alliance.pk])
    data = admin_form(client, url, is_network_member="on", network_member_since="2026-01-01")
    assert client.post(url, data).status_code == 302
    alliance.refresh_from_db()
    assert not alliance.is_network_member and alliance.network_member_since is None


def test_a_recipient_name_with_a_line_break_is_refused(client, database_fingerprint):
    from jianbao.distribution.models import DistributionList

    report = DistributionList.objects.create(kind="报")
    client.force_login(superuser())
    url = reverse("admin:distribution_recipient_add")
    data = admin_form(
        client,
        url,
        distribution_list=str(report.pk),
        organisation="科技部",
        person="张三\r\nBcc: everyone@example.org",
        address="zhang@example.org",
    )
    before = database_fingerprint()
    response = client.post(url, data)
    assert response.status_code == 200 and "不能含换行或空字符" in response.content.decode()
    assert database_fingerprint() == before
    data["person"] = ["张三"]
    assert client.post(url, data).status_code == 302
    assert HistoryEvent.objects.filter(action="distribution.recipient.add").exists()
