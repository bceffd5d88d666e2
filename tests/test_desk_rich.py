"""The desk's rich editor, server side: what the editor posts is converted, checked
against the picture store and stored as content-shape blocks; nothing else is."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Block
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.core.models import HistoryEvent
from jianbao.publishing import pictures
from jianbao.publishing.markup import blocks_to_markup
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    NOTE,
    PARAGRAPH,
    TABLE,
    Cell,
    Mark,
    block_to_dict,
)
from jianbao.publishing.parsed import Block as ContentBlock
from jianbao.publishing.render.pdf import PdfSettings, picture_width
from tests.factories import SeriesFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def picture_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"


def png(width: int, height: int, colour=(30, 90, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def editor():
    return person("ed", "editor", name="杨丹泽")


@pytest.fixture
def article(editor):
    issue = editing.create_issue(SeriesFactory(), year=2026, number=1, running_number=1, by=editor)
    return editing.add_article(
        issue, issue.sections.first(), by=editor, title="联盟召开理事会", body="会议在北京召开。"
    )


def post_rich(client, article, body_html, **extra):
    return client.post(
        reverse("desk:article_edit", args=[article.pk]),
        {
            "title": article.title,
            "toc_title": "",
            "credit": "",
            "body": "（脚本打开时这一栏不提交）",
            "body_html": body_html,
            "body_format": "html",
            "version": article.version,
            **extra,
        },
    )


def stored(article):
    return editing.article_blocks(Article.objects.get(pk=article.pk))


def test_an_article_with_a_picture_and_a_table_is_stored_in_the_content_shape(
    client, editor, article
):
    photo = pictures.accept(png(320, 180), filename="会场.png")
    client.force_login(editor)
    response = post_rich(
        client,
        article,
        "<h3>一、会议概况</h3>"
        "<p>会议<strong>审议通过</strong>了年度计划。</p>"
        # The editor's own idea of the size is not believed: the store's is.
        f'<figure><img src="/pictures/{photo.name}/960.jpg" data-file="{photo.name}"'
        ' width="9999" height="1" alt="会场全景"><figcaption>图为会议现场</figcaption></figure>'
        "<p>表：重点标准</p>"
        "<table><tbody><tr><th><p>序号</p></th><th><p>名称</p></th></tr>"
        '<tr><td><p>1</p></td><td colspan="1"><p><strong>钛合金</strong>粉末</p></td></tr>'
        "</tbody></table>"
        "<blockquote><p>编者按：本期聚焦标准。</p></blockquote>",
    )
    assert response.status_code == 302
    assert stored(article) == (
        ContentBlock(HEADING, "一、会议概况"),
        ContentBlock(PARAGRAPH, "会议审议通过了年度计划。", (Mark(BOLD, 2, 6),)),
        ContentBlock(
            IMAGE, file=photo.name, caption="图为会议现场", alt="会场全景", width=320, height=180
        ),
        ContentBlock(
            TABLE,
            rows=(
                (Cell("序号"), Cell("名称")),
                (Cell("1"), Cell("钛合金粉末", (Mark(BOLD, 0, 3),))),
            ),
            header_rows=1,
            caption="重点标准",
        ),
        ContentBlock(NOTE, "编者按：本期聚焦标准。"),
    )
    # The rows are the store's: plain text for search, the rest in data.
    row = Block.objects.get(article=article, kind=IMAGE)
    assert row.text == "图为会议现场\n会场全景"
    assert row.data["file"] == photo.name
    # And every output reads the same shape back.
    bulletin = issue_to_bulletin(article.section.issue)
    assert bulletin.articles[0].blocks == stored(article)


def test_the_edit_history_holds_the_blocks_before_and_after(client, editor, article):
    photo = pictures.accept(png(64, 64), filename="a.png")
    client.force_login(editor)
    post_rich(client, article, f'<p>新的正文。</p><figure><img data-file="{photo.name}"></figure>')
    event = HistoryEvent.objects.filter(action="bulletins.article.edit").get()
    assert event.data["before"]["blocks"] == [
        block_to_dict(ContentBlock(PARAGRAPH, "会议在北京召开。"))
    ]
    assert event.data["after"]["blocks"] == [
        block_to_dict(ContentBlock(PARAGRAPH, "新的正文。")),
        block_to_dict(ContentBlock(IMAGE, file=photo.name, width=64, height=64)),
    ]
    assert event.data["changed"] == ["body"]


def test_bold_alone_is_an_edit_of_the_body(client, editor, article):
    client.force_login(editor)
    post_rich(client, article, "<p><strong>会议</strong>在北京召开。</p>")
    event = HistoryEvent.objects.filter(action="bulletins.article.edit").get()
    assert event.data["before"]["body"] == event.data["after"]["body"] == "会议在北京召开。"
    assert event.data["changed"] == ["body"]


def test_a_pasted_picture_that_was_not_uploaded_keeps_the_form_open_and_says_so(
    client, editor, article
):
    client.force_login(editor)
    response = post_rich(
        client,
        article,
        "<p>粘贴的正文。</p>"
        '<p><img src="file:///C:/Users/wang/AppData/Local/Temp/clip_image002.jpg"></p>',
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "第1张图片未上传" in page and "上传图片" in page
    # The form offers what would be stored, not what was posted.
    assert "clip_image002" not in page
    assert "&lt;p&gt;粘贴的正文。&lt;/p&gt;" in page
    assert stored(article) == (ContentBlock(PARAGRAPH, "会议在北京召开。"),)


def test_a_picture_name_the_store_does_not_have_is_refused_and_nothing_is_saved(
    client, editor, article
):
    client.force_login(editor)
    unknown = "0" * 32 + ".jpg"
    response = post_rich(
        client, article, f'<p>正文</p><figure><img data-file="{unknown}"></figure>'
    )
    assert response.status_code == 200
    assert unknown in response.content.decode()
    assert "找不到这张图片" in response.content.decode()
    assert stored(article) == (ContentBlock(PARAGRAPH, "会议在北京召开。"),)
    assert Article.objects.get(pk=article.pk).version == article.version


def test_hostile_html_posted_to_the_desk_is_stored_as_text_only(client, editor, article):
    client.force_login(editor)
    post_rich(
        client,
        article,
        '<p onclick="alert(1)">正文<script>alert(2)</script>'
        '<a href="javascript:alert(3)">链接</a><img src=x onerror="alert(4)"></p>'
        "<iframe src='https://evil.example/'></iframe><style>*{}</style>",
    )
    # The img names no stored picture: reported, and the form is shown again.
    assert stored(article) == (ContentBlock(PARAGRAPH, "会议在北京召开。"),)
    post_rich(
        client,
        article,
        '<p onclick="alert(1)">正文<script>alert(2)</script>'
        '<a href="javascript:alert(3)">链接</a></p><iframe></iframe><svg><text>s</text></svg>',
    )
    assert stored(article) == (ContentBlock(PARAGRAPH, "正文链接"),)
    assert "alert" not in str(list(Block.objects.filter(article=article).values()))


def test_an_empty_editor_is_refused(client, editor, article):
    client.force_login(editor)
    response = post_rich(client, article, "<p></p>")
    assert response.status_code == 200
    assert "正文不能为空" in response.content.decode()


def test_the_plain_text_editor_keeps_pictures_and_tables_through_the_markup(
    client, editor, article
):
    photo = pictures.accept(png(100, 50), filename="b.png")
    blocks = (
        ContentBlock(PARAGRAPH, "有*星号*的正文", (Mark(BOLD, 0, 1),)),
        ContentBlock(IMAGE, file=photo.name, caption="图为会场", width=100, height=50),
        ContentBlock(TABLE, rows=((Cell("甲"), Cell("乙")), (Cell("1"), Cell("2"))), header_rows=1),
    )
    editing.update_article(article, by=editor, title=article.title, credit="", blocks=blocks)
    client.force_login(editor)
    page = client.get(reverse("desk:article_edit", args=[article.pk]) + "?plain=1")
    body = blocks_to_markup(blocks)
    assert page.context["form"]["body"].value() == body
    # No editor script on the plain page: a keyboard and a textarea are enough.
    assert b"desk-editor.js" not in page.content
    response = client.post(
        reverse("desk:article_edit", args=[article.pk]),
        {"title": article.title, "credit": "", "body": body, "version": article.version + 1},
    )
    assert response.status_code == 302
    assert stored(article) == blocks


def test_the_edit_page_loads_the_editor_with_the_articles_blocks(client, editor, article):
    photo = pictures.accept(png(100, 50), filename="b.png")
    editing.update_article(
        article,
        by=editor,
        title=article.title,
        credit="",
        blocks=(ContentBlock(IMAGE, file=photo.name, caption="图为会场"),),
    )
    client.force_login(editor)
    page = client.get(reverse("desk:article_edit", args=[article.pk]))
    html = page.context["form"]["body_html"].value()
    assert f'data-file="{photo.name}"' in html
    assert f'src="/pictures/{photo.name}/100.jpg"' in html
    assert "<figcaption>图为会场</figcaption>" in html
    content = page.content.decode()
    assert "desk-editor.js" in content and 'type="module"' in content
    # Scripts are files: the page holds no inline script (the CSP allows 'self' only).
    assert "<script>" not in content and "importmap" not in content


def test_a_new_article_from_the_rich_editor(client, editor, article):
    client.force_login(editor)
    section = article.section
    response = client.post(
        reverse("desk:article_new", args=[section.pk]),
        {
            "title": "第二篇",
            "body_html": "<p><em>新</em>文章</p>",
            "body_format": "html",
            "credit": "",
        },
    )
    assert response.status_code == 302
    added = Article.objects.get(section=section, title="第二篇")
    assert editing.article_blocks(added)[0].text == "新文章"


def test_upload_gives_the_stored_name_and_size(client, editor):
    client.force_login(editor)
    data = png(200, 100)
    response = client.post(reverse("desk:picture_upload"), {"file": _file("会场.png", data)})
    assert response.status_code == 200
    body = response.json()
    assert (body["width"], body["height"]) == (200, 100)
    assert body["url"] == pictures.variant_url(body["name"], 960, "jpg")
    assert pictures.existing(body["name"]).name == body["name"]
    assert client.get(body["url"]).status_code == 200


def test_upload_of_a_file_that_is_not_a_picture_names_it_and_stores_nothing(client, editor):
    from jianbao.publishing.models import Picture

    client.force_login(editor)
    response = client.post(
        reverse("desk:picture_upload"), {"file": _file("会场.jpg", b"<html><script>x</script>")}
    )
    assert response.status_code == 400
    assert "会场.jpg" in response.json()["error"]
    assert not Picture.objects.exists()


def test_upload_without_a_file_is_a_clear_400(client, editor):
    client.force_login(editor)
    response = client.post(reverse("desk:picture_upload"))
    assert response.status_code == 400
    assert response.json() == {"error": "请选择要上传的图片文件"}


def test_the_preview_shows_the_blocks_as_the_pdf_prints_them(client, editor, article):
    photo = pictures.accept(png(120, 80), filename="c.png")
    editing.update_article(
        article,
        by=editor,
        title=article.title,
        credit="",
        blocks=(
            ContentBlock(PARAGRAPH, "正文", (Mark(BOLD, 0, 2),)),
            ContentBlock(IMAGE, file=photo.name, caption="图为会场"),
            ContentBlock(TABLE, rows=((Cell("甲"),), (Cell("1"),)), header_rows=1),
        ),
    )
    client.force_login(editor)
    page = client.get(reverse("desk:preview", args=[article.section.issue_id])).content.decode()
    assert "<strong>正文</strong>" in page
    assert f"/pictures/{photo.name}/120.jpg" in page
    assert "<figcaption>图为会场</figcaption>" in page
    # As wide as the PDF prints it: its share of the text width.
    settings = PdfSettings()
    printed = ContentBlock(IMAGE, file=photo.name, width=120, height=80)
    share = 100 * picture_width(printed, settings) / settings.block_width
    assert f'<figure class="picture" style="width:{share:.1f}%">' in page
    assert '<th scope="col">甲</th>' in page


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_without_javascript_a_picture_is_added_at_the_end_of_the_body(client, editor, article):
    client.force_login(editor)
    url = reverse("desk:article_edit", args=[article.pk])
    page = client.get(url + "?plain=1").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="picture"' in page
    response = client.post(
        url,
        {
            "title": article.title,
            "credit": "",
            "body": "会议在北京召开。",
            "version": article.version,
            "picture": _file("会场.png", png(90, 60)),
        },
    )
    assert response.status_code == 302
    blocks = stored(article)
    assert blocks[0] == ContentBlock(PARAGRAPH, "会议在北京召开。")
    assert (blocks[1].kind, blocks[1].width, blocks[1].height) == (IMAGE, 90, 60)
    # The plain editor now shows its line, where a caption can be written.
    page = client.get(url + "?plain=1")
    assert f"![]({blocks[1].file})" in page.context["form"]["body"].value()


def test_without_javascript_a_refused_picture_is_named_beside_the_field(client, editor, article):
    client.force_login(editor)
    response = client.post(
        reverse("desk:article_edit", args=[article.pk]),
        {
            "title": article.title,
            "credit": "",
            "body": "改过的正文。",
            "version": article.version,
            "picture": _file("会场.jpg", b"GIF89a not really"),
        },
    )
    assert response.status_code == 200
    assert "会场.jpg" in response.context["form"].errors["picture"][0]
    assert stored(article) == (ContentBlock(PARAGRAPH, "会议在北京召开。"),)


def test_a_rich_save_from_an_older_form_is_refused_and_keeps_what_was_typed(
    client, editor, article
):
    second = person("ed2", "editor", name="王二")
    opened = article.version
    client.force_login(editor)
    assert post_rich(client, article, "<p>杨丹泽改过的正文。</p>").status_code == 302
    client.force_login(second)
    response = post_rich(
        client, article, "<p><strong>王二</strong>改过的正文。</p>", version=opened
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "已被杨丹泽于" in page and "您的修改未保存" in page
    form = response.context["form"]
    # The editor gets back what this editor typed, converted; the new version to save on.
    assert form["body_html"].value() == "<p><strong>王二</strong>改过的正文。</p>"
    assert int(form["version"].value()) == opened + 1
    assert stored(article) == (ContentBlock(PARAGRAPH, "杨丹泽改过的正文。"),)


def _bomb() -> bytes:
    # 30000 × 30000 one-bit pixels: 900 megapixels in about a hundred kilobytes.
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


HOSTILE = [
    ("炸弹.png", _bomb, "像素过多"),
    ("照片.png", _jpeg, "文件名是 .png，内容却是 JPEG 图片"),
    (
        "图.jpg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG",
    ),
    # Over the pictures' 20 MB limit, under the request's: refused by the store.
    ("大合影.jpg", lambda: _jpeg() + bytes(21 * 1024 * 1024), "图片太大"),
]


@pytest.mark.parametrize("name, make, reason", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_picture_is_named_by_the_upload_and_nothing_is_stored(
    client, editor, name, make, reason, settings
):
    from jianbao.publishing.models import Picture

    client.force_login(editor)
    response = client.post(reverse("desk:picture_upload"), {"file": _file(name, make())})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(f"{name}：") and reason in error, error
    assert not Picture.objects.exists()
    assert not (settings.MEDIA_ROOT / "pictures").exists()


@pytest.mark.parametrize("name, make, reason", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_without_javascript_a_hostile_picture_is_named_beside_the_field(
    client, editor, article, name, make, reason
):
    from jianbao.publishing.models import Picture

    client.force_login(editor)
    response = client.post(
        reverse("desk:article_edit", args=[article.pk]),
        {
            "title": article.title,
            "credit": "",
            "body": "改过的正文。",
            "version": article.version,
            "picture": _file(name, make()),
        },
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["picture"]
    assert name in error and reason in error, error
    assert stored(article) == (ContentBlock(PARAGRAPH, "会议在北京召开。"),)
    assert not Picture.objects.exists()
