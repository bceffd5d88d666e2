"""An alliance on the public site (issue #13): its profile from the registry, and one
public entry per alliance however many registry rows the suspected duplicates make.

The rule: rows that the registry's merge suggestions pair (and no administrator
answered 不是同一联盟), or whose full name the registry records as another
row's name, are one public alliance, under the row the suggestions keep; the
others' pages redirect to it (302: the office may yet tell them apart).  A row
merged for good is gone from the list and its old page moves permanently (301).
"""

import html as htmllib
import re
from datetime import date

import pytest

from jianbao.bulletins.models import Article
from jianbao.core.text import pinyin_key
from jianbao.network.models import MemberUnit, Organisation, OrganisationName, SecretariatContact
from jianbao.network.services import merge_alliances, merge_suggestions, record_distinct
from tests.factories import AllianceFactory, person

pytestmark = pytest.mark.django_db

RESCUE = "应急救援装备产业技术创新战略联盟"
EQUIPMENT = "应急装备产业技术创新战略联盟"


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def listed(html: str) -> list[str]:
    return [
        htmllib.unescape(n) for n in re.findall(r'<li><a href="/alliances/\d+/">([^<]+)</a>', html)
    ]


def facts(html: str) -> dict[str, str]:
    found = re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd></div>", html, re.S)
    return {label: text(value).strip() for label, value in found}


def unit(name: str) -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.UNIT)


# --- the profile ----------------------------------------------------------------------


@pytest.fixture
def powder():
    alliance = AllianceFactory(
        name="粉末冶金产业技术创新战略联盟",
        is_pilot=True,
        is_network_member=True,
        network_member_since=date(2021, 5, 18),
        field="新材料",
        website="https://www.pm-alliance.example.cn/",
    )
    OrganisationName.objects.create(organisation=alliance, name="粉末冶金联盟")
    OrganisationName.objects.create(
        organisation=alliance, name="粉末冶金产业联盟", kind=OrganisationName.Kind.OTHER
    )
    chair = unit("中南大学")
    alliance.chair_unit = chair
    alliance.save()
    MemberUnit.objects.create(alliance=alliance, unit=chair, role=MemberUnit.Role.CHAIR)
    for name in ("钢铁研究总院", "北京科技大学", "安泰科技股份有限公司"):
        MemberUnit.objects.create(
            alliance=alliance, unit=unit(name), role=MemberUnit.Role.VICE_CHAIR
        )
    for name in ("重庆华孚工业股份有限公司", "长沙矿冶研究院", "成都工具研究所"):
        MemberUnit.objects.create(alliance=alliance, unit=unit(name), role=MemberUnit.Role.MEMBER)
    SecretariatContact.objects.create(
        alliance=alliance, name="秘书处王", email="wang.secret@example.cn", phone="010-62345678"
    )
    return alliance


def test_profile_shows_the_registry_particulars(client, powder):
    html = page(client, f"/alliances/{powder.pk}/")
    shown = facts(html)
    assert shown["全称"] == "粉末冶金产业技术创新战略联盟"
    assert shown["又称"] == "粉末冶金产业联盟"
    assert shown["类别"] == "试点联盟 协发网网员（2021年5月18日入网）"
    assert shown["领域"] == "新材料"
    assert shown["理事长单位"] == "中南大学"
    assert "简称：粉末冶金联盟" in text(html)


def test_member_units_are_listed_by_role_in_pinyin_order(client, powder):
    html = page(client, f"/alliances/{powder.pk}/")
    groups = re.findall(r"<h4>([^<]+)</h4>\s*<ul class=\"units\">(.*?)</ul>", html, re.S)
    listed_units = [(label, re.findall(r"<li>([^<]+)</li>", units)) for label, units in groups]
    assert listed_units == [
        # a an < bei < gang; chang (长沙) < cheng < chong (重庆): readings in context.
        ("副理事长单位（3 家）", ["安泰科技股份有限公司", "北京科技大学", "钢铁研究总院"]),
        ("会员单位（3 家）", ["长沙矿冶研究院", "成都工具研究所", "重庆华孚工业股份有限公司"]),
    ]


def test_website_is_a_plain_outward_link(client, powder):
    html = page(client, f"/alliances/{powder.pk}/")
    assert (
        '<a href="https://www.pm-alliance.example.cn/" rel="external nofollow noopener noreferrer">'
        "www.pm-alliance.example.cn</a>" in html
    )


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example", "www.x.cn"]
)
def test_a_website_a_reader_cannot_safely_follow_is_not_shown(client, powder, website):
    # The URL field validates forms, but profile changes are applied as stored.
    Organisation.objects.filter(pk=powder.pk).update(website=website)
    html = page(client, f"/alliances/{powder.pk}/")
    assert "网站" not in facts(html)
    assert website.split(":")[0] not in html.split("<main", 1)[1].split("订阅本联盟")[0]


def test_secretariat_contacts_stay_private(client, powder):
    html = page(client, f"/alliances/{powder.pk}/")
    assert "wang.secret@example.cn" not in html
    assert "010-62345678" not in html
    assert "秘书处王" not in html


def test_an_alliance_known_only_from_bulletin_text_shows_just_its_name(client):
    bare = AllianceFactory(name="海洋材料产业技术创新战略联盟")
    html = page(client, f"/alliances/{bare.pk}/")
    assert facts(html) == {"全称": "海洋材料产业技术创新战略联盟"}
    assert "成员单位" not in html


def test_a_dissolved_alliance_stays_listed_and_says_so(client, powder):
    Organisation.objects.filter(pk=powder.pk).update(status=Organisation.Status.DISSOLVED)
    listing = page(client, "/alliances/")
    assert listed(listing) == ["粉末冶金产业技术创新战略联盟"]
    assert '<span class="badge">已解散</span>' in listing
    assert facts(page(client, f"/alliances/{powder.pk}/"))["状态"] == "已解散"


# --- one public entry per alliance ---------------------------------------------------


@pytest.fixture
def suspected_pair():
    AllianceFactory(name=RESCUE)
    equipment = AllianceFactory(name=EQUIPMENT, field="应急产业")
    OrganisationName.objects.create(organisation=equipment, name="应急装备联盟")
    (suggestion,) = merge_suggestions()
    assert {suggestion.a, suggestion.b} == {RESCUE, EQUIPMENT}
    kept = Organisation.objects.get(name=suggestion.a)
    other = Organisation.objects.get(name=suggestion.b)
    return kept, other


def test_a_suggested_pair_is_listed_once_with_the_other_name(client, suspected_pair):
    kept, other = suspected_pair
    html = page(client, "/alliances/")
    assert listed(html) == [kept.name]
    entry = re.search(r"<li><a href=\"/alliances/\d+/\">.*?</li>", html, re.S)[0]
    assert f"又称：{other.name}" in text(entry)
    assert f'href="/alliances/{other.pk}/"' not in html


def test_the_other_row_redirects_to_the_kept_one(client, suspected_pair):
    kept, other = suspected_pair
    response = client.get(f"/alliances/{other.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/alliances/{kept.pk}/"


def test_the_kept_page_carries_both_rows_names_and_particulars(client, suspected_pair):
    kept, other = suspected_pair
    html = page(client, f"/alliances/{kept.pk}/")
    shown = facts(html)
    assert other.name in shown["又称"]
    # The kept row has no field; the other row's is shown.
    assert shown["领域"] == "应急产业"
    assert "简称：应急装备联盟" in text(html)


def test_an_answered_pair_is_two_alliances(client, suspected_pair):
    kept, other = suspected_pair
    record_distinct(kept, other, by=person("office", "editor"))
    assert listed(page(client, "/alliances/")) == sorted([kept.name, other.name], key=pinyin_key)
    assert client.get(f"/alliances/{other.pk}/").status_code == 200


def test_a_merged_row_is_gone_and_its_old_page_moved_permanently(client, suspected_pair):
    kept, other = suspected_pair
    old_pk = other.pk
    merge_alliances(kept, other, by=person("office", "editor"))
    assert listed(page(client, "/alliances/")) == [kept.name]
    response = client.get(f"/alliances/{old_pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/alliances/{kept.pk}/"
    assert other.name in facts(page(client, f"/alliances/{kept.pk}/"))["又称"]


def test_a_row_merged_twice_over_moves_to_where_it_ended(client):
    first = AllianceFactory(name="甲乙丙产业技术创新战略联盟")
    second = AllianceFactory(name="丁戊己产业技术创新战略联盟")
    third = AllianceFactory(name="庚辛壬产业技术创新战略联盟")
    office = person("office", "editor")
    old_pk = first.pk
    merge_alliances(second, first, by=office)
    merge_alliances(third, second, by=office)
    response = client.get(f"/alliances/{old_pk}/")
    assert (response.status_code, response["Location"]) == (301, f"/alliances/{third.pk}/")


def test_a_number_that_never_was_an_alliance_is_not_found(client):
    assert client.get("/alliances/987654/").status_code == 404


def test_a_full_name_recorded_as_another_rows_name_makes_one_alliance(client):
    kept = AllianceFactory(name="生物质能产业技术创新战略联盟")
    stray = AllianceFactory(name="农林生物质能源产业技术创新战略联盟")
    assert merge_suggestions() == []
    # An office member typed the stray row's name as another name of the kept one.
    OrganisationName.objects.create(
        organisation=kept, name=stray.name, kind=OrganisationName.Kind.OTHER
    )
    assert listed(page(client, "/alliances/")) == [kept.name]
    assert client.get(f"/alliances/{stray.pk}/")["Location"] == f"/alliances/{kept.pk}/"


def test_pairs_join_into_one_alliance(client):
    # 第三代半导体 ~ 第三代半导体照明 and 第三代半导体照明 ~ 第三代半导体照明器件:
    # showing any two of them apart would show one suggested pair as two alliances.
    names = [
        "第三代半导体产业技术创新战略联盟",
        "第三代半导体照明产业技术创新战略联盟",
        "第三代半导体照明器件产业技术创新战略联盟",
    ]
    rows = [AllianceFactory(name=n) for n in names]
    assert len(listed(page(client, "/alliances/"))) == 1
    (kept,) = listed(page(client, "/alliances/"))
    kept_pk = next(r.pk for r in rows if r.name == kept)
    for row in rows:
        if row.pk != kept_pk:
            assert client.get(f"/alliances/{row.pk}/")["Location"] == f"/alliances/{kept_pk}/"


# --- the sample issue: articles follow the alliance -----------------------------------


def test_sample_lists_each_suggested_pair_once(client, imported_issue):
    html = page(client, "/alliances/")
    names = listed(html)
    pairs = merge_suggestions()
    assert len(pairs) == 3
    for suggestion in pairs:
        assert suggestion.a in names and suggestion.b not in names
        assert f"又称：{suggestion.b}" in text(html)
    assert len(names) == Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).count() - 3


def test_kept_page_lists_the_articles_of_both_rows_once(client, imported_issue):
    kept = Organisation.objects.get(name=RESCUE)
    other = Organisation.objects.get(name=EQUIPMENT)
    # The credit names one row and the title the other: one article, counted once.
    assert Article.objects.filter(alliances=kept).filter(alliances=other).exists()
    titles = set(
        Article.objects.filter(alliances__in=[kept, other]).values_list("title", flat=True)
    )
    html = page(client, f"/alliances/{kept.pk}/")
    assert f"相关文章（{len(titles)} 篇）" in html
    for title in titles:
        assert htmllib.escape(title, quote=False) in html


def test_an_article_names_the_public_alliance_once(client, imported_issue):
    kept = Organisation.objects.get(name=RESCUE)
    other = Organisation.objects.get(name=EQUIPMENT)
    article = Article.objects.filter(alliances=other).first()
    html = page(client, f"/articles/{article.pk}/")
    named = re.search(r"<dt>涉及联盟</dt>(.*?)</dd>", html, re.S)[1]
    assert f'href="/alliances/{kept.pk}/"' in named
    assert f'href="/alliances/{other.pk}/"' not in named
    assert named.count(kept.name) == 1


def test_search_results_name_the_public_alliance(client, imported_issue):
    kept = Organisation.objects.get(name=RESCUE)
    other = Organisation.objects.get(name=EQUIPMENT)
    html = page(client, "/search/?q=%E5%BA%94%E6%80%A5")  # 应急
    results = re.search(r'<ol class="results".*?</ol>', html, re.S)[0]
    assert f'href="/alliances/{kept.pk}/"' in results
    assert f'href="/alliances/{other.pk}/"' not in results


def test_a_registry_edit_shows_on_the_cached_alliance_page_at_once(client, fresh_page_cache):
    from jianbao.network.models import Organisation

    alliance = Organisation.objects.create(
        name="增材制造产业技术创新战略联盟", kind=Organisation.Kind.ALLIANCE, field="材料"
    )
    url = f"/alliances/{alliance.pk}/"
    assert "领域" in client.get(url).content.decode()
    alliance.field = "增材制造与先进材料"
    alliance.save()
    assert "增材制造与先进材料" in client.get(url).content.decode()
