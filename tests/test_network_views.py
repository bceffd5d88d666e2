"""Network pages: who sees what, the public notice, statistics, and no N+1 on lists."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jianbao.network import membership
from jianbao.network.models import (
    MembershipApplication,
    Objection,
    Organisation,
    ProfileChange,
)
from tests.factories import AllianceFactory, person
from tests.test_network_membership import (
    APPLICATION_FORM,
    MONDAY,
    PARTICULARS,
    confirmed,
    make_cast,
    on_notice,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return make_cast()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(client, user):
    client.force_login(user)
    return client


STAFF_PAGES = [
    ("network:registry", []),
    ("network:profile_changes", []),
    ("network:applications", []),
    ("network:notice_new", []),
    ("network:statistics", []),
    ("network:statistics_xlsx", []),
]


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_staff_pages_need_a_login_and_the_office(client, cast, name, args):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302
    if name != "network:applications":  # an alliance sees its own applications there
        assert as_user(client, cast.applicant).get(url).status_code == 403
    assert as_user(client, cast.office).get(url).status_code == 200


def test_merges_need_an_administrator(client, cast):
    assert as_user(client, cast.office).get(reverse("network:merges")).status_code == 403
    assert as_user(client, cast.admin).get(reverse("network:merges")).status_code == 200


def test_an_administrator_confirms_a_merge_on_the_staff_page(client, imported_issue):
    admin = person("boss", "admin")
    page = as_user(client, admin).get(reverse("network:merges"))
    assert "应急装备产业技术创新战略联盟" in page.content.decode()
    confirm = reverse("network:merge_confirm")
    keep = Organisation.objects.get(name="应急救援装备产业技术创新战略联盟")
    other = Organisation.objects.get(name="应急装备产业技术创新战略联盟")
    form = client.get(confirm, {"a": keep.name, "b": other.name})
    assert "确认合并" in form.content.decode()
    client.post(confirm, {"a": keep.pk, "b": other.pk, "keep": keep.pk, "decision": "merge"})
    assert not Organisation.objects.filter(pk=other.pk).exists()
    assert keep.names.filter(name=other.name).exists()


def test_an_alliance_proposes_a_change_on_its_page_and_sees_no_other(client, cast):
    client = as_user(client, cast.applicant)
    url = reverse("network:alliance", args=[cast.alliance.pk])
    response = client.post(
        url, {"field": "建筑", "website": "", "chair_unit_name": "", "contacts": "王芳 <w@x.org>"}
    )
    assert response.status_code == 302
    change = ProfileChange.objects.get()
    assert change.changes == {
        "field": "建筑",
        "contacts": [{"name": "王芳", "email": "w@x.org", "phone": ""}],
    }
    other = AllianceFactory()
    assert client.get(reverse("network:alliance", args=[other.pk])).status_code == 403


def test_an_alliance_applies_with_documents_through_the_form(client, cast):
    client = as_user(client, cast.applicant)
    response = client.post(
        reverse("network:apply"),
        {
            "alliance": cast.alliance.pk,
            **PARTICULARS,
            "documents": [SimpleUploadedFile("申请表.pdf", b"%PDF-1.4")],
        },
    )
    application = MembershipApplication.objects.get()
    assert response.url == reverse("network:application", args=[application.pk])
    assert application.state == MembershipApplication.State.SUBMITTED
    detail = client.get(response.url).content.decode()
    assert "申请表.pdf" in detail and "撤回申请" in detail
    download = client.get(
        reverse("network:document", args=[application.pk, application.documents.get().pk])
    )
    assert b"".join(download.streaming_content) == b"%PDF-1.4"
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    # A file gone from storage (a restore without media) is not found, not a 500.
    stored = application.documents.get()
    stored.file.storage.delete(stored.file.name)
    missing = client.get(reverse("network:document", args=[application.pk, stored.pk]))
    assert missing.status_code == 404


def test_another_alliance_cannot_see_an_application(client, cast):
    application = membership.apply(
        cast.alliance, by=cast.applicant, particulars=PARTICULARS, documents=[APPLICATION_FORM]
    )
    url = reverse("network:application", args=[application.pk])
    assert as_user(client, cast.other_secretariat).get(url).status_code == 403
    assert as_user(client, cast.members[0]).get(url).status_code == 200


def test_a_refused_step_is_explained_not_crashed(client, cast):
    application = membership.apply(
        cast.alliance, by=cast.applicant, particulars=PARTICULARS, documents=[APPLICATION_FORM]
    )
    client = as_user(client, cast.office)
    url = reverse("network:application_action", args=[application.pk])
    client.post(url, {"action": "start_review"})
    response = client.post(url, {"action": "committee_pass"}, follow=True)
    assert "未达到法定人数" in response.content.decode()


def test_the_public_notice_is_visible_without_login_and_takes_objections(client, cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    listing = client.get(reverse("network:notices")).content.decode()
    assert notice.title in listing and "健康建筑产业技术创新战略联盟" in listing
    url = reverse("network:notice", args=[notice.pk])
    page = client.get(url).content.decode()
    assert "提出异议" in page and "2026年11月6日" in page
    # Every field that points at its help text finds it on the page.
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described and all(f'id="{ref}"' in page for ref in described)
    response = client.post(
        url,
        {"application": application.pk, "name": "张三", "contact": "138", "text": "材料不实"},
        follow=True,
    )
    assert "您的异议已收到" in response.content.decode()
    assert Objection.objects.get().text == "材料不实"


def test_a_bot_filling_the_hidden_field_lodges_nothing(client, cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    client.post(
        reverse("network:notice", args=[notice.pk]),
        {"application": application.pk, "name": "x", "contact": "x", "text": "x", "homepage": "x"},
    )
    assert not Objection.objects.exists()


def test_after_the_period_the_notice_stays_but_takes_no_objection(client, cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    monkeypatch.setattr(membership, "local_today", lambda: date(2026, 11, 9))
    url = reverse("network:notice", args=[notice.pk])
    assert "公示期已结束" in client.get(url).content.decode()
    client.post(url, {"application": application.pk, "name": "x", "contact": "x", "text": "x"})
    assert not Objection.objects.exists()


def test_the_office_publishes_a_notice_from_the_form(client, cast, monkeypatch):
    monkeypatch.setattr(membership, "local_today", lambda: MONDAY)
    application = confirmed(cast)
    response = as_user(client, cast.office).post(
        reverse("network:notice_new"),
        {"applications": [application.pk], "starts_on": "2026-11-02", "working_days": 5},
    )
    application.refresh_from_db()
    assert application.state == MembershipApplication.State.PUBLIC_NOTICE
    assert response.url == reverse("network:notice_desk", args=[application.notice_id])


def test_statistics_page_draws_svg_charts_with_tables_and_exports_xlsx(
    client, cast, imported_issue
):
    client = as_user(client, cast.office)
    page = client.get(reverse("network:statistics")).content.decode()
    assert page.count("<svg") == 4
    assert "<script" not in page  # charts stand alone, in print too
    for title in ("各联盟供稿数（按年）", "各期各栏目文章数", "12个月未供稿的联盟", "网员注册申请"):
        assert title in page
    assert "粉末冶金产业技术创新战略联盟" in page
    workbook = load_workbook(
        __import__("io").BytesIO(client.get(reverse("network:statistics_xlsx")).content)
    )
    assert workbook.sheetnames[:2] == ["各联盟供稿数（按年）", "各期各栏目文章数"]
    rows = list(workbook["各期各栏目文章数"].iter_rows(values_only=True))
    assert rows[0] == ("期", "栏目", "文章数") and len(rows) == 4  # header + 3 sections


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_make_the_same_number_of_queries_for_one_row_or_many(client, cast, monkeypatch):
    client = as_user(client, cast.office)
    membership.apply(
        cast.alliance, by=cast.applicant, particulars=PARTICULARS, documents=[APPLICATION_FORM]
    )
    urls = [reverse("network:registry"), reverse("network:applications")]
    few = [_queries(client, url) for url in urls]
    for _ in range(4):
        alliance = AllianceFactory()
        applicant = person(f"sec-{alliance.pk}", "submitter", alliance=alliance)
        membership.apply(
            alliance, by=applicant, particulars=PARTICULARS, documents=[APPLICATION_FORM]
        )
    assert [_queries(client, url) for url in urls] == few


def test_a_rejected_alliance_disappears_from_the_public_notice(client, cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    membership.transition(application, "reject", by=cast.office, comment="材料不实")
    page = client.get(reverse("network:notice", args=[notice.pk])).content.decode()
    assert "健康建筑产业技术创新战略联盟" not in page.split("拟成为网员的联盟")[1]
    assert (
        "健康建筑产业技术创新战略联盟"
        not in client.get(reverse("network:notices")).content.decode().split("公示期")[1]
    )


ADMIN_MODELS = [
    "organisation",
    "networkbody",
    "membershipapplication",
    "publicnotice",
    "objection",
    "profilechange",
    "mergedecision",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_the_admin_lists_the_registry_for_an_administrator(client, cast, monkeypatch, model):
    on_notice(cast, monkeypatch)
    admin = person("root", "admin")
    admin.is_staff = True
    admin.save()
    response = as_user(client, admin).get(reverse(f"admin:network_{model}_changelist"))
    assert response.status_code == 200


def test_the_procedure_records_cannot_be_edited_or_deleted_in_the_admin(client, cast):
    application = membership.apply(
        cast.alliance, by=cast.applicant, particulars=PARTICULARS, documents=[APPLICATION_FORM]
    )
    root = person("root")
    root.is_staff = root.is_superuser = True
    root.save()
    client = as_user(client, root)
    url = reverse("admin:network_membershipapplication_delete", args=[application.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert MembershipApplication.objects.filter(pk=application.pk).exists()


def test_the_admin_merge_action_leads_to_the_confirmation_page(client, imported_issue):
    root = person("root", "admin")
    root.is_staff = root.is_superuser = True
    root.save()
    pair = Organisation.objects.filter(name__startswith="快堆")
    response = as_user(client, root).post(
        reverse("admin:network_organisation_changelist"),
        {"action": "merge_selected", "_selected_action": [o.pk for o in pair]},
    )
    assert response.url.startswith(reverse("network:merge_confirm"))
    assert Organisation.objects.filter(name__startswith="快堆").count() == 2
    page = client.get(response.url).content.decode()
    assert "快堆产业化技术创新战略联盟" in page and "确认合并" in page


def test_an_alliance_may_save_a_draft_and_submit_it_later(client, cast):
    client = as_user(client, cast.applicant)
    client.post(
        reverse("network:apply"),
        {
            "alliance": cast.alliance.pk,
            **PARTICULARS,
            "save_draft": "1",
            "documents": [SimpleUploadedFile("申请表.pdf", b"%PDF-1.4")],
        },
    )
    application = MembershipApplication.objects.get()
    assert application.state == MembershipApplication.State.DRAFT
    url = reverse("network:application_action", args=[application.pk])
    client.post(url, {"action": "submit"})
    application.refresh_from_db()
    assert application.state == MembershipApplication.State.SUBMITTED


def test_the_registry_page_lists_the_networks_bodies_and_an_alliance_finds_its_page(client, cast):
    page = as_user(client, cast.office).get(reverse("network:registry")).content.decode()
    assert "网员审核委员会" in page and "委员：委员0" in page and "系统用户 member0" in page
    own = as_user(client, cast.applicant).get(reverse("network:applications")).content.decode()
    assert reverse("network:alliance", args=[cast.alliance.pk]) in own
