"""Issue #12 in the network: objection floods, formula cells, control characters, history."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jianbao.core.models import HistoryEvent
from jianbao.network import membership, statistics
from jianbao.network.exchange import export_registry
from jianbao.network.membership import ObjectionRefused, TransitionRefused
from jianbao.network.models import Objection, Organisation, SecretariatContact
from tests.factories import AllianceFactory
from tests.test_network_membership import make_cast, on_notice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast():
    return make_cast()


# --- Objections: a flood is limited, a huge one refused, many dismissed at once ------------


def lodge(notice, application, *, address="203.0.113.7", text="材料不实", name="张三"):
    return membership.lodge_objection(
        notice, application=application, name=name, contact="138", text=text, address=address
    )


def test_a_thousand_objections_from_one_address_store_only_the_limit(cast, monkeypatch, settings):
    settings.JIANBAO_OBJECTIONS_PER_ADDRESS = 5
    application, notice = on_notice(cast, monkeypatch)
    refused = 0
    for i in range(1000):
        try:
            lodge(notice, application, text=f"异议 {i}")
        except ObjectionRefused as exc:
            refused += 1
            message = str(exc)
    assert Objection.objects.count() == 5 and refused == 995
    assert "同一网络地址" in message and "最多提出 5 条" in message
    # Someone else may still object.
    lodge(notice, application, address="198.51.100.1")
    assert Objection.objects.count() == 6


def test_a_notice_takes_a_bounded_number_of_objections_from_many_addresses(
    cast, monkeypatch, settings
):
    settings.JIANBAO_OBJECTIONS_PER_NOTICE = 20
    application, notice = on_notice(cast, monkeypatch)
    for i in range(20):
        lodge(notice, application, address=f"198.51.100.{i}")
    with pytest.raises(ObjectionRefused, match="本次公示 60 分钟内收到的异议已达 20 条"):
        lodge(notice, application, address="192.0.2.200")
    assert Objection.objects.count() == 20


def test_the_limit_counts_the_window_only(cast, monkeypatch, settings):
    settings.JIANBAO_OBJECTIONS_PER_ADDRESS = 2
    application, notice = on_notice(cast, monkeypatch)
    lodge(notice, application)
    lodge(notice, application)
    with pytest.raises(ObjectionRefused):
        lodge(notice, application)
    # Two hours later the address may write again.
    from django.utils import timezone

    later = timezone.now() + membership.OBJECTION_WINDOW * 2
    monkeypatch.setattr(membership.timezone, "now", lambda: later)
    lodge(notice, application)
    assert Objection.objects.count() == 3


def test_the_address_is_kept_only_as_a_keyed_digest(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    objection = lodge(notice, application, address="203.0.113.7")
    assert objection.address_hash == membership.address_hash("203.0.113.7")
    assert "203.0.113.7" not in objection.address_hash and len(objection.address_hash) == 64


def test_a_20_mb_objection_is_refused_before_anything_is_stored(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    events = application.events.count()
    with pytest.raises(ObjectionRefused, match="异议内容不能超过 5000 个字符"):
        lodge(notice, application, text="异" * (20 * 1024 * 1024 // 3))
    assert Objection.objects.count() == 0 and application.events.count() == events


def test_the_public_form_refuses_a_flood_and_a_huge_text_in_chinese(
    client, cast, monkeypatch, settings
):
    settings.JIANBAO_OBJECTIONS_PER_ADDRESS = 3
    application, notice = on_notice(cast, monkeypatch)
    url = reverse("network:notice", args=[notice.pk])
    post = {"application": application.pk, "name": "张三", "contact": "138", "text": "材料不实"}
    for _ in range(3):
        assert client.post(url, post, REMOTE_ADDR="203.0.113.9").status_code == 302
    page = client.post(url, post, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 200
    assert "同一网络地址 60 分钟内最多提出 3 条异议" in page.content.decode()
    assert Objection.objects.count() == 3
    huge = client.post(url, {**post, "text": "异" * 20_000}, REMOTE_ADDR="198.51.100.9")
    assert "不超过 5000 字符" in huge.content.decode()
    assert Objection.objects.count() == 3
    assert 'maxlength="5000"' in client.get(url).content.decode()


def test_behind_the_local_proxy_the_forwarded_address_is_counted(
    client, cast, monkeypatch, settings
):
    settings.JIANBAO_OBJECTIONS_PER_ADDRESS = 1
    application, notice = on_notice(cast, monkeypatch)
    url = reverse("network:notice", args=[notice.pk])
    post = {"application": application.pk, "name": "张三", "contact": "138", "text": "材料不实"}
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    client.post(url, post, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    client.post(url, post, HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy)
    # A client cannot pick its address by writing the header itself: the proxy's entry counts.
    client.post(url, post, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.2", **proxy)
    assert Objection.objects.count() == 2


def test_the_office_dismisses_many_objections_at_once_and_each_is_recorded(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    flood = [lodge(notice, application, address=f"198.51.100.{i}") for i in range(4)]
    kept = lodge(notice, application, address="192.0.2.1", name="李四")
    monkeypatch.setattr(membership, "local_today", lambda: date(2026, 11, 9))
    with pytest.raises(TransitionRefused, match="尚未处理的异议"):
        membership.admit_from_notice(notice, by=cast.office)
    with pytest.raises(membership.PermissionDenied):
        membership.dismiss_objections(flood, by=cast.applicant, reason="重复")
    assert membership.dismiss_objections(flood, by=cast.office, reason="重复提交") == 4
    rows = HistoryEvent.objects.filter(action="network.objection.dismiss")
    assert sorted(int(r.subject_id) for r in rows) == sorted(o.pk for o in flood)
    assert {(r.actor_id, r.comment) for r in rows} == {(cast.office.pk, "重复提交")}
    # Dismissing again changes nothing and records nothing.
    assert membership.dismiss_objections(flood, by=cast.office, reason="再次") == 0
    assert rows.count() == 4
    with pytest.raises(TransitionRefused, match="尚未处理的异议"):
        membership.admit_from_notice(notice, by=cast.office)
    membership.dismiss_objections([kept], by=cast.office, reason="经核实不属实")
    admitted, _ = membership.admit_from_notice(notice, by=cast.office)
    assert [a.pk for a in admitted] == [application.pk]


def test_dismissal_is_all_or_nothing(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    flood = [lodge(notice, application, address=f"198.51.100.{i}") for i in range(3)]
    original = membership.record

    def fail_on_third(action, **kwargs):
        if kwargs["subject"].pk == flood[2].pk:
            raise RuntimeError("history unavailable")
        return original(action, **kwargs)

    monkeypatch.setattr(membership, "record", fail_on_third)
    with pytest.raises(RuntimeError):
        membership.dismiss_objections(flood, by=cast.office, reason="重复")
    assert Objection.objects.filter(resolved_at__isnull=False).count() == 0
    assert not HistoryEvent.objects.filter(action="network.objection.dismiss").exists()


def test_the_notice_desk_dismisses_the_chosen_or_all_pending_objections(client, cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    objections = [lodge(notice, application, address=f"198.51.100.{i}") for i in range(5)]
    client.force_login(cast.office)
    desk = reverse("network:notice_desk", args=[notice.pk])
    page = client.get(desk).content.decode()
    assert 'form="dismiss-form"' in page and "不予采纳所选异议" in page
    url = reverse("network:dismiss_objections", args=[notice.pk])
    chosen = [objections[0].pk, objections[1].pk]
    response = client.post(url, {"objections": chosen, "reason": "重复提交"})
    assert response.status_code == 302
    assert set(Objection.objects.filter(dismissed=True).values_list("pk", flat=True)) == set(chosen)
    client.post(url, {"all_pending": "1", "reason": "同一来源的批量提交"})
    assert Objection.objects.filter(resolved_at__isnull=True).count() == 0
    assert HistoryEvent.objects.filter(action="network.objection.dismiss").count() == 5
    assert "不予采纳：同一来源的批量提交" in client.get(desk).content.decode()
    # Not the applicant's page.
    client.force_login(cast.applicant)
    assert client.post(url, {"all_pending": "1", "reason": "x"}).status_code == 403


# --- Spreadsheets: text that looks like a formula stays text --------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_the_registry_export_writes_formula_like_text_as_text(tmp_path):
    alliance = AllianceFactory(name="=1+2产业技术创新战略联盟")
    alliance.field = FORMULAS[1]
    alliance.save()
    for text in FORMULAS:
        SecretariatContact.objects.create(alliance=alliance, name=text[:50])
    unit = Organisation.objects.create(name="@cmd|' /C calc'!A0", kind=Organisation.Kind.UNIT)
    alliance.member_units.create(unit=unit, role="member")
    path = tmp_path / "registry.xlsx"
    export_registry(path)
    workbook = load_workbook(path)
    cells = list(_cells(workbook))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "=1+2产业技术创新战略联盟" in values and "+1+1" in values
    assert "@cmd|' /C calc'!A0" in values
    contacts = workbook["联盟"].cell(row=2, column=8).value
    assert contacts == "；".join(t[:50] for t in FORMULAS)  # the text exactly as written
    name_cell = workbook["联盟"]["A2"]
    assert name_cell.value == "=1+2产业技术创新战略联盟" and name_cell.data_type == "s"
    assert name_cell.quotePrefix


def test_the_statistics_export_writes_formula_like_names_as_text(client, cast):
    AllianceFactory(name="=cmd|'/C calc'!A0产业技术创新战略联盟")
    data = statistics.statistics_workbook(statistics.all_tables(date(2026, 11, 2)))
    cells = list(_cells(load_workbook(io.BytesIO(data))))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "=cmd|'/C calc'!A0产业技术创新战略联盟" in {c.value for c in cells}
    client.force_login(cast.office)
    response = client.get(reverse("network:statistics_xlsx"))
    cells = list(_cells(load_workbook(io.BytesIO(response.content))))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
