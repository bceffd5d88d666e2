"""报/送 lists in the desk: add, edit, deactivate, import from Excel and CSV; per-issue choice."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from jianbao.core.models import HistoryEvent
from jianbao.distribution import services
from jianbao.distribution.models import Delivery, Recipient
from jianbao.distribution.services import distribution_list
from tests.factories import AllianceFactory, person

pytestmark = pytest.mark.django_db


def xlsx(rows, *, formula_at=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formula_at:
        sheet[formula_at] = '=CONCAT("a","@b.org")'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = [
    ["单位", "姓名", "邮箱"],
    ["科技部创新发展司", "张三", "Zhang@most.example"],
    ["工业和信息化部", "李四", "li@miit.example"],
]


@pytest.fixture
def editor():
    return person("bianji", "editor", name="杨编辑")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# --- Services ------------------------------------------------------------------------


def test_adding_a_recipient_records_who_added_whom(editor):
    report = distribution_list("报")
    recipient = services.add_recipient(
        report, organisation="科技部", person="张三", address=" Zhang@Most.example ", by=editor
    )
    assert (recipient.address, recipient.is_active) == ("zhang@most.example", True)
    event = HistoryEvent.objects.get(action="distribution.recipient.add")
    assert event.actor_name == "杨编辑"
    assert event.data["address"] == "zhang@most.example"


def test_an_address_already_on_the_list_is_refused_beside_the_address(editor):
    report = distribution_list("报")
    services.add_recipient(report, organisation="科技部", person="", address="a@b.org", by=editor)
    with pytest.raises(services.RecipientRefused) as refused:
        services.add_recipient(report, organisation="别处", person="", address="A@b.org", by=editor)
    assert refused.value.problems == {"address": "a@b.org 已在“报”名单中"}


def test_a_typed_value_gets_the_importers_checks(editor):
    with pytest.raises(services.RecipientRefused) as refused:
        services.add_recipient(
            distribution_list("送"),
            organisation="=HYPERLINK(1)",
            person="李\n四",
            address="not-an-address",
            by=editor,
        )
    assert set(refused.value.problems) == {"organisation", "person", "address"}
    assert "公式" in refused.value.problems["organisation"]
    assert "换行符" in refused.value.problems["person"]
    assert Recipient.objects.count() == 0


def test_editing_a_recipient_records_before_and_after(editor):
    recipient = services.add_recipient(
        distribution_list("送"), organisation="甲", person="", address="a@b.org", by=editor
    )
    changed = services.edit_recipient(
        recipient, organisation="甲单位", person="王五", address="a@b.org", by=editor
    )
    assert changed == ["organisation", "person"]
    event = HistoryEvent.objects.get(action="distribution.recipient.edit")
    assert event.data["before"]["organisation"] == "甲"
    assert event.data["after"]["person"] == "王五"


def test_deactivating_keeps_the_recipient_and_its_deliveries(editor, imported_issue):
    recipient = services.add_recipient(
        distribution_list("送"), organisation="甲", person="", address="a@b.org", by=editor
    )
    services.queue_deliveries(imported_issue)
    assert services.set_recipient_active(recipient, active=False, by=editor)
    assert not services.set_recipient_active(recipient, active=False, by=editor)
    recipient.refresh_from_db()
    assert recipient.is_active is False
    assert Delivery.objects.get(address="a@b.org").recipient == recipient
    assert HistoryEvent.objects.filter(action="distribution.recipient.deactivate").count() == 1


# --- Import --------------------------------------------------------------------------


def test_an_excel_file_is_imported_like_the_csv(editor):
    result = services.import_recipients(xlsx(GOOD), kind="报", path="名单.xlsx", by=editor)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert set(Recipient.objects.values_list("address", flat=True)) == {
        "zhang@most.example",
        "li@miit.example",
    }
    assert HistoryEvent.objects.get(action="distribution.recipients.import").data["rows"] == 2


def test_excel_rows_with_errors_are_named_by_row_and_column_and_nothing_is_imported(editor):
    rows = [
        *GOOD,
        ["某联盟", "王五", "not-an-address"],
        ["", "赵六", "zhao@example.org"],
        ["甲", "@钱七", "qian@example.org"],
        ["乙", "孙八", "placeholder@example.org"],
    ]
    with pytest.raises(services.RecipientsRefused) as refused:
        services.import_recipients(
            xlsx(rows, formula_at="C7"), kind="送", path="名单.xlsx", by=editor
        )
    assert refused.value.problems == [
        "第4行：邮箱“not-an-address”格式不对",
        "第5行：单位为空",
        "第6行 姓名以“@”开头，会被电子表格当作公式，请去掉开头的符号",
        '第7行 邮箱是公式（=CONCAT("a","@b.org")），请改为文字',
    ]
    assert Recipient.objects.count() == 0


def test_an_excel_file_without_the_columns_is_refused(editor):
    with pytest.raises(services.RecipientsRefused) as refused:
        services.import_recipients(
            xlsx([["name", "email"], ["a", "b@c.d"]]), kind="报", path="x.xlsx", by=editor
        )
    assert refused.value.problems == ["第1行：缺少列 单位、姓名、邮箱（应为 单位,姓名,邮箱）"]


def test_a_broken_excel_file_is_refused_in_one_line(editor):
    with pytest.raises(services.RecipientsRefused) as refused:
        services.import_recipients(b"PK\x03\x04broken", kind="报", path="x.xlsx", by=editor)
    assert refused.value.problems[0].startswith("不是可读的 Excel（.xlsx）文件")


# --- Views ---------------------------------------------------------------------------


def test_the_lists_page_shows_each_list_with_its_count(editor_client, editor):
    services.add_recipient(
        distribution_list("报"), organisation="甲", person="", address="a@b.org", by=editor
    )
    page = editor_client.get(reverse("distribution:lists")).content.decode()
    assert "“报”名单" in page and "“送”名单" in page
    assert "<td>1 人</td>" in page


def test_the_desk_adds_a_recipient_and_says_so(editor_client):
    report = distribution_list("报")
    response = editor_client.post(
        reverse("distribution:recipient_add", args=[report.pk]),
        {"organisation": "科技部", "person": "张三", "address": "zhang@most.example"},
        follow=True,
    )
    assert "已在“报”名单中添加 科技部 张三 &lt;zhang@most.example&gt;" in response.content.decode()
    assert Recipient.objects.get().distribution_list == report


def test_a_refused_recipient_is_explained_beside_the_field(editor_client):
    report = distribution_list("报")
    response = editor_client.post(
        reverse("distribution:recipient_add", args=[report.pk]),
        {"organisation": "科技部", "person": "", "address": "nope"},
    )
    page = response.content.decode()
    assert 'id="add_address_errors"' in page and "邮箱“nope”格式不对" in page
    assert Recipient.objects.count() == 0


def test_the_desk_imports_an_excel_file(editor_client):
    send = distribution_list("送")
    upload = SimpleUploadedFile("名单.xlsx", xlsx(GOOD))
    response = editor_client.post(
        reverse("distribution:recipients_import", args=[send.pk]), {"file": upload}, follow=True
    )
    page = response.content.decode()
    assert "已从 名单.xlsx 导入“送”名单：新增 2 人" in page
    assert "zhang@most.example" in page


def test_a_csv_with_errors_lists_each_row_and_imports_nothing(editor_client):
    send = distribution_list("送")
    data = "单位,姓名,邮箱\n甲,张三,a@b.org\n乙,李四,bad\n".encode()
    response = editor_client.post(
        reverse("distribution:recipients_import", args=[send.pk]),
        {"file": SimpleUploadedFile("名单.csv", data)},
    )
    page = response.content.decode()
    assert "名单.csv：有 1 处错误，未导入任何收件人" in page
    assert "第3行：邮箱“bad”格式不对" in page
    assert Recipient.objects.count() == 0


def test_another_kind_of_file_is_refused_beside_the_field(editor_client):
    send = distribution_list("送")
    response = editor_client.post(
        reverse("distribution:recipients_import", args=[send.pk]),
        {"file": SimpleUploadedFile("名单.txt", b"x")},
    )
    assert "只能导入 .xlsx 或 .csv 文件" in response.content.decode()


def test_the_desk_edits_and_deactivates_a_recipient(editor_client, editor):
    recipient = services.add_recipient(
        distribution_list("送"), organisation="甲", person="", address="a@b.org", by=editor
    )
    response = editor_client.post(
        reverse("distribution:recipient_edit", args=[recipient.pk]),
        {"organisation": "甲单位", "person": "王五", "address": "a@b.org"},
        follow=True,
    )
    assert "已修改收件人 甲单位 王五" in response.content.decode()
    response = editor_client.post(
        reverse("distribution:recipient_deactivate", args=[recipient.pk]), follow=True
    )
    page = response.content.decode()
    assert "已停用 甲单位 王五" in page and "恢复接收" in page
    recipient.refresh_from_db()
    assert recipient.is_active is False


def test_reviewers_and_submitters_do_not_manage_lists(client):
    for user in [
        person("shenhe", "reviewer"),
        person("mishu", "submitter", alliance=AllianceFactory()),
    ]:
        client.force_login(user)
        assert client.get(reverse("distribution:lists")).status_code == 403


# --- Per issue: which lists and recipients ------------------------------------------


@pytest.fixture
def both_lists(editor):
    report, send = distribution_list("报"), distribution_list("送")
    people = {}
    for kind, target, names in [("报", report, "ab"), ("送", send, "cde")]:
        for name in names:
            people[name] = services.add_recipient(
                target,
                organisation=f"{kind}单位{name}",
                person="",
                address=f"{name}@x.org",
                by=editor,
            )
    return report, send, people


def test_without_a_choice_every_list_receives_the_issue(imported_issue, both_lists):
    from jianbao.distribution.selectors import audience

    chosen = audience(imported_issue)
    assert (chosen.chosen, chosen.count, chosen.list_kinds) == (False, 5, ["报", "送"])


def test_the_chosen_lists_and_extra_recipients_are_counted_before_sending(
    imported_issue, both_lists, editor
):
    report, _send, people = both_lists
    services.set_recipient_active(people["b"], active=False, by=editor)
    chosen = services.choose_audience(
        imported_issue, lists=[report], extra_recipients=[people["d"]], by=editor
    )
    assert chosen.count == 2
    assert [r.address for r in chosen.recipients] == ["a@x.org", "d@x.org"]
    event = HistoryEvent.objects.get(action="distribution.audience.choose")
    assert event.comment == "本期发送给“报”及另外 1 人，共 2 人"


def test_the_send_respects_the_choice(imported_issue, both_lists, editor):
    report, _send, people = both_lists
    services.choose_audience(
        imported_issue, lists=[report], extra_recipients=[people["e"]], by=editor
    )
    assert services.queue_deliveries(imported_issue) == 3
    assert dict(Delivery.objects.values_list("address", "list_kind")) == {
        "a@x.org": "报",
        "b@x.org": "报",
        "e@x.org": "送",
    }


def test_publishing_sends_to_the_chosen_lists_only(
    imported_issue, both_lists, editor, django_capture_on_commit_callbacks
):
    from jianbao.bulletins.models import Issue
    from jianbao.bulletins.workflow import Action, transition

    _report, send, _people = both_lists
    services.choose_audience(imported_issue, lists=[send], extra_recipients=[], by=editor)
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.SIGNED)
    imported_issue.refresh_from_db()
    with django_capture_on_commit_callbacks():
        transition(imported_issue, Action.PUBLISH, by=person("qianfa", "signer"))
    assert sorted(Delivery.objects.values_list("address", flat=True)) == [
        "c@x.org",
        "d@x.org",
        "e@x.org",
    ]


def test_widening_the_choice_after_publishing_queues_only_the_added_people(
    imported_issue, both_lists, editor
):
    report, send, _people = both_lists
    services.choose_audience(imported_issue, lists=[report], extra_recipients=[], by=editor)
    assert services.queue_deliveries(imported_issue) == 2
    services.choose_audience(imported_issue, lists=[report, send], extra_recipients=[], by=editor)
    assert services.queue_missing(imported_issue, by=editor) == 3
    assert Delivery.objects.count() == 5


def test_the_audience_page_shows_the_count_and_saves_the_choice(
    editor_client, imported_issue, both_lists
):
    _report, send, people = both_lists
    url = reverse("distribution:audience", args=[imported_issue.pk])
    page = editor_client.get(url).content.decode()
    assert "本期将发送给 5 人" in page and "默认发给全部名单" in page
    response = editor_client.post(
        url, {"lists": [send.pk], "extra_recipients": [people["a"].pk]}, follow=True
    )
    page = response.content.decode()
    assert "已保存本期报送范围：将发送给 4 人" in page
    assert "本期将发送给 4 人" in page and "4 人尚未排队" in page
    table = page.split('id="who-title"', 1)[1]
    assert "a@x.org" in table and "b@x.org" not in table


def test_an_empty_choice_warns_that_nobody_will_receive_the_issue(
    editor_client, imported_issue, both_lists
):
    url = reverse("distribution:audience", args=[imported_issue.pk])
    page = editor_client.post(url, {}, follow=True).content.decode()
    assert "目前没有任何收件人，发布后不会发出邮件" in page
    assert "没有选择任何名单或收件人" in page


def test_the_issue_page_links_the_audience_with_its_count(
    editor_client, imported_issue, both_lists
):
    page = editor_client.get(reverse("desk:issue", args=[imported_issue.pk])).content.decode()
    assert "报送名单（5 人）" in page


def test_an_excel_file_that_would_unpack_huge_is_refused_unread(editor):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (60 * 1024 * 1024) + b"</sst>")
    with pytest.raises(services.RecipientsRefused) as refused:
        services.import_recipients(buffer.getvalue(), kind="报", path="炸弹.xlsx", by=editor)
    assert refused.value.problems == ["文件解压后过大，疑似压缩炸弹，未导入"]
    assert Recipient.objects.count() == 0


def test_the_command_line_imports_an_excel_file_too(cli, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(GOOD))
    result = cli("recipients", "import", str(path), "--list", "报")
    assert result.status == 0, result.stderr
    assert "新增 2 人" in result.stdout
