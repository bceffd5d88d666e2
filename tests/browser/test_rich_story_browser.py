"""Issue #11's browser story: a secretariat's Word file with photos and a table
goes through the desk's rich editor and the sign-off to the public page, where
every picture loads on a phone and on a desktop."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from jianbao.bulletins.models import Article, Issue
from tests.factories import AllianceFactory, SeriesFactory, person
from tests.rich_fixtures import CAPTIONS, TABLE, rich_submission_docx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "粉末冶金联盟召开标准工作会议"
SECTION = "试点联盟动态及协发网网员单位动态"


@pytest.fixture(autouse=True)
def picture_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"


def all_loaded(page, images) -> list[int]:
    """Scroll every picture into view (they load lazily) and give their natural widths."""
    for n in range(images.count()):
        images.nth(n).scroll_into_view_if_needed()
        expect(images.nth(n)).to_have_js_property("complete", True)
    return images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")


def test_word_photos_and_table_reach_the_public_page(live_server, login, browser, tmp_path):
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    person("secretariat", "submitter", alliance=alliance, name="秘书处王")
    person("editor", "editor", name="杨丹泽")
    person("reviewer", "reviewer", name="尚辉良")
    person("signer", "signer", name="李新男")
    SeriesFactory()

    # 1. The secretariat sends a Word file with two captioned photos, a table and bold.
    word = tmp_path / "来稿.docx"
    word.write_bytes(rich_submission_docx())
    page = login("secretariat")
    page.goto(f"{live_server.url}/submit/new/")
    page.set_input_files("#id_files", str(word))
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("正在处理", exact=True)).to_be_visible()
    call_command("worker", "--batch")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)

    # 2. The editor opens an issue and accepts the item; a second article comes after it.
    editor = login("editor")
    editor.goto(f"{live_server.url}/desk/issues/new/")
    editor.get_by_role("button", name="新建").click()
    editor.goto(f"{live_server.url}/desk/intake/")
    editor.get_by_role("link", name=TITLE).click()
    expect(editor.locator("#id_section")).to_have_value(SECTION)
    editor.get_by_role("button", name="采用", exact=True).click()
    expect(editor.get_by_text("已采用到")).to_be_visible()
    editor.locator("text=＋ 在本栏目添加文章").nth(2).click()
    editor.fill("#id_title", "化纤联盟协办中国纺织科技成果对接峰会")
    editor.get_by_role("textbox", name="正文").fill("峰会在晋江市举办。")
    editor.get_by_role("button", name="保存", exact=True).click()
    expect(editor.get_by_text("已添加《化纤联盟协办中国纺织科技成果对接峰会》")).to_be_visible()

    # 3. The rich editor shows the Word file's photos and table.
    article = Article.objects.get(title=TITLE)
    editor.goto(live_server.url + reverse("desk:article_edit", args=[article.pk]))
    body = editor.get_by_role("textbox", name="正文")
    expect(body.locator("figure img")).to_have_count(2)
    expect(body.locator("figcaption")).to_have_text(list(CAPTIONS))
    expect(body.locator("table tr")).to_have_count(len(TABLE))
    expect(body.locator("strong")).to_have_count(1)

    # A third picture by upload, after the first paragraph, with its caption.
    third = tmp_path / "签约仪式.png"
    Image.new("RGB", (900, 600), (20, 140, 60)).save(third)
    body.locator("p").first.click()
    editor.keyboard.press("End")
    editor.set_input_files("input[data-picture-input]", str(third))
    expect(body.locator("figure img")).to_have_count(3)
    editor.keyboard.type("图3 签约仪式")

    # A row at the end of the table.
    body.locator("td", has_text=TABLE[-1][1]).click()
    editor.locator('.prose-menubar__button[data-name="table:addRowAfter"]').click()
    expect(body.locator("table tr")).to_have_count(len(TABLE) + 1)
    body.locator("table tr").nth(len(TABLE)).locator("td").first.click()
    editor.keyboard.type("4")
    editor.get_by_role("button", name="保存", exact=True).click()
    expect(editor.get_by_text(f"已保存《{TITLE}》")).to_be_visible()

    # 4. Reordered: the second article moves up, before the Word item.
    editor.goto(f"{live_server.url}/desk/")
    editor.get_by_role("link", name=re.compile("第1期")).click()
    with editor.expect_navigation():
        editor.get_by_role("button", name="上移《化纤联盟协办中国纺织科技成果对接峰会》").click()
    titles = list(
        Article.objects.filter(section__title=SECTION)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert titles == ["化纤联盟协办中国纺织科技成果对接峰会", TITLE]

    # 5. The preview shows all three pictures, loaded.
    issue = Issue.objects.get()
    editor.goto(live_server.url + reverse("desk:preview", args=[issue.pk]))
    images = editor.locator("figure img")
    expect(images).to_have_count(3)
    assert all(w > 0 for w in all_loaded(editor, images))

    # 6. 提交审核 → 审核通过 → 签发 → 发布.
    editor.goto(f"{live_server.url}/desk/")
    editor.get_by_role("link", name=re.compile("第1期")).click()
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("h1 .state")).to_have_text("待审核")
    reviewer = login("reviewer")
    reviewer.goto(editor.url)
    reviewer.get_by_role("button", name="审核通过").click()
    expect(reviewer.locator("h1 .state")).to_have_text("待签发")
    signer = login("signer")
    signer.goto(editor.url)
    signer.get_by_role("button", name="签发").click()
    expect(signer.locator("h1 .state")).to_have_text("已签发")
    signer.get_by_role("button", name="发布").click()
    expect(signer.locator("h1 .state")).to_have_text("已发布")

    # 7. A reader on a phone and on a desktop sees all three pictures load.
    chosen = {}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844}, locale="zh-CN")
        reader = context.new_page()
        reader.goto(f"{live_server.url}/issues/{issue.year}-{issue.number}/")
        images = reader.locator("article figure img")
        expect(images).to_have_count(3)
        widths = all_loaded(reader, images)
        assert all(w > 0 for w in widths), (width, widths)
        expect(reader.locator("article figcaption")).to_have_text(["图3 签约仪式", *CAPTIONS])
        expect(reader.locator("article table tr")).to_have_count(len(TABLE) + 1)
        # No picture is wider than the phone's screen.
        overflow = images.evaluate_all(
            "imgs => imgs.filter(i => i.getBoundingClientRect().right > innerWidth + 1).length"
        )
        assert overflow == 0, width
        chosen[width] = images.first.evaluate("i => i.currentSrc")
        context.close()
    # The phone is given a smaller copy than the desktop.
    size = {w: int(re.search(r"/(\d+)\.\w+$", url).group(1)) for w, url in chosen.items()}
    assert size[390] < size[1280], chosen
