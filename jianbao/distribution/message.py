"""The e-mail of one issue, built once and addressed per recipient.

Everything but ``To`` and ``Message-ID`` is the same for every recipient, so
the MIME tree (HTML, plain text, the PDF in base64) is serialised once; each
recipient costs two header lines and a bytes concatenation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formataddr, formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from jianbao.bulletins.models import Issue


def issue_pdf_bytes(issue: Issue) -> bytes:
    """The attachment: the same file as the public download (PDF/A-2b unless the
    series says otherwise), so that a recipient's copy is the archive's."""
    from jianbao.bulletins.print_settings import download_pdf_format, render_issue

    return render_issue(issue, download_pdf_format(issue.series))


def issue_url(issue: Issue) -> str:
    from jianbao.archive.links import issue_url as public_path  # names the series when needed

    return f"{settings.JIANBAO_SITE_URL.rstrip('/')}{public_path(issue)}"


def _context(issue: Issue) -> dict:
    """What the mail shows, read from the content shape like every other output."""
    from jianbao.bulletins.services import issue_to_bulletin
    from jianbao.publishing.parsed import printed_sections
    from jianbao.publishing.render.markdown import format_date
    from jianbao.publishing.render.pdf import credit_line
    from jianbao.publishing.render.wechat import block_html

    bulletin = issue_to_bulletin(issue)
    url = issue_url(issue)
    sections = [
        {
            "title": section.toc_title or section.title,
            "articles": [
                # The public page names articles by their key (archive.views.article_anchor).
                {
                    "title": a.toc_title or a.title,
                    "url": f"{url}#article-{a.id}",
                    # The whole text, as in the WeChat post: pictures are links to
                    # the public copies (never attachments), tables inline-styled.
                    "heading": a.title,
                    "body": mark_safe("".join(block_html(b) for b in a.blocks)),
                    "text": "\n\n".join(b.plain_text for b in a.blocks if b.plain_text),
                    "credit": credit_line(a.credit),
                }
                for a in section.articles
            ],
        }
        for section in printed_sections(bulletin)
        if section.articles  # a 导读 lists articles: a section kept empty has none to link
    ]
    return {
        "b": bulletin,
        "issue": issue,
        "series": issue.series,
        "url": url,
        "date": format_date(bulletin),
        "sections": sections,
        "distribution": [(k, "、".join(v)) for k, v in bulletin.distribution.items() if v],
        "contacts": bulletin.contacts,
    }


def subject_for(issue: Issue) -> str:
    return f"{issue.series.title}{issue.series.name} {issue.label}"


_BARE_NEWLINE = re.compile(rb"(?:\r\n|\n|\r(?!\n))")
_LEADING_DOT = re.compile(rb"(?m)^\.")


def smtp_data(message_bytes: bytes) -> bytes:
    """CRLF line ends and dot-stuffing, as smtplib does, ending in CRLF (no final dot)."""
    data = _LEADING_DOT.sub(b"..", _BARE_NEWLINE.sub(b"\r\n", message_bytes))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


@dataclass(frozen=True)
class IssueMail:
    from_address: str
    subject: str
    shared: bytes  # every header but To and Message-ID, and the body; SMTP-ready
    text: str
    html: str

    def chunks_for(self, address: str, name: str, message_id: str) -> tuple[bytes, bytes]:
        """The recipient's own headers, then the shared rest: sent as is, never copied."""
        to = sanitize_address((name, address), "utf-8") if name else address
        return f"To: {to}\r\nMessage-ID: {message_id}\r\n".encode("ascii"), self.shared


def build_issue_mail(issue: Issue, *, pdf: bytes | None = None) -> IssueMail:
    issue = Issue.objects.select_related("series").get(pk=issue.pk)
    context = _context(issue)
    text = render_to_string("distribution/issue_mail.txt", context)
    html = render_to_string("distribution/issue_mail.html", context)
    message = EmailMultiAlternatives(
        subject=subject_for(issue),
        body=text,
        from_email=formataddr((issue.series.office, settings.DEFAULT_FROM_EMAIL))
        if issue.series.office
        else settings.DEFAULT_FROM_EMAIL,
        to=["placeholder@invalid"],
        headers={"Date": formatdate(localtime=True)},
    )
    message.attach_alternative(html, "text/html")
    message.attach(
        f"{issue.series.name}{issue.year}年第{issue.number}期.pdf",
        issue_pdf_bytes(issue) if pdf is None else pdf,
        "application/pdf",
    )
    mime = message.message()
    del mime["To"]
    del mime["Message-ID"]
    return IssueMail(
        from_address=settings.DEFAULT_FROM_EMAIL,
        subject=message.subject,
        shared=smtp_data(mime.as_bytes(linesep="\r\n")),
        text=text,
        html=html,
    )
