"""The signer's week, in a real browser, without the admin or the command line
(issue #13): an issue the reviewer approved, with one section left empty and a
chosen 印发日期, is signed and published after confirmations that say what
happens; its PDF, Word file and public page print no empty section and the
chosen date; the editor copies the WeChat post from the desk, imports the 送 list
from Excel and chooses it for the issue; the mail really goes out, through a
real SMTP server on loopback, and the delivery page shows each recipient's status.

The mail leaves the way it does on the server: publishing queues one delivery
per recipient and the site's background worker (``jianbao worker``) sends them.
"""

import io
import subprocess
from datetime import date
from email.header import decode_header, make_header

import pytest
from docx import Document
from playwright.sync_api import expect

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.models import Issue
from jianbao.bulletins.workflow import Action
from jianbao.distribution.models import Delivery
from jianbao.distribution.services import add_recipient, distribution_list
from tests.browser.test_desk_publishing_browser import READ_CLIPBOARD_HTML, recipients_xlsx
from tests.factories import SeriesFactory, person
from tests.mailservers import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ["工作动态", "经验交流", "联盟风采"]
EMPTY = "经验交流"
NO_ITEMS = "本栏目本期无稿件"
PRINTED_DATE = "2023年4月20日"
NEWS = "粉末冶金联盟发布7项团体标准"
PEOPLE = "化纤联盟举办技术培训"
SEND = ["li@miit.example", "wang@ndrc.example", "zhang@most.example"]
# On the 报 list already, and not chosen for this issue.
NOT_CHOSEN = "gwy@gov.example"


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sink(settings):
    with SmtpSink() as running:
        for name, value in running.email_settings().items():
            setattr(settings, name, value)
        yield running


def approved_issue() -> Issue:
    """2023年第2期, dated 2023-04-20, 经验交流 left empty, submitted and approved."""
    editor = person("editor", "editor", name="杨丹泽")
    reviewer = person("reviewer", "reviewer", name="尚辉良")
    person("signer", "signer", name="李新男")
    series = SeriesFactory(sections=SECTIONS)
    first = editing.create_issue(series, year=2023, number=1, running_number=1, by=editor)
    Issue.objects.filter(pk=first.pk).update(state=Issue.State.PUBLISHED)
    issue = editing.create_issue(
        series,
        year=2023,
        number=2,
        running_number=2,
        by=editor,
        date=date(2023, 4, 20),
    )
    sections = {s.title: s for s in issue.sections.all()}
    editing.add_article(
        issue,
        sections["工作动态"],
        by=editor,
        title=NEWS,
        body="联盟在北京发布《钼铌合金棒材》等7项团体标准。",
        credit="粉末冶金联盟秘书处",
    )
    editing.add_article(
        issue,
        sections["联盟风采"],
        by=editor,
        title=PEOPLE,
        body="化纤联盟在上海举办纺丝技术培训班。",
        credit="化纤联盟秘书处",
    )
    workflow.transition(issue, Action.SUBMIT, by=editor)
    workflow.transition(issue, Action.APPROVE, by=reviewer)
    issue.refresh_from_db()
    assert issue.state == Issue.State.SIGNING
    add_recipient(
        distribution_list("报"),
        organisation="国务院办公厅",
        person="",
        address=NOT_CHOSEN,
        by=editor,
    )
    return issue


def pdf_text(data: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def prints_the_issue_as_chosen(text: str, where: str) -> None:
    assert PRINTED_DATE in text, where
    assert NEWS in text and PEOPLE in text, where
    assert "工作动态" in text and "联盟风采" in text, where
    assert EMPTY not in text, where
    assert NO_ITEMS not in text, where


def test_the_signers_week(live_server, login, sink, cli, tmp_path, shoot):
    issue = approved_issue()
    issue_page = f"{live_server.url}/desk/issues/{issue.pk}/"

    # 1. The signer signs, after a confirmation that says the content freezes.
    signer = login("signer")
    signer.goto(issue_page)
    expect(signer.locator("h1 .state")).to_have_text("待签发")
    signer.get_by_role("button", name="签发", exact=True).click()
    expect(signer.locator("h1 .state")).to_have_text("已签发")
    [asked] = signer.confirmations
    assert asked.endswith("签发后内容将冻结，只能通过勘误修改，确定签发？")
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.SIGNED

    # 2. The editor copies the WeChat post from the desk's publishing page.
    editor = login("editor")
    editor.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    editor.goto(issue_page)
    editor.get_by_role("link", name="发布页").click()
    expect(editor.get_by_role("heading", level=1)).to_contain_text("发布页")
    editor.get_by_role("button", name="复制微信版").click()
    expect(editor.locator("#copy-status")).to_have_text("已复制微信版，可以到公众号编辑器中粘贴。")
    copied = editor.evaluate(READ_CLIPBOARD_HTML)
    assert "2023年第2期" in copied and NEWS in copied and PEOPLE in copied
    assert EMPTY not in copied and NO_ITEMS not in copied
    assert 'style="' in copied  # the inline styles WeChat keeps

    # 3. The editor imports the 送 list from Excel and chooses only it for this issue.
    editor.goto(f"{live_server.url}/desk/deliveries/lists/")
    editor.get_by_role("link", name="管理“送”名单").click()
    editor.get_by_label("名单文件（.xlsx 或 .csv）").set_input_files(
        str(recipients_xlsx(tmp_path / "送名单.xlsx"))
    )
    editor.get_by_role("button", name="导入到“送”名单").click()
    expect(editor.get_by_text("已从 送名单.xlsx 导入“送”名单：新增 3 人")).to_be_visible()
    editor.goto(issue_page)
    editor.get_by_role("link", name="报送名单（4 人）").click()
    expect(editor.locator("#audience-count")).to_have_text("本期将发送给 4 人")
    editor.get_by_label("“报”名单").uncheck()
    editor.get_by_role("button", name="保存报送范围").click()
    expect(editor.get_by_text("已保存本期报送范围：将发送给 3 人")).to_be_visible()
    expect(editor.get_by_role("cell", name=NOT_CHOSEN, exact=True)).to_have_count(0)

    # 4. The signer publishes, after a confirmation that says it goes public and out by mail.
    signer.goto(issue_page)
    signer.get_by_role("button", name="发布", exact=True).click()
    expect(signer.locator("h1 .state")).to_have_text("已发布")
    asked = signer.confirmations[-1]
    assert asked.endswith("发布后本期将在网站公开，并按“报/送”名单发送邮件，确定发布？")
    assert sorted(Delivery.objects.values_list("address", flat=True)) == SEND

    # 5. The background worker sends the queued mail to the SMTP server.
    result = cli("worker", "--batch")
    assert result.status == 0, result.stderr
    # The desk's own notices (whose turn it is) went to its staff through the same server.
    issue_mail = [m for m in sink.messages if set(m.recipients) & set(SEND)]
    others = [r for m in sink.messages if m not in issue_mail for r in m.recipients]
    assert set(others) <= {"editor@example.org", "reviewer@example.org", "signer@example.org"}
    received = sorted(r for m in issue_mail for r in m.recipients)
    assert received == SEND  # one message per recipient, nobody twice, 报 not at all
    assert NOT_CHOSEN not in sink.handler.per_recipient()
    message_ids = {m.message["Message-ID"] for m in issue_mail}
    assert message_ids == set(Delivery.objects.values_list("message_id", flat=True))
    subjects = {str(make_header(decode_header(m.message["Subject"]))) for m in issue_mail}
    assert len(subjects) == 1 and "2023年第2期" in subjects.pop()

    # 6. The delivery page shows each recipient's status.
    editor.goto(issue_page)
    editor.get_by_role("link", name="分发情况").click()
    expect(editor.get_by_text("已发送 3 / 3")).to_be_visible()
    table = editor.get_by_role("region", name="全部收件人（表格）")
    for address in SEND:
        row = table.get_by_role("row").filter(has_text=address)
        expect(row.locator(".state")).to_have_text("已发送")
    expect(table.get_by_role("row").filter(has_text=NOT_CHOSEN)).to_have_count(0)
    shoot(editor, "signer-week-deliveries")

    # 7. The public page, the PDF and the Word file: no empty section, the chosen date.
    reader = signer
    reader.goto(f"{live_server.url}/issues/2023-2/")
    expect(reader.get_by_role("heading", name=NEWS)).to_be_visible()
    prints_the_issue_as_chosen(reader.locator("main").inner_text(), "公开页面")
    pdf = reader.request.get(f"{live_server.url}/issues/2023-2.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    prints_the_issue_as_chosen(pdf_text(pdf.body()), "PDF")
    word = reader.request.get(f"{live_server.url}/issues/2023-2.docx")
    assert word.ok
    prints_the_issue_as_chosen(docx_text(word.body()), "Word")
