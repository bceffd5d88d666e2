"""The desk's publishing page and 报/送 lists in a real browser (issue #13).

The editor copies the WeChat post with one click (the clipboard then holds HTML
with the issue's title), imports the 送 list from an Excel file, chooses that list
for the issue and sees how many will receive it; the signer publishes, and the
delivery page shows each recipient's status. Every page passes axe at 390 and
1280 px.
"""

import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import issue_to_bulletin, store_bulletin
from jianbao.distribution.models import Delivery
from jianbao.distribution.services import add_recipient, distribution_list
from tests.browser.test_public_axe_browser import axe_check, logged_in_state  # noqa: F401
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READ_CLIPBOARD_HTML = """async () => {
  for (const item of await navigator.clipboard.read()) {
    if (item.types.includes("text/html")) {
      return await (await item.getType("text/html")).text()
    }
  }
  return ""
}"""


def recipients_xlsx(path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["单位", "姓名", "邮箱"])
    sheet.append(["科技部创新发展司", "张三", "zhang@most.example"])
    sheet.append(["工业和信息化部", "李四", "li@miit.example"])
    sheet.append(["国家发展改革委", "王五", "wang@ndrc.example"])
    workbook.save(path)
    return path


@pytest.fixture
def signed_issue(parsed):
    issue = store_bulletin(parsed, source_name="2023-01.md").issue
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.SIGNED)
    issue.refresh_from_db()
    return issue


def test_copy_the_wechat_post_import_a_list_choose_it_and_publish(
    live_server,
    browser,
    login,
    axe_check,  # noqa: F811
    signed_issue,
    tmp_path,
    shoot,
):
    editor = person("editor", "editor", name="杨丹泽")
    person("signer", "signer", name="李新男")
    # Somebody already on the 报 list, who is not chosen for this issue.
    add_recipient(
        distribution_list("报"),
        organisation="国务院办公厅",
        person="",
        address="gwy@gov.example",
        by=editor,
    )
    issue = signed_issue
    first_title = issue_to_bulletin(issue).articles[0].title

    # 1. The publishing page: one click copies the WeChat post, as HTML.
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.get_by_role("link", name="发布页").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("发布页")
    expect(page.get_by_role("link", name="PDF 文件")).to_be_visible()
    expect(page.get_by_role("link", name="Word 文件")).to_be_visible()
    preview = page.frame_locator("iframe[title='微信版预览（手机宽度）']")
    expect(preview.get_by_text(first_title).first).to_be_visible()
    frame_box = page.locator("iframe.phone-frame").bounding_box()
    assert frame_box["width"] <= 390
    page.get_by_role("button", name="复制微信版").click()
    expect(page.locator("#copy-status")).to_have_text("已复制微信版，可以到公众号编辑器中粘贴。")
    copied = page.evaluate(READ_CLIPBOARD_HTML)
    assert "2023年第1期" in copied and first_title in copied
    assert 'style="' in copied  # the inline styles WeChat keeps
    shoot(page, "desk-publishing-390")

    # 2. The 送 list is imported from Excel; a file with a bad row is refused first.
    page.goto(f"{live_server.url}/desk/deliveries/lists/")
    page.get_by_role("link", name="管理“送”名单").click()
    bad = tmp_path / "有错.xlsx"
    workbook = Workbook()
    workbook.active.append(["单位", "姓名", "邮箱"])
    workbook.active.append(["某单位", "某人", "not-an-address"])
    workbook.save(bad)
    page.get_by_label("名单文件（.xlsx 或 .csv）").set_input_files(str(bad))
    page.get_by_role("button", name="导入到“送”名单").click()
    expect(page.get_by_text("第2行：邮箱“not-an-address”格式不对")).to_be_visible()
    page.get_by_label("名单文件（.xlsx 或 .csv）").set_input_files(
        str(recipients_xlsx(tmp_path / "送名单.xlsx"))
    )
    page.get_by_role("button", name="导入到“送”名单").click()
    expect(page.get_by_text("已从 送名单.xlsx 导入“送”名单：新增 3 人")).to_be_visible()
    expect(page.get_by_role("cell", name="wang@ndrc.example", exact=True)).to_be_visible()

    # 3. The issue goes to the 送 list only; the count is shown before and after choosing.
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.get_by_role("link", name="报送名单（4 人）").click()
    expect(page.locator("#audience-count")).to_have_text("本期将发送给 4 人")
    page.get_by_label("“报”名单").uncheck()
    page.get_by_role("button", name="保存报送范围").click()
    expect(page.get_by_text("已保存本期报送范围：将发送给 3 人")).to_be_visible()
    expect(page.locator("#audience-count")).to_have_text("本期将发送给 3 人")
    expect(page.get_by_role("cell", name="gwy@gov.example", exact=True)).to_have_count(0)
    shoot(page, "desk-audience-390")
    storage = context.storage_state()
    context.close()

    # 4. The signer publishes; each chosen recipient has a delivery, with its status shown.
    signer = login("signer")
    signer.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    signer.get_by_role("button", name="发布", exact=True).click()
    signer.wait_for_load_state()
    assert sorted(Delivery.objects.values_list("address", flat=True)) == [
        "li@miit.example",
        "wang@ndrc.example",
        "zhang@most.example",
    ]
    signer.goto(f"{live_server.url}/desk/deliveries/{issue.pk}/")
    for address in ["li@miit.example", "wang@ndrc.example", "zhang@most.example"]:
        row = signer.get_by_role("row").filter(has_text=address)
        expect(row).to_contain_text(re.compile("待发送|发送中|已发送|发送失败|被退回"))

    # 5. Every page of the desk's distribution passes axe at 390 and 1280 px.
    send = distribution_list("送")
    recipient = send.recipients.first()
    axe_check(
        live_server.url,
        [
            f"/desk/deliveries/{issue.pk}/publishing/",
            "/desk/deliveries/lists/",
            f"/desk/deliveries/lists/{send.pk}/",
            f"/desk/deliveries/recipients/{recipient.pk}/edit/",
            f"/desk/deliveries/{issue.pk}/audience/",
        ],
        context_options={"storage_state": storage},
    )
