"""A Word file with photos and a table, submitted on the web or by mail, reaches the
article with its pictures, table and bold; attached photos join the body."""

import io

import pytest
from django.urls import reverse
from docx import Document
from PIL import Image

from jianbao.bulletins import editing
from jianbao.publishing import pictures
from jianbao.publishing.markup import blocks_from_markup
from jianbao.publishing.models import Picture
from jianbao.publishing.parsed import BOLD, IMAGE, PARAGRAPH, TABLE, Block
from jianbao.submissions import services as intake
from jianbao.submissions.models import Attachment, Submission
from tests.factories import AllianceFactory, SeriesFactory, person
from tests.test_docx_rich import TABLE_CELLS, photo, rich_docx
from tests.test_intake_limits_web import post_submission, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(monkeypatch):
    """`jianbao worker --batch` inside the test transaction (see test_mail_intake.py)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def team(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
    }


def submitted(client, team, cli, capture, *files) -> Submission:
    with capture(execute=True):
        post_submission(client, team, *files)
    assert cli("worker", "--batch").status == 0
    submission = Submission.objects.get()
    assert submission.state == Submission.State.RECEIVED, submission.refusal
    return submission


def test_a_web_submission_of_a_rich_word_file_keeps_pictures_table_and_bold(
    client,
    team,
    cli,
    worker,
    django_capture_on_commit_callbacks,
):
    submission = submitted(
        client, team, cli, django_capture_on_commit_callbacks, upload("会议.docx", rich_docx())
    )
    assert submission.title == "粉末冶金联盟召开2026年度工作会议"
    blocks, warnings = blocks_from_markup(submission.body)
    assert warnings == ()
    images = [b for b in blocks if b.kind == IMAGE]
    assert [b.caption for b in images] == ["图为会议现场", "图2 与会代表合影"]
    # The body names the stored pictures, and the store holds them.
    stored = [pictures.existing(b.file) for b in images]
    assert [(s.format, s.width, s.height) for s in stored] == [("jpg", 64, 48), ("png", 64, 48)]
    assert set(Picture.objects.values_list("name", flat=True)) == {s.name for s in stored}
    assert Image.open(io.BytesIO(pictures.original_bytes(stored[1].name))).getpixel((0, 0)) == (
        0,
        0,
        255,
    )
    (table,) = [b for b in blocks if b.kind == TABLE]
    assert [[c.text for c in row] for row in table.rows] == TABLE_CELLS
    bold = blocks[0]
    assert bold.kind == PARAGRAPH and [bold.text[m.start : m.end] for m in bold.marks] == [
        "审议通过了2026年工作要点"
    ]
    assert [m.type for m in bold.marks] == [BOLD]
    # The text box the file held is named for the editor, on the submission's page.
    (note,) = submission.events.filter(action="read_warning")
    assert "文本框未导入" in note.comment and note.comment.startswith("会议.docx：")
    client.force_login(team["editor"])
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "<figcaption>图为会议现场</figcaption>" in page
    assert f"/pictures/{stored[0].name}/" in page
    assert '<th scope="col">标准名称</th>' in page
    assert "<strong>审议通过了2026年工作要点</strong>" in page
    assert "文本框未导入" in page

    # Accepted into an issue, the article has the same blocks.
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    article = intake.accept_into(
        submission, issue=issue, section=issue.sections.first(), by=team["editor"]
    )
    kinds = [b.kind for b in article.blocks.order_by("position")]
    assert kinds == [PARAGRAPH, IMAGE, PARAGRAPH, IMAGE, PARAGRAPH, PARAGRAPH, TABLE, PARAGRAPH]
    assert [b.data.get("file") for b in article.blocks.filter(kind=IMAGE).order_by("position")] == [
        s.name for s in stored
    ]


def test_photos_attached_beside_the_text_end_the_body_named_by_their_files(
    client,
    team,
    cli,
    worker,
    django_capture_on_commit_callbacks,
):
    document = Document()
    document.add_paragraph("联盟举办培训班")
    document.add_paragraph("培训班在上海举办。")
    word = io.BytesIO()
    document.save(word)
    submission = submitted(
        client,
        team,
        cli,
        django_capture_on_commit_callbacks,
        upload("稿件.docx", word.getvalue()),
        upload("现场照片.jpg", photo("green")),
    )
    blocks, _warnings = blocks_from_markup(submission.body)
    assert [(b.kind, b.text or b.alt) for b in blocks] == [
        (PARAGRAPH, "培训班在上海举办。"),
        (IMAGE, "现场照片.jpg"),
    ]
    assert pictures.existing(blocks[1].file).format == "jpg"
    kinds = sorted(submission.attachments.values_list("kind", flat=True))
    assert kinds == [Attachment.Kind.DOCX, Attachment.Kind.IMAGE]


def test_a_picture_the_store_refuses_is_named_and_the_rest_arrives(
    client,
    team,
    cli,
    worker,
    django_capture_on_commit_callbacks,
):
    good = photo("red", fmt="PNG")
    broken = bytearray(photo("blue", fmt="PNG"))
    broken[60:-12] = bytes(len(broken) - 72)  # the header reads, the pixels do not
    document = Document()
    document.add_paragraph("联盟召开理事会")
    document.add_picture(io.BytesIO(good))
    document.add_paragraph("图为理事会现场")
    document.add_picture(io.BytesIO(bytes(broken)))
    document.add_paragraph("图2 合影")
    word = io.BytesIO()
    document.save(word)
    submission = submitted(
        client,
        team,
        cli,
        django_capture_on_commit_callbacks,
        upload("理事会.docx", word.getvalue()),
    )
    blocks, _warnings = blocks_from_markup(submission.body)
    assert [(b.kind, b.caption) for b in blocks] == [(IMAGE, "图为理事会现场")]
    (note,) = submission.events.filter(action="read_warning")
    assert note.comment.startswith("理事会.docx 中的 第2张图片（图2 合影）：")
    assert note.comment.endswith("，未放入正文")


def test_a_mailed_word_file_with_a_photo_beside_it_gives_the_same_body(team):
    from jianbao.mailbox.parsing import MailPart, ParsedMail
    from jianbao.mailbox.services import store_mail

    parsed = ParsedMail(
        message_id="<rich-1@example.org>",
        sender="sec@example.org",
        sender_name="",
        subject="投稿：年度工作会议",
        paragraphs=("请审阅附件。",),
        attachments=(
            MailPart("会议.docx", rich_docx()),
            MailPart("合影.jpg", photo("yellow")),
        ),
    )
    submission, created = store_mail(parsed)
    assert created and submission.title == "粉末冶金联盟召开2026年度工作会议"
    blocks, _warnings = blocks_from_markup(submission.body)
    assert [(b.caption, b.alt) for b in blocks if b.kind == IMAGE] == [
        ("图为会议现场", ""),
        ("图2 与会代表合影", ""),
        ("", "合影.jpg"),
    ]
    assert submission.events.filter(action="read_warning").count() == 1


def test_a_returned_item_revised_with_its_body_keeps_the_table_and_pictures(team):
    read = intake.read_attachment("会议.docx", rich_docx())
    submission = intake.receive(
        title="",
        paragraphs=[],
        alliance=team["alliance"],
        by=team["submitter"],
        attachments=[read],
    )
    before, _warnings = blocks_from_markup(submission.body)
    intake.return_with_comment(submission, by=team["editor"], comment="请补充时间")
    intake.revise(
        submission,
        by=team["submitter"],
        title=submission.title,
        body=submission.body.replace("3月5日", "2026年3月5日"),
        credit=submission.credit,
    )
    after, _warnings = blocks_from_markup(submission.body)
    assert [b.kind for b in after] == [b.kind for b in before]
    assert [b for b in after if b.kind in (IMAGE, TABLE)] == [
        b for b in before if b.kind in (IMAGE, TABLE)
    ]
    assert after[0].text.startswith("2026年3月5日")


def test_typed_text_wins_but_the_word_files_pictures_still_reach_the_body(
    client, team, cli, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_submission(
            client,
            team,
            upload("会议.docx", rich_docx()),
            title="联盟召开工作会议",
            body="秘书处在表单中写的正文。",
        )
    assert cli("worker", "--batch").status == 0
    submission = Submission.objects.get()
    blocks, warnings = blocks_from_markup(submission.body)
    assert warnings == ()
    assert blocks[0] == Block(PARAGRAPH, "秘书处在表单中写的正文。")
    images = [b for b in blocks if b.kind == IMAGE]
    assert [b.caption for b in images] == ["图为会议现场", "图2 与会代表合影"]
    assert all(pictures.existing(b.file) for b in images)
    # Only the pictures: the file's text and table stay out of the typed body.
    assert [b.kind for b in blocks] == [PARAGRAPH, IMAGE, IMAGE]
