"""A series' print settings hold for every PDF of its issues: the 版记's page and
whether the public download is the archival PDF/A-2b.

The sample issue's text ends on odd page 23. With the 版记 on an even page it
moves to page 24 (24 pages); with the setting off it stays at the foot of page 23
(23 pages, no page added).
"""

from __future__ import annotations

import io
from urllib.parse import unquote

import pikepdf
import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from jianbao.bulletins import series_settings
from jianbao.bulletins.models import Series
from jianbao.core.history import history_of
from jianbao.distribution.message import issue_pdf_bytes
from tests.factories import person
from tests.matrix_fixtures import form_data

pytestmark = pytest.mark.django_db

FILENAME = "产业技术创新战略联盟试点工作简报2023年第1期（总第66期）.pdf"


def pages_holding_the_closing_block(pdf: bytes) -> tuple[int, list[int]]:
    """The page count and the (1-based) pages on which the 版记's 报： line is."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    return len(texts), [n for n, text in enumerate(texts, start=1) if "报：" in text]


def pdfa_part(pdf: bytes) -> tuple[str | None, str | None]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        return meta.get("pdfaid:part"), meta.get("pdfaid:conformance")


def contacts(settings: dict) -> list[series_settings.Contact]:
    return [
        series_settings.Contact(c["label"], c["value"], c["line"]) for c in settings["contacts"]
    ]


def switch(series: Series, **values: bool) -> None:
    Series.objects.filter(pk=series.pk).update(**values)
    series.refresh_from_db()


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(person("office-admin", "admin", name="管理员甲"))
    return client


# --- the public download -------------------------------------------------------


def test_a_new_series_has_the_closing_block_on_an_even_page_and_an_archival_download(db):
    series = Series.objects.create(slug="new", title="某工作", office="某办公室")
    assert series.closing_on_even_page is True
    assert series.archival_pdf_download is True


def test_the_public_pdf_is_pdf_a_2b_by_default_with_the_closing_block_on_even_page_24(
    client, imported_issue
):
    response = client.get("/issues/2023-1.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert 'filename="jianbao-2023-1.pdf"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == FILENAME
    assert pdfa_part(response.content) == ("2", "B")
    assert pages_holding_the_closing_block(response.content) == (24, [24])


def test_the_public_pdf_is_a_plain_pdf_once_the_series_turns_the_archival_download_off(
    client, imported_issue
):
    assert pdfa_part(client.get("/issues/2023-1.pdf").content) == ("2", "B")
    now = series_settings.current_settings(imported_issue.series)
    series_settings.update_series(
        imported_issue.series,
        by=person("office-admin", "admin"),
        **{**now, "contacts": contacts(now), "archival_pdf_download": False},
    )
    # Nothing rendered is kept: the next download is made with the new setting.
    response = client.get("/issues/2023-1.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert pdfa_part(response.content) == (None, None)
    assert 'filename="jianbao-2023-1.pdf"' in response["Content-Disposition"]
    # The layout is the same either way.
    assert pages_holding_the_closing_block(response.content) == (24, [24])


def test_with_the_even_page_setting_off_the_closing_block_stays_on_page_23_and_no_page_is_added(
    client, imported_issue
):
    switch(imported_issue.series, closing_on_even_page=False)
    response = client.get("/issues/2023-1.pdf")
    assert pages_holding_the_closing_block(response.content) == (23, [23])
    assert pdfa_part(response.content) == ("2", "B")


# --- the desk's preview, the mail, the command line -----------------------------


def test_the_desk_pdf_preview_follows_the_even_page_setting(client, imported_issue):
    client.force_login(person("ed", "editor"))
    url = reverse("desk:pdf", args=[imported_issue.pk])
    on = client.get(url).content
    assert pages_holding_the_closing_block(on) == (24, [24])
    switch(imported_issue.series, closing_on_even_page=False)
    off = client.get(url).content
    assert pages_holding_the_closing_block(off) == (23, [23])


def test_the_mail_attachment_is_the_public_download_archival_unless_the_series_says_not(
    imported_issue,
):
    pdf = issue_pdf_bytes(imported_issue)
    assert pdfa_part(pdf) == ("2", "B")
    assert pages_holding_the_closing_block(pdf) == (24, [24])
    switch(imported_issue.series, archival_pdf_download=False, closing_on_even_page=False)
    plain = issue_pdf_bytes(imported_issue)
    assert pdfa_part(plain) == (None, None)
    assert pages_holding_the_closing_block(plain) == (23, [23])


def test_jianbao_render_pdf_follows_the_series_even_page_setting(cli, imported_issue, tmp_path):
    out = tmp_path / "on.pdf"
    assert cli("render", "2023-1", "--format", "pdf", "-o", str(out)).status == 0
    assert pages_holding_the_closing_block(out.read_bytes()) == (24, [24])
    # --format pdf is the plain PDF whatever the download setting; pdfa is asked by name.
    assert pdfa_part(out.read_bytes()) == (None, None)
    switch(imported_issue.series, closing_on_even_page=False)
    off = tmp_path / "off.pdf"
    result = cli("render", "2023-1", "--format", "pdf", "-o", str(off))
    assert (result.status, result.stderr) == (0, "")
    assert pages_holding_the_closing_block(off.read_bytes()) == (23, [23])


def test_jianbao_render_pdfa_follows_the_series_even_page_setting_too(
    cli, imported_issue, tmp_path
):
    switch(imported_issue.series, closing_on_even_page=False)
    out = tmp_path / "a.pdf"
    assert cli("render", "2023-1", "--format", "pdfa", "-o", str(out)).status == 0
    assert pdfa_part(out.read_bytes()) == ("2", "B")
    assert pages_holding_the_closing_block(out.read_bytes()) == (23, [23])


# --- the desk's series settings ------------------------------------------------


def test_the_settings_page_shows_both_print_settings_as_ticked_checkboxes(
    admin_client, imported_issue
):
    page = admin_client.get(
        reverse("desk:series_edit", args=[imported_issue.series.pk])
    ).content.decode()
    assert "PDF 版式、下载与公开" in page
    assert "版记排在偶数页" in page and "需要时在前面加一页空白页" in page
    assert "公开下载存档用 PDF/A-2b 版本" in page
    for name in ("closing_on_even_page", "archival_pdf_download"):
        assert f'type="checkbox" name="{name}"' in page
    data = form_data(page, having="closing_on_even_page")
    assert data["closing_on_even_page"] == ["on"] and data["archival_pdf_download"] == ["on"]


def test_the_desk_form_saves_both_print_settings_with_a_history_row(admin_client, imported_issue):
    series = imported_issue.series
    url = reverse("desk:series_edit", args=[series.pk])
    data = form_data(admin_client.get(url).content.decode(), having="title")
    del data["closing_on_even_page"], data["archival_pdf_download"]  # both unticked
    response = admin_client.post(url, data)
    assert response.status_code == 302
    series.refresh_from_db()
    assert (series.closing_on_even_page, series.archival_pdf_download) == (False, False)
    row = history_of(series).get(action="bulletins.series.update")
    assert row.actor_name == "管理员甲"
    assert row.data["fields"] == ["closing_on_even_page", "archival_pdf_download"]
    assert row.data["before"] == {"closing_on_even_page": True, "archival_pdf_download": True}
    assert row.data["after"] == {"closing_on_even_page": False, "archival_pdf_download": False}
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("版记排在偶数页、公开下载存档用 PDF/A-2b 版本" in m for m in messages)
    # Ticked again: back on, a second row.
    data = form_data(admin_client.get(url).content.decode(), having="title")
    data["closing_on_even_page"] = ["on"]
    admin_client.post(url, data)
    series.refresh_from_db()
    assert (series.closing_on_even_page, series.archival_pdf_download) == (True, False)
    assert history_of(series).filter(action="bulletins.series.update").count() == 2


def test_a_caller_that_does_not_name_the_print_settings_leaves_them_as_they_are(imported_issue):
    series = imported_issue.series
    switch(series, closing_on_even_page=False)
    now = series_settings.current_settings(series)
    series_settings.update_series(
        series,
        by=person("office-admin", "admin"),
        title=now["title"],
        name=now["name"],
        office="联络组",
        separate_review_and_sign=now["separate_review_and_sign"],
        sections=now["sections"],
        default_distribution=now["default_distribution"],
        contacts=contacts(now),
    )
    series.refresh_from_db()
    assert series.office == "联络组"
    assert (series.closing_on_even_page, series.archival_pdf_download) == (False, True)
