"""A submission's attachments can be downloaded by its alliance and the editors, and safely."""

import io
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from docx import Document

from jianbao.submissions import services as intake
from jianbao.submissions.models import Attachment
from tests.factories import AllianceFactory, UserFactory, person

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = b"%PDF-1.4\n% a scanned notice\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
HTML = b"<html><body><script>alert(document.cookie)</script>page</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def word_file(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def team(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    other = AllianceFactory(name="化纤产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "other_submitter": person("sec2", "submitter", alliance=other),
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rev", "reviewer"),
        "signer": person("sig", "signer"),
        "admin": person("adm", "admin"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
    }


def submitted(team, *files, title="年度工作总结"):
    """Sent through the web form's service and read by the worker's function, as in production."""
    submission = intake.submit(
        by=team["submitter"],
        alliance=team["alliance"],
        title=title,
        body="联盟召开年度工作会议。",
        credit="",
        files=list(files),
    )
    assert intake.read_files(submission.pk) == "received"
    return submission


def url(attachment: Attachment) -> str:
    return reverse("submissions:attachment", args=[attachment.submission_id, attachment.pk])


def only(submission) -> Attachment:
    return submission.attachments.get()


def body_of(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def filename_star(header: str) -> str:
    marker = "filename*=UTF-8''"
    assert header.count(marker) == 1, header
    return unquote(header.split(marker, 1)[1], errors="strict")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("submitter", 200),
        ("editor", 200),
        ("other_submitter", 403),
        ("reviewer", 403),
        ("signer", 403),
        ("admin", 403),
        ("superuser", 403),
    ],
)
def test_who_may_download(client, team, role, status):
    attachment = only(submitted(team, ("通知.pdf", PDF)))
    client.force_login(team[role])
    response = client.get(url(attachment))
    assert response.status_code == status
    if status == 200:
        assert body_of(response) == PDF
    else:
        assert PDF not in response.content


def test_anonymous_is_sent_to_log_in(client, team):
    attachment = only(submitted(team, ("通知.pdf", PDF)))
    response = client.get(url(attachment))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=" + url(attachment)


def test_the_headers_of_a_word_file(client, team):
    data = word_file("年度工作总结", "联盟召开年度工作会议。")
    attachment = only(submitted(team, ("年度工作总结.docx", data)))
    assert attachment.kind == Attachment.Kind.DOCX
    client.force_login(team["editor"])
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.streaming, "served from storage in blocks, not read whole"
    assert response["Content-Type"] == DOCX_TYPE
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(data))
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="attachment-')
    assert f'filename="attachment-{attachment.pk}.docx"' in disposition
    assert filename_star(disposition) == "年度工作总结.docx"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert body_of(response) == data


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("扫描件.pdf", PDF, "application/pdf"),
        ("现场.png", PNG, "image/png"),
        ("合影.jpg", JPEG, "image/jpeg"),
    ],
)
def test_safe_types_keep_their_type(client, team, name, data, content_type):
    attachment = only(submitted(team, (name, data)))
    client.force_login(team["submitter"])
    response = client.get(url(attachment))
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body_of(response) == data


@pytest.mark.parametrize(("name", "data"), [("说明.html", HTML), ("图标.svg", SVG)])
def test_html_and_svg_are_served_as_octet_stream(client, team, name, data):
    attachment = only(submitted(team, (name, data)))
    client.force_login(team["editor"])
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert filename_star(response["Content-Disposition"]) == name
    assert body_of(response) == data


@pytest.mark.parametrize("claimed", ["text/html", "image/svg+xml", "image/png", "text/plain"])
def test_a_stored_type_is_not_trusted(client, team, claimed):
    """A row claiming a dangerous type, or a safe one its bytes do not match: octet-stream."""
    attachment = only(submitted(team, ("图标.svg", SVG)))
    Attachment.objects.filter(pk=attachment.pk).update(content_type=claimed)
    client.force_login(team["editor"])
    response = client.get(url(attachment))
    assert response["Content-Type"] == "application/octet-stream"
    body_of(response)


@pytest.mark.parametrize(
    ("stored_name", "expected"),
    [
        ('季度"总结\r\nSet-Cookie: x=1\r\n报告.pdf', "季度'总结Set-Cookie: x=1报告.pdf"),
        ("..\\..\\windows\\system32/../../etc/通知.pdf", "通知.pdf"),
        ("C:\\Users\\秘书处\\Desktop\\会议纪要.pdf", "会议纪要.pdf"),
        ("\u202eFDP.exe", "FDP.exe"),  # a right-to-left override that disguises the extension
        ("../..", "附件{pk}"),
        ('"; filename="evil.html', "'; filename='evil.html"),
    ],
)
def test_a_hostile_stored_name(client, team, stored_name, expected):
    # Through the form's service first (it keeps the name as sent), then the row as stored.
    attachment = only(submitted(team, ("x.pdf", PDF)))
    Attachment.objects.filter(pk=attachment.pk).update(original_name=stored_name)
    client.force_login(team["submitter"])
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.cookies and not response.cookies
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.isascii()
    assert filename_star(disposition) == expected.format(pk=attachment.pk)
    # The ASCII fallback is ours, never the sender's.
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.startswith(f"attachment-{attachment.pk}")
    assert disposition.count('"') == 2
    raw = disposition.split("filename*=UTF-8''", 1)[1]
    assert not set(raw) & set("/\\\"'; "), raw
    assert body_of(response) == PDF


def test_a_hostile_name_through_the_upload(client, team):
    """The name the browser sent, kept by ``submit`` as it was, still reaches no header raw."""
    name = 'a/b\\c"d\r\n.pdf'
    attachment = only(submitted(team, (name, PDF)))
    assert attachment.original_name == name
    client.force_login(team["editor"])
    response = client.get(url(attachment))
    disposition = response["Content-Disposition"]
    assert filename_star(disposition) == "c'd.pdf"
    assert "\r" not in disposition and "\n" not in disposition
    body_of(response)


def test_a_missing_file_is_404(client, team):
    attachment = only(submitted(team, ("通知.pdf", PDF)))
    default_storage.delete(attachment.file.name)
    client.force_login(team["editor"])
    response = client.get(url(attachment))
    assert response.status_code == 404


def test_a_row_without_a_file_is_404(client, team):
    attachment = only(submitted(team, ("通知.pdf", PDF)))
    Attachment.objects.filter(pk=attachment.pk).update(file="")
    client.force_login(team["editor"])
    assert client.get(url(attachment)).status_code == 404


def test_an_attachment_of_another_submission_is_404(client, team):
    """The submission in the URL must own the attachment: no reaching another's file."""
    first = submitted(team, ("一.pdf", PDF), title="第一篇")
    other_alliance = AllianceFactory(name="化纤产业技术创新战略联盟")
    second = intake.submit(
        by=team["other_submitter"],
        alliance=other_alliance,
        title="乙联盟来稿",
        body="乙联盟来稿正文。",
        credit="",
        files=[("乙.pdf", b"%PDF-1.4 other")],
    )
    intake.read_files(second.pk)
    foreign = only(second)
    client.force_login(team["submitter"])
    response = client.get(reverse("submissions:attachment", args=[first.pk, foreign.pk]))
    assert response.status_code == 404
    assert b"other" not in response.content
    missing = reverse("submissions:attachment", args=[first.pk, foreign.pk + 1000])
    assert client.get(missing).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/submissions/{s}/attachments/{a}x/",
        "/submissions/{s}/attachments/-{a}/",
        "/submissions/{s}/attachments/%EF%BC%91/",  # a full-width １
        "/submissions/{s}/attachments/%D9%A1/",  # an Arabic-Indic ١
        "/submissions/%EF%BC%91/attachments/{a}/",
        "/submissions/{s}/attachments/{a}.0/",
    ],
)
def test_ids_must_be_ascii_digits(client, team, path):
    attachment = only(submitted(team, ("通知.pdf", PDF)))
    client.force_login(team["editor"])
    response = client.get(path.format(s=attachment.submission_id, a=attachment.pk))
    assert response.status_code == 404


def test_only_get_and_head(client, team):
    attachment = only(submitted(team, ("通知.pdf", PDF)))
    client.force_login(team["editor"])
    assert client.post(url(attachment)).status_code == 405
    head = client.head(url(attachment))
    assert head.status_code == 200
    assert head["Content-Disposition"].startswith("attachment;")
    head.close()


def test_the_submission_page_links_each_file(client, team):
    submission = submitted(team, ("通知.pdf", PDF), ("现场.png", PNG))
    attachments = list(submission.attachments.order_by("pk"))
    assert len(attachments) == 2
    for role in ("submitter", "editor"):
        client.force_login(team[role])
        page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
        for attachment in attachments:
            assert f'href="{url(attachment)}" download>{attachment.original_name}</a>' in page
