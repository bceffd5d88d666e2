"""Series settings in the desk: proper forms for what the admin kept as raw JSON."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from jianbao.bulletins import series_settings
from jianbao.bulletins.editing import create_issue, next_numbers
from jianbao.bulletins.models import Series
from jianbao.core.history import history_of
from tests.factories import SeriesFactory, person
from tests.matrix_fixtures import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return SeriesFactory(sections=["工作动态", "经验交流", "联盟风采"])


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(person("office-admin", "admin", name="管理员甲"))
    return client


def _page(client, series):
    return reverse("desk:series_edit", args=[series.pk])


def _posted(client, series, **changes):
    url = _page(client, series)
    data = form_data(client.get(url).content.decode(), having="title")
    data.update(changes)
    return client.post(url, data)


def test_the_settings_page_shows_each_setting_as_fields_not_json(series, admin_client):
    page = admin_client.get(_page(admin_client, series)).content.decode()
    assert 'name="title" value="产业技术创新战略联盟试点工作"' in page
    assert 'value="工作动态"' in page and 'value="联盟风采"' in page
    assert "科技部</textarea>" in page
    assert '["' not in page and '{"' not in page  # no JSON anywhere


def test_the_series_list_links_each_series_settings(series, admin_client):
    page = admin_client.get(reverse("desk:series")).content.decode()
    assert f'href="{_page(admin_client, series)}"' in page


def test_saving_the_title_lines_records_the_changed_fields(series, admin_client):
    response = _posted(admin_client, series, title="产业技术创新战略联盟工作", office="联络组")
    assert response.status_code == 302
    series.refresh_from_db()
    assert (series.title, series.office) == ("产业技术创新战略联盟工作", "联络组")
    row = history_of(series).get(action="bulletins.series.update")
    assert row.actor_name == "管理员甲"
    assert row.data["fields"] == ["title", "office"]
    assert row.data["before"]["title"] == "产业技术创新战略联盟试点工作"
    assert row.data["after"]["office"] == "联络组"
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("简报名称、编发单位" in m for m in messages)


def test_saving_nothing_changed_writes_no_history(series, admin_client):
    _posted(admin_client, series)
    assert not history_of(series).exists()


def test_sections_are_renamed_reordered_removed_and_added(series, admin_client):
    _posted(
        admin_client,
        series,
        **{
            "sec-0-title": "工作动态与通知",  # renamed
            "sec-0-ORDER": "3",
            "sec-1-ORDER": "1",
            "sec-2-DELETE": "on",  # 联盟风采 removed
            "sec-3-title": "地方经验",  # added
            "sec-3-ORDER": "2",
        },
    )
    assert series_settings.section_titles(series) == ["经验交流", "地方经验", "工作动态与通知"]
    row = history_of(series).get()
    assert row.data["fields"] == ["sections"]
    assert row.data["before"]["sections"] == ["工作动态", "经验交流", "联盟风采"]


def test_a_new_issue_takes_the_new_sections_lists_and_contacts(series, admin_client):
    _posted(
        admin_client,
        series,
        **{
            "sec-3-title": "地方经验",
            "sec-3-ORDER": "9",
            "dist-0-names": "科技部\n财政部",
            "dist-2-list_name": "抄送",
            "dist-2-names": "各联盟秘书处",
            "contact-0-label": "电话",
            "contact-0-value": "010-12345678",
            "contact-0-line": "1",
        },
    )
    series.refresh_from_db()
    assert series.default_distribution == {
        "报": ["科技部", "财政部"],
        "送": ["各试点产业技术创新战略联盟"],
        "抄送": ["各联盟秘书处"],
    }
    assert series.contacts == [
        {"label": "电话", "value": "010-12345678", "kind": "phone", "line": 1}
    ]
    editor = person("ed", "editor")
    number, running = next_numbers(series, 2023)
    issue = create_issue(series, by=editor, year=2023, number=number, running_number=running)
    assert list(issue.sections.values_list("title", flat=True))[-1] == "地方经验"
    assert issue.distribution["报"] == ["科技部", "财政部"]
    assert issue.contacts[0]["value"] == "010-12345678"


def test_a_list_removed_by_its_box_is_gone(series, admin_client):
    _posted(admin_client, series, **{"dist-1-DELETE": "on"})
    series.refresh_from_db()
    assert series.default_distribution == {"报": ["科技部"]}


def test_a_duplicate_section_is_refused_beside_the_sections_and_nothing_saved(series, admin_client):
    response = _posted(admin_client, series, **{"sec-3-title": "工作动态", "sec-3-ORDER": "4"})
    assert response.status_code == 200
    assert "栏目“工作动态”重复" in response.content.decode()
    assert series_settings.section_titles(series) == ["工作动态", "经验交流", "联盟风采"]
    assert not history_of(series).exists()


def test_an_empty_title_is_refused_beside_the_field(series, admin_client):
    response = _posted(admin_client, series, title="")
    assert response.status_code == 200
    assert 'id="id_title"' in response.content.decode()
    assert Series.objects.get(pk=series.pk).title == "产业技术创新战略联盟试点工作"


def test_the_save_asks_first(series, admin_client):
    page = admin_client.get(_page(admin_client, series)).content.decode()
    # What holds for every issue at once, and what only for new ones (issue_to_bulletin
    # reads the masthead from the series; sections, lists and contacts are copied).
    assert (
        'data-confirm="保存后，固定栏目、报送范围和联系方式由此后新建的各期采用；'
        "简报名称、刊名、编发单位以及审核、审校、PDF 设置对各期（含已发布的）立即生效。"
        '确定保存？"'
    ) in page


def test_the_saved_message_says_which_changes_hold_at_once(series, admin_client):
    response = _posted(admin_client, series, title="产业技术创新战略联盟工作")
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == [
        "已保存“产业技术创新战略联盟工作简报”的设置：修改了简报名称；对各期立即生效"
    ]


def test_an_editor_cannot_change_the_settings(series):
    with pytest.raises(PermissionDenied):
        series_settings.update_series(
            series,
            by=person("ed", "editor"),
            title="x",
            name="简报",
            office="",
            separate_review_and_sign=True,
            sections=["一"],
            default_distribution={},
            contacts=[],
        )


def test_the_separation_rule_can_be_switched_off(series, admin_client):
    data = form_data(admin_client.get(_page(admin_client, series)).content.decode(), having="title")
    data.pop("separate_review_and_sign", None)
    admin_client.post(_page(admin_client, series), data)
    series.refresh_from_db()
    assert series.separate_review_and_sign is False
    assert history_of(series).get().data["after"] == {"separate_review_and_sign": False}


def test_saving_an_imported_series_unchanged_keeps_its_closing_block_lines_apart(
    imported_issue, admin_client
):
    # The importer counts the 版记's lines from 0: 联络组地址 and its 电话 on line 0,
    # 编辑部地址 alone on line 1. The form counts from 1.
    series = imported_issue.series
    assert [c["line"] for c in series.contacts[:3]] == [0, 0, 1]
    page = admin_client.get(_page(admin_client, series)).content.decode()
    data = form_data(page, having="title")
    assert (data["contact-0-line"], data["contact-1-line"], data["contact-2-line"]) == (
        ["1"],
        ["1"],
        ["2"],
    )
    response = admin_client.post(_page(admin_client, series), data)
    assert response.status_code == 302
    assert not history_of(series).exists()
    series.refresh_from_db()
    assert [c["line"] for c in series.contacts[:3]] == [0, 0, 1]


def test_a_changed_contact_keeps_the_closing_block_lines_apart(imported_issue, admin_client):
    series = imported_issue.series
    _posted(admin_client, series, **{"contact-3-value": "010-65987500"})
    series.refresh_from_db()
    lines = [(c["label"], c["line"]) for c in series.contacts[:4]]
    assert lines == [("联络组地址", 1), ("电话", 1), ("编辑部地址", 2), ("电话", 3)]
    assert series.contacts[3]["value"] == "010-65987500"
    assert history_of(series).get().data["fields"] == ["contacts"]
