"""The rich editor in a real browser: an article's pictures and table load, a third
picture is uploaded, the table gains a row, and the preview shows all three pictures."""

import base64
import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.publishing import pictures
from jianbao.publishing.parsed import BOLD, HEADING, IMAGE, PARAGRAPH, TABLE, Block, Cell, Mark
from tests.factories import SeriesFactory, person
from tests.test_editor_html import WORD_PASTE

# The production policy (settings.JIANBAO_CSP): the editor must work under it.
PRODUCTION_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def picture_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    settings.JIANBAO_CSP = PRODUCTION_CSP


# What the browser says of Word's local pictures: the very thing the editor reports.
EXPECTED_CONSOLE = ("favicon", "Not allowed to load local resource: file:///")


def watch(page) -> list[str]:
    """Script errors and CSP refusals on the page, which must stay empty."""
    problems = []

    def console(msg):
        if msg.type == "error" and not any(e in msg.text for e in EXPECTED_CONSOLE):
            problems.append(msg.text)

    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", console)
    return problems


def photo_bytes(width: int, height: int, colour) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 7):  # some detail, so it is a photo and not a flat colour
        image.putpixel((x, (x * 3) % height), (255, 255, 255))
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def rich_article():
    editor = person("editor", "editor", name="杨丹泽")
    issue = editing.create_issue(SeriesFactory(), year=2026, number=1, running_number=1, by=editor)
    first = pictures.accept(photo_bytes(640, 360, (40, 90, 150)), filename="会场.jpg")
    second = pictures.accept(photo_bytes(480, 320, (150, 60, 40)), filename="签约.jpg")
    return editing.add_article(
        issue,
        issue.sections.first(),
        by=editor,
        title="联盟召开年度工作会议",
        blocks=(
            Block(PARAGRAPH, "会议在北京召开。"),
            Block(IMAGE, file=first.name, caption="图为会议现场"),
            Block(IMAGE, file=second.name, caption="图为签约仪式"),
            Block(
                TABLE,
                rows=(
                    (Cell("序号"), Cell("标准名称"), Cell("状态")),
                    (Cell("1"), Cell("增材制造用钛合金粉末"), Cell("已发布")),
                ),
                header_rows=1,
            ),
        ),
    )


def test_editor_uploads_a_third_picture_adds_a_table_row_and_previews(
    live_server, login, shoot, rich_article, tmp_path
):
    page = login("editor")
    errors = watch(page)
    page.goto(live_server.url + reverse("desk:article_edit", args=[rich_article.pk]))
    assert (
        "script-src 'self';"
        in page.context.request.get(page.url).headers["content-security-policy"]
    )

    # The editor, not the plain textarea, shows the article: two pictures, one table.
    body = page.get_by_role("textbox", name="正文")
    expect(body).to_be_visible()
    expect(page.locator("#id_body")).to_be_hidden()
    expect(body.locator("figure img")).to_have_count(2)
    expect(body.locator("figcaption").first).to_have_text("图为会议现场")
    expect(body.locator("table tr")).to_have_count(2)
    expect(body.locator("table th").first).to_have_text("序号")

    # A third picture by the upload button's file input.
    third = tmp_path / "合影.png"
    Image.new("RGB", (300, 200), (20, 140, 60)).save(third)
    body.locator("p", has_text="会议在北京召开。").click()
    page.keyboard.press("End")
    page.set_input_files("input[data-picture-input]", str(third))
    expect(page.locator("[data-rich-status]")).to_contain_text("已上传“合影.png”")
    expect(body.locator("figure img")).to_have_count(3)
    page.keyboard.type("图为与会代表合影")

    # A row below the last one, from the table tools the toolbar shows inside a table.
    body.locator("td", has_text="已发布").click()
    page.locator('.prose-menubar__button[data-name="table:addRowAfter"]').click()
    expect(body.locator("table tr")).to_have_count(3)
    body.locator("table tr").nth(2).locator("td").first.click()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("钼铌合金棒材")
    shoot(page, "desk-rich-editor")

    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存《联盟召开年度工作会议》")).to_be_visible()
    blocks = editing.article_blocks(type(rich_article).objects.get(pk=rich_article.pk))
    assert [b.kind for b in blocks] == [PARAGRAPH, IMAGE, IMAGE, IMAGE, TABLE]
    assert blocks[1].caption == "图为与会代表合影"
    assert (blocks[1].width, blocks[1].height) == (300, 200)
    assert [[c.text for c in row] for row in blocks[4].rows] == [
        ["序号", "标准名称", "状态"],
        ["1", "增材制造用钛合金粉末", "已发布"],
        ["2", "钼铌合金棒材", ""],
    ]

    # The preview draws what the PDF prints: all three pictures, loaded.
    page.goto(live_server.url + reverse("desk:preview", args=[rich_article.section.issue_id]))
    images = page.locator("figure img")
    expect(images).to_have_count(3)
    for n in range(3):
        images.nth(n).scroll_into_view_if_needed()
        expect(images.nth(n)).to_have_js_property("complete", True)
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 0 for w in widths), widths
    expect(page.locator("table tr")).to_have_count(3)
    shoot(page, "desk-rich-preview")
    assert errors == []


PASTE = """([html]) => {
  const data = new DataTransfer()
  data.setData("text/html", html)
  data.setData("text/plain", "Word")
  document.querySelector(".tiptap").dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true })
  )
}"""


def test_a_paste_from_word_keeps_bold_and_the_table_and_offers_the_upload(
    live_server, login, rich_article
):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 0)).save(buffer, "PNG")
    inline = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    # The Word sample, plus a picture the browser did bring (as WPS gives it).
    html = WORD_PASTE.replace(
        "<p class=MsoCaption>图为会议现场</p>",
        f'<p class=MsoCaption>图为会议现场</p><p class=MsoNormal><img src="{inline}"></p>'
        "<p class=MsoNormal>图为签约仪式</p>",
    )
    page = login("editor")
    errors = watch(page)
    page.goto(live_server.url + reverse("desk:article_edit", args=[rich_article.pk]))
    body = page.get_by_role("textbox", name="正文")
    body.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.evaluate(PASTE, [html])

    expect(body.locator("h3")).to_have_text("一、会议概况")
    expect(body.locator("strong", has_text="会议审议通过了")).to_be_visible()
    expect(body.locator("table tr")).to_have_count(3)
    # The picture that came as data is uploaded; Word's local file is reported.
    expect(body.locator("img[data-file]")).to_have_count(1)
    expect(body.locator("figcaption", has_text="图为签约仪式")).to_be_visible()
    status = page.locator("[data-rich-status]")
    expect(status).to_contain_text("有1张图片未能随粘贴带来")
    expect(status).to_contain_text("上传图片")

    # Saving keeps the form open, says which picture is missing, and drops it.
    page.get_by_role("button", name="保存", exact=True).click()
    # Word's caption went with its picture, and the message names it.
    expect(page.get_by_role("alert")).to_contain_text("第1张图片未上传（图为会议现场）")
    body = page.get_by_role("textbox", name="正文")
    expect(body.locator("img")).to_have_count(1)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存《联盟召开年度工作会议》")).to_be_visible()

    blocks = editing.article_blocks(type(rich_article).objects.get(pk=rich_article.pk))
    assert [b.kind for b in blocks] == [HEADING, PARAGRAPH, IMAGE, TABLE]
    assert blocks[0].text == "一、会议概况"
    bold = blocks[1].text.index("会议审议")
    assert blocks[1].marks == (Mark(BOLD, bold, bold + len("会议审议通过了年度工作计划")),)
    assert (blocks[2].caption, blocks[2].width, blocks[2].height) == ("图为签约仪式", 40, 30)
    assert [c.text for c in blocks[3].rows[0]] == ["序号", "标准名称", "状态"]
    assert [c.text for c in blocks[3].rows[2]] == ["2", "钼铌合金棒材（征求意见）"]
    assert blocks[3].rows[2][1].colspan == 2
    assert errors == []


def test_a_refused_picture_is_named_beside_the_editor_and_nothing_is_inserted(
    live_server, login, rich_article, tmp_path, settings
):
    from jianbao.publishing.models import Picture

    hostile = tmp_path / "logo.svg"
    hostile.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    page = login("editor")
    errors = watch(page)
    page.goto(live_server.url + reverse("desk:article_edit", args=[rich_article.pk]))
    body = page.get_by_role("textbox", name="正文")
    expect(body.locator("figure img")).to_have_count(2)
    stored_before = Picture.objects.count()
    page.set_input_files("input[data-picture-input]", str(hostile))
    status = page.locator("[data-rich-status]")
    expect(status).to_contain_text("logo.svg")
    expect(status).to_have_attribute("role", "alert")
    expect(body.locator("figure img")).to_have_count(2)
    assert Picture.objects.count() == stored_before
    # Too large: said before uploading, with both sizes.
    settings.JIANBAO_PICTURE_MAX_BYTES = 2 * 1048576
    page.reload()
    large = tmp_path / "大照片.bmp"
    Image.effect_noise((1100, 1000), 60).convert("RGB").save(large)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.set_input_files("input[data-picture-input]", str(large))
    size = f"{large.stat().st_size / 1048576:.1f}"
    expect(status).to_contain_text(f"“大照片.bmp”有 {size} MB，图片不能超过 2.0 MB")
    assert posts == []
    body = page.get_by_role("textbox", name="正文")
    expect(body.locator("figure img")).to_have_count(2)
    assert Picture.objects.count() == stored_before
    # Refused with a 400 the page explains; no script error.
    assert [e for e in errors if "400" not in e] == []


def test_without_javascript_the_text_markup_edits_the_same_article(
    live_server, browser, rich_article, tmp_path
):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("desk:article_edit", args=[rich_article.pk]))

    # The editor stays hidden; the markup textarea holds the pictures and the table.
    expect(page.locator(".rich-editor")).to_be_hidden()
    text = page.locator("#id_body")
    expect(text).to_be_visible()
    markup = text.input_value()
    assert "![图为会议现场](" in markup and "| 序号 | 标准名称 | 状态 |" in markup
    text.fill(markup.replace("会议在北京召开。", "会议在**北京**召开。"))
    third = tmp_path / "合影.png"
    Image.new("RGB", (300, 200), (20, 140, 60)).save(third)
    page.set_input_files("#id_picture", str(third))
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存《联盟召开年度工作会议》")).to_be_visible()

    blocks = editing.article_blocks(type(rich_article).objects.get(pk=rich_article.pk))
    assert [b.kind for b in blocks] == [PARAGRAPH, IMAGE, IMAGE, TABLE, IMAGE]
    assert blocks[0].marks == (Mark(BOLD, 3, 5),)
    assert (blocks[4].width, blocks[4].height) == (300, 200)
    context.close()
