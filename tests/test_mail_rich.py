"""The issue mail carries the whole text like the WeChat post: pictures are links
to the public copies (never attachments), tables inline-styled, the PDF attached."""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from jianbao.distribution.message import build_issue_mail
from tests.test_render_html_rich import (
    BOLD_TEXT,
    CAPTIONS,
    CELL_WORD,
    pictures_in,  # noqa: F401  (a fixture)
    stored_rich,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(stored_rich, settings):  # noqa: F811
    settings.JIANBAO_SITE_URL = "https://jianbao.example.org"
    issue, _ = stored_rich
    built = build_issue_mail(issue, pdf=b"%PDF-1.7 test")
    return built, email.message_from_bytes(
        b"To: a@example.org\r\n" + built.shared, policy=policy.default
    )


def test_the_mail_shows_both_pictures_by_their_public_address(mail):
    built, _ = mail
    sources = re.findall(r'<img[^>]+src="([^"]+)"', built.html)
    assert len(sources) == 2
    assert all(
        re.fullmatch(r"https://jianbao\.example\.org/pictures/\w+\.\w+/\d+\.jpg", s)
        for s in sources
    )
    for caption in CAPTIONS:
        assert caption in built.html and caption in built.text


def test_the_mail_has_the_table_inline_styled_and_the_bold(mail):
    built, _ = mail
    (table,) = re.findall(r"<table style=\"[^\"]+\">.*?</table>", built.html, re.S)
    assert CELL_WORD in table and "<th" in table
    assert re.search(rf"<(strong|span|b)[^>]*>{BOLD_TEXT}<", built.html)
    assert CELL_WORD in built.text


def test_the_only_attachment_is_the_pdf(mail):
    _, message = mail
    attachments = [part.get_content_type() for part in message.iter_attachments()]
    assert attachments == ["application/pdf"]
