"""The public site as a reader finds it (issue #13): alliances in pinyin order,
previous/next issue, the year index, the 投稿/登录 and 公示 entries, the credit
line printed once, and 勘误 notes that name the article they concern."""

import html as htmllib
import re

import pytest
from django.urls import reverse

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.services import store_bulletin
from jianbao.core.text import pinyin_key
from jianbao.network.models import Organisation
from jianbao.publishing.ingest.text import parse_bulletin_text
from tests.factories import person

pytestmark = pytest.mark.django_db

OTHER_TITLE = "国家技术创新中心建设工作"

# The 25 alliances of samples/2023-01.md, in pinyin order, worked out by hand:
# di < dian; hua hui < hua xian; jian kang < jian zhu; kuai dui chan ye hua < … ji;
# shu < shui; wapi < wei; ying ji jiu < ying ji zhuang; zhi < zhong.
ALLIANCES_IN_PINYIN_ORDER = [
    "第三代半导体产业技术创新战略联盟",
    "第三代半导体照明产业技术创新战略联盟",
    "电动汽车电驱动系统产业技术创新战略联盟",
    "粉末冶金产业技术创新战略联盟",
    "海洋材料产业技术创新战略联盟",
    "花卉产业技术创新战略联盟",
    "化纤产业技术创新战略联盟",
    "健康建筑产业技术创新战略联盟",
    "建筑信息模型（BIM）产业技术创新战略联盟",
    "快堆产业化技术创新战略联盟",
    "快堆产业技术创新战略联盟",
    "临床试验产业技术创新战略联盟",
    "纳米科技产业技术创新战略联盟",
    "肉类加工产业技术创新战略联盟",
    "数控机床产业技术创新战略联盟",
    "水环境资源产业技术创新战略联盟",
    "太阳能光热产业技术创新战略联盟",
    "WAPI产业技术创新战略联盟",
    "微生物种业产业技术创新战略联盟",
    "现代农业与食品前沿产业技术创新战略联盟",
    "应急救援装备产业技术创新战略联盟",
    "应急装备产业技术创新战略联盟",
    "再生资源产业技术创新战略联盟",
    "制鞋产业技术创新战略联盟",
    "肿瘤微创治疗产业技术创新战略联盟",
]


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


def renumbered(text: str, year: int, number: int, running: int, date: str) -> str:
    return text.replace(
        "2023年第1期（总第66期）", f"{year}年第{number}期（总第{running}期）"
    ).replace("2023年3月20日", date)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def visible_text(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def linked_names(html: str, pattern: str) -> list[str]:
    return [htmllib.unescape(name) for name in re.findall(pattern, html)]


# --- alliances in pinyin order ------------------------------------------------


def test_pinyin_key_places_latin_names_among_the_pinyin():
    names = ["健康", "WAPI", "临床", "阿里", "xyz", "网络", "微生物"]
    assert sorted(names, key=pinyin_key) == [
        "阿里",
        "健康",
        "临床",
        "网络",
        "WAPI",
        "微生物",
        "xyz",
    ]
    # Readings in context: 重庆 is chong qing, before 成都 (cheng < chong).
    assert sorted(["重庆", "成都", "长沙"], key=pinyin_key) == ["长沙", "成都", "重庆"]
    # Full-width letters and punctuation do not move a name.
    assert pinyin_key("ＢＩＭ联盟")[0] == pinyin_key("BIM·联盟")[0] == ("bim", "lian", "meng")


# Suspected duplicates are listed once, under the name kept (test_public_alliances.py).
SHOWN_ELSEWHERE = {
    "第三代半导体照明产业技术创新战略联盟",
    "快堆产业化技术创新战略联盟",
    "应急装备产业技术创新战略联盟",
}


def test_alliance_list_is_in_pinyin_order(client, imported_issue):
    html = page(client, "/alliances/")
    names = linked_names(html, r'<li><a href="/alliances/\d+/">([^<]+)</a>')
    assert names == [n for n in ALLIANCES_IN_PINYIN_ORDER if n not in SHOWN_ELSEWHERE]
    assert "按名称拼音排列" in html


def test_search_form_offers_alliances_in_pinyin_order(client, imported_issue):
    html = page(client, "/search/")
    select = re.search(r'<select name="alliance"[^>]*>(.*?)</select>', html, re.S).group(1)
    names = linked_names(select, r'<option value="\d+"[^>]*>([^<]+)</option>')
    # One choice per public alliance, as the list shows them (test_archive_duplicates.py).
    assert names == [n for n in ALLIANCES_IN_PINYIN_ORDER if n not in SHOWN_ELSEWHERE]


def test_an_article_lists_its_alliances_in_pinyin_order(client, imported_issue):
    article = Article.objects.get(title="5家联盟正式成为产业技术创新战略联盟协同发展网网员")
    html = page(client, f"/articles/{article.pk}/")
    facts = re.search(r"<dt>涉及联盟</dt>(.*?)</dd>", html, re.S).group(1)
    assert linked_names(facts, r'<a href="/alliances/\d+/">([^<]+)</a>') == [
        "健康建筑产业技术创新战略联盟",
        "临床试验产业技术创新战略联盟",
        "纳米科技产业技术创新战略联盟",
        "微生物种业产业技术创新战略联盟",
        "现代农业与食品前沿产业技术创新战略联盟",
    ]


def test_search_results_name_alliances_in_pinyin_order(client, imported_issue):
    html = page(client, "/search/?q=%E7%BD%91%E5%91%98")  # 网员
    hit = next(li for li in re.findall(r"<li.*?</li>", html, re.S) if "5家联盟正式成为" in li)
    assert linked_names(hit, r'<a href="/alliances/\d+/">([^<]+)</a>')[:2] == [
        "健康建筑产业技术创新战略联盟",
        "临床试验产业技术创新战略联盟",
    ]


def test_office_registry_lists_alliances_in_pinyin_order(client, imported_issue):
    client.force_login(person("office", "editor"))
    html = page(client, reverse("network:registry"))
    names = linked_names(html, r'<td><a href="/network/alliances/\d+/">([^<]+)</a></td>')
    assert names == ALLIANCES_IN_PINYIN_ORDER


# --- previous / next issue and the year index -----------------------------------


@pytest.fixture
def run_of_issues(imported_issue, fixture_text):
    """2022年第6期, 2023年第1期 (the sample), 2023年第2期 and 2023年第3期 of one series,
    stored out of order (第3期 before 第2期), and a 2023年第4期 still being edited."""
    stored = {"2023-1": imported_issue}
    for year, number, running, date in [
        (2023, 3, 68, "2023年5月20日"),
        (2023, 2, 67, "2023年4月20日"),
        (2022, 6, 60, "2022年9月20日"),
        (2023, 4, 69, "2023年6月20日"),
    ]:
        text = renumbered(fixture_text, year, number, running, date)
        result = store_bulletin(parse_bulletin_text(text), source_name=f"{year}-{number}.md")
        stored[f"{year}-{number}"] = result.issue
    Issue.objects.filter(pk=stored["2023-4"].pk).update(state=Issue.State.EDITING)
    return stored


def neighbour_links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="issue-nav" aria-label="前后各期">(.*?)</nav>', html, re.S)
    if nav is None:
        return {}
    return dict(
        (rel, href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', nav[1])
    )


def test_issue_page_links_the_issues_before_and_after_it(client, run_of_issues):
    html = page(client, "/issues/2023-1/")
    assert neighbour_links(html) == {"prev": "/issues/2022-6/", "next": "/issues/2023-2/"}
    assert "上一期：2022年第6期（总第60期）" in visible_text(html)
    assert "下一期：2023年第2期（总第67期）" in visible_text(html)
    assert '<link rel="prev" href="/issues/2022-6/">' in html
    assert '<link rel="next" href="/issues/2023-2/">' in html


def test_first_and_last_public_issues_have_one_neighbour(client, run_of_issues):
    assert neighbour_links(page(client, "/issues/2022-6/")) == {"next": "/issues/2023-1/"}
    # 2023年第4期 is still being edited: 第3期 is the last public one.
    assert neighbour_links(page(client, "/issues/2023-3/")) == {"prev": "/issues/2023-2/"}


def test_a_lone_issue_has_no_neighbour_links(client, imported_issue):
    html = page(client, "/issues/2023-1/")
    assert neighbour_links(html) == {}
    assert "issue-nav" not in html


def test_neighbours_stay_within_the_series_and_name_it(client, run_of_issues, fixture_text):
    other_text = fixture_text.replace("# 产业技术创新战略联盟试点工作", f"# {OTHER_TITLE}")
    other = store_bulletin(parse_bulletin_text(other_text), source_name="other.md").issue
    slug = run_of_issues["2023-1"].series.slug
    html = page(client, f"/issues/{slug}/2023-1/")
    assert neighbour_links(html) == {
        "prev": f"/issues/{slug}/2022-6/",
        "next": f"/issues/{slug}/2023-2/",
    }
    # The other series' only issue has no neighbour, though the first series has 2023年第2期.
    assert neighbour_links(page(client, f"/issues/{other.series.slug}/2023-1/")) == {}


def test_issue_list_groups_by_year_with_a_jump_list(client, run_of_issues):
    html = page(client, "/")
    jump = re.search(r'<nav class="years" aria-label="年份">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'<a href="#(y\d+)">(\d+)年</a>', jump) == [
        ("y2023", "2023"),
        ("y2022", "2022"),
    ]
    sections = dict(re.findall(r'<h2 id="y(\d+)">\d+年</h2>(.*?)</section>', html, re.S))
    assert re.findall(r"(\d{4}年第\d+期)", visible_text(sections["2023"])) == [
        "2023年第3期",
        "2023年第2期",
        "2023年第1期",
    ]
    assert re.findall(r"(\d{4}年第\d+期)", visible_text(sections["2022"])) == ["2022年第6期"]


# --- header: 投稿/登录 and 公示 ------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/issues/2023-1/", "/alliances/", "/search/", "/sections/"])
def test_every_public_page_offers_submission_login_and_notices(client, imported_issue, url):
    html = page(client, url)
    header = re.search(r'<header class="site">(.*?)</header>', html, re.S).group(1)
    assert '<a class="submit" href="/submit/new/">投稿</a>' in header
    assert '<a href="/accounts/login/">登录</a>' in header
    assert '<a href="/network/notices/">公示</a>' in header


def test_header_entries_lead_somewhere(client, imported_issue):
    # 投稿 asks a visitor to log in first, and comes back to the form afterwards.
    response = client.get("/submit/new/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/submit/new/"
    assert "登录" in page(client, "/accounts/login/")
    notices = page(client, "/network/notices/")
    assert '<a href="/network/notices/">公示</a>' in notices  # the same header there


# --- the credit line ----------------------------------------------------------------


def test_article_page_prints_the_credit_once_as_the_bulletin_does(client, imported_issue):
    article = Article.objects.get(title="粉末冶金联盟发布7项团体标准")
    assert article.credit == "粉末冶金产业技术创新战略联盟秘书处供稿"
    text = visible_text(page(client, f"/articles/{article.pk}/"))
    assert "（粉末冶金产业技术创新战略联盟秘书处供稿）" in text
    assert text.count("供稿") == 1
    assert "供稿：" not in text


# --- 勘误 notes name their article -----------------------------------------------


def correction_items(html: str) -> list[str]:
    aside = re.search(r'<aside class="corrections".*?</aside>', html, re.S)
    assert aside, "no 勘误说明 on the page"
    return [visible_text(li) for li in re.findall(r"<li>(.*?)</li>", aside[0], re.S)]


def test_correction_notes_name_the_article_each_one_changed(client, imported_issue):
    editor = person("ed", "editor", name="杨丹泽")
    powder = Article.objects.get(title="粉末冶金联盟发布7项团体标准")
    shoes = Article.objects.get(title__startswith="制鞋联盟主办首届")
    editing.correct_article(
        powder,
        by=editor,
        title=powder.title,
        body=editing.body_text(powder).replace("7项", "七项", 1),
        credit=powder.credit,
        note="更正正文中的数字写法",
    )
    editing.correct_article(
        shoes,
        by=editor,
        title="制鞋联盟主办首届中国运动鞋设计大赛颁奖典礼",
        body=editing.body_text(shoes),
        credit=shoes.credit,
        note="标题去掉奖项名称",
    )
    html = page(client, "/issues/2023-1/")
    items = correction_items(html)
    assert len(items) == 2
    assert items[0].endswith("更正《粉末冶金联盟发布7项团体标准》：更正正文中的数字写法")
    # The second names the article by the title it has now.
    assert items[1].endswith("更正《制鞋联盟主办首届中国运动鞋设计大赛颁奖典礼》：标题去掉奖项名称")
    aside = re.search(r'<aside class="corrections".*?</aside>', html, re.S)[0]
    assert f'href="/articles/{powder.pk}/"' in aside
    assert f'href="/articles/{shoes.pk}/"' in aside

    # Each article's own page carries only its own correction.
    powder_items = correction_items(page(client, f"/articles/{powder.pk}/"))
    assert len(powder_items) == 1 and powder_items[0].endswith("：更正正文中的数字写法")
    shoes_items = correction_items(page(client, f"/articles/{shoes.pk}/"))
    assert len(shoes_items) == 1 and shoes_items[0].endswith("：标题去掉奖项名称")
    untouched = Article.objects.get(title="化纤联盟协办中国纺织科技成果对接峰会")
    assert "勘误说明" not in page(client, f"/articles/{untouched.pk}/")


def test_a_reimport_names_the_articles_it_changed(client, imported_issue, fixture_text):
    changed = fixture_text.replace("粉末冶金联盟发布7项团体标准", "粉末冶金联盟发布七项团体标准")
    store_bulletin(parse_bulletin_text(changed), source_name="again.md", replace=True)
    items = correction_items(page(client, "/issues/2023-1/"))
    assert len(items) == 1
    assert "更正《粉末冶金联盟发布七项团体标准》" in items[0]
    assert items[0].count("《") == 1


def test_alliance_names_in_the_sample_are_all_listed(imported_issue):
    # The expected order above covers every alliance the sample brings in.
    stored = Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE)
    assert sorted(stored.values_list("name", flat=True)) == sorted(ALLIANCES_IN_PINYIN_ORDER)
