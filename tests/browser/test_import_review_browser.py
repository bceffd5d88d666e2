"""An editor reviews an imported past issue in a real browser (issue #15): opens its
import report from the desk, follows a line OCR was unsure of to its article,
fixes the misread word in the normal editor, and marks the issue checked after a
confirmation. The series keeps unchecked imports off the site, so the public page
appears only then, with the fixed text.

The OCR itself is tested on a real scan in tests/test_import_scans.py; here the
parsed bulletin carries the page confidences and the unsure line that OCR gives,
so the story runs in seconds.
"""

import dataclasses

import pytest
from playwright.sync_api import expect

from jianbao.bulletins.models import Article, IssueRevision, Series
from jianbao.catalogue import services
from jianbao.catalogue.models import ImportReport
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.parsed import OcrLine, OcrPage
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISREAD = "联盟协发冈"  # 网 read as 冈, as tesseract does on a noisy scan
RIGHT = "联盟协发网"
SCAN = f"""# 产业技术创新战略联盟试点工作

## 简 报

2019年第3期（总第30期）

联盟试点工作联络组办公室

2019年6月1日

### 本期导读

#### 工作动态

- 化纤联盟举办技术培训

## ➤ 工作动态

### 化纤联盟举办技术培训

培训由{MISREAD}秘书处支持，共有八十人参加。

（化纤联盟秘书处供稿）
"""


def imported_scan():
    parsed = parse_bulletin_text(SCAN, source="第30期扫描件.pdf")
    unsure = OcrLine(page=2, text=f"培训由{MISREAD}秘书处支持", confidence=52.4)
    parsed = dataclasses.replace(parsed, ocr_pages=(OcrPage(1, 91.0), OcrPage(2, 78.5, (unsure,))))
    issue = services.import_bulletin(parsed, source_name="第30期扫描件.pdf").issue
    series = Series.objects.get(pk=issue.series_id)
    series.imports_public_after_check = True
    series.save()
    return issue


def test_an_editor_fixes_an_ocr_error_and_marks_the_import_checked(live_server, login, shoot):
    person("editor", "editor", name="杨丹泽")
    issue = imported_scan()
    public = f"{live_server.url}/issues/2019-3/"

    editor = login("editor")
    assert editor.request.get(public).status == 404  # held until checked

    editor.get_by_role("navigation", name="工作台导航").get_by_role("link", name="往期导入").click()
    row = editor.get_by_role("row").filter(has_text="2019年第3期（总第30期）")
    expect(row).to_contain_text("待核对")
    row.get_by_role("link", name="2019年第3期（总第30期）").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("导入报告：2019年第3期（总第30期）")
    expect(editor.locator("#check-state")).to_contain_text("核对前本期不在网站公开")
    unsure = editor.locator("ol.findings li").filter(has_text="可信度 52.4")
    expect(unsure).to_contain_text(f"培训由{MISREAD}秘书处支持")
    expect(unsure).to_contain_text("在《化纤联盟举办技术培训》中")
    shoot(editor, "import-report")

    unsure.get_by_role("link", name="改正").click()
    expect(editor.get_by_text("本期是导入的往期，正在核对")).to_be_visible()
    expect(editor.get_by_label("勘误说明")).to_have_value("导入核对：改正导入时读错的文字")
    body = editor.get_by_label("正文")
    body.fill(body.input_value().replace(MISREAD, RIGHT))
    editor.get_by_role("button", name="保存更正").click()
    editor.wait_for_load_state("load")

    # Back on the report: the unsure line is no longer in the text.
    expect(editor.get_by_text("已保存对《化纤联盟举办技术培训》的更正（导入核对）")).to_be_visible()
    expect(editor.locator("ol.findings li").filter(has_text="可信度 52.4")).to_contain_text(
        "现在的正文中已没有这行文字"
    )
    editor.get_by_role("button", name="标记为已核对").click()
    editor.wait_for_load_state("load")
    expect(editor.locator("#check-state")).to_contain_text("已核对：杨丹泽")
    assert editor.confirmations and "标记后本期将在网站公开" in editor.confirmations[-1]

    report = ImportReport.objects.get(issue=issue)
    assert report.checked and report.checked_by_name == "杨丹泽"
    article = Article.objects.get(section__issue=issue)
    text = "".join(b.text for b in article.blocks.all())
    assert RIGHT in text and MISREAD not in text
    # The misread text is kept, as a fix of the import and not a public 勘误.
    (revision,) = IssueRevision.objects.filter(issue=issue)
    assert revision.import_fix and MISREAD in str(revision.snapshot)

    editor.goto(public)
    expect(editor.get_by_role("main")).to_contain_text(RIGHT)
    expect(editor.get_by_role("main")).not_to_contain_text("勘误")
