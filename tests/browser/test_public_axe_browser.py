"""Every public page passes axe (no serious or critical violation) and fits a 390 px
phone without scrolling sideways, in Debian's chromium (issue #13).

The check itself is ``accessibility_problems(page)`` and the ``axe_check`` fixture:
the desk pages' browser test reuses them (``from tests.browser.test_public_axe_browser
import accessibility_problems, axe_check, logged_in_state``).

axe-core is vendored at tests/browser/vendor/axe.min.js (MPL-2.0, test only; see
tests/browser/vendor/README.md).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from jianbao.bulletins.models import Article
from jianbao.network.membership import local_today
from jianbao.network.models import (
    MembershipApplication,
    MemberUnit,
    Organisation,
    OrganisationName,
    PublicNotice,
)
from tests.factories import person
from tests.test_render_html_rich import (
    RICH_TITLE,
    pictures_in,  # noqa: F401  (a fixture)
    stored_rich,  # noqa: F401  (a fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
PHONE, DESKTOP = 390, 1280

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + n.failureSummary),
  }));
}"""
_OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  widest: [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")),
})"""


def accessibility_problems(page, *, impacts=FAILING_IMPACTS) -> list[str]:
    """What is wrong with the page as loaded: axe violations of these impacts, and
    (on any viewport) a page wider than the window. One line per problem."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    problems = []
    for v in page.evaluate(_RUN_AXE):
        if v["impact"] in impacts:
            where = "; ".join(v["nodes"])
            problems.append(f"axe {v['impact']} {v['id']}: {v['help']} — {where}")
    width = page.evaluate(_OVERFLOW)
    if width["scrollWidth"] > width["innerWidth"]:
        problems.append(
            f"scrolls sideways: {width['scrollWidth']} px wide in a {width['innerWidth']} px "
            f"window ({', '.join(width['widest'])})"
        )
    return problems


@pytest.fixture
def axe_check(browser):
    """``check(base_url, paths, widths=(390, 1280), context_options=None)`` visits each path
    at each width and fails listing every problem found, with page and width.

    The context bypasses the CSP so axe can be injected: the site allows only its own
    scripts. For logged-in pages pass ``storage_state`` in ``context_options``.
    """

    def check(base_url: str, paths, widths=(PHONE, DESKTOP), context_options=None) -> None:
        found = []
        for width in widths:
            context = browser.new_context(
                viewport={"width": width, "height": 900},
                locale="zh-CN",
                bypass_csp=True,
                **(context_options or {}),
            )
            try:
                page = context.new_page()
                for path in paths:
                    response = page.goto(base_url + path)
                    assert response is not None and response.ok, (path, response)
                    found += [f"{path} @ {width} px: {p}" for p in accessibility_problems(page)]
            finally:
                context.close()
        print("\n".join(found) or "no accessibility problems")
        assert not found, "\n" + "\n".join(found)

    return check


def logged_in_state(browser, base_url: str, username: str, password="correct horse battery"):
    """A browser storage state logged in as this user: ``axe_check(..., context_options=
    {"storage_state": logged_in_state(browser, live_server.url, "editor")})``."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def public_site(stored_rich):  # noqa: F811
    """The sample issue with a rich article (pictures, a table, bold, 编者按), an alliance
    with a full profile, and an open 公示 with an alliance on it."""
    issue, _ = stored_rich
    powder = Organisation.objects.get(name="粉末冶金产业技术创新战略联盟")
    powder.is_pilot = powder.is_network_member = True
    powder.network_member_since = local_today() - timedelta(days=400)
    powder.field = "新材料"
    powder.website = "https://www.pm-alliance.example.cn/"
    chair = Organisation.objects.create(name="中南大学", kind=Organisation.Kind.UNIT)
    powder.chair_unit = chair
    powder.save()
    OrganisationName.objects.get_or_create(
        organisation=powder, name="粉末冶金产业联盟", kind=OrganisationName.Kind.OTHER
    )
    for role, names in [
        (MemberUnit.Role.VICE_CHAIR, ["钢铁研究总院", "北京科技大学"]),
        (MemberUnit.Role.MEMBER, ["长沙矿冶研究院", "成都工具研究所", "重庆华孚工业股份有限公司"]),
    ]:
        for name in names:
            unit = Organisation.objects.create(name=name, kind=Organisation.Kind.UNIT)
            MemberUnit.objects.create(alliance=powder, unit=unit, role=role)

    office = person("office", "editor", name="秘书处")
    notice = PublicNotice.objects.create(
        title="关于2家联盟成为协发网网员的公示",
        body="理事会确认以下联盟成为协发网网员，现予公示。",
        starts_on=local_today() - timedelta(days=1),
        ends_on=local_today() + timedelta(days=6),
        created_by=office,
    )
    health = Organisation.objects.get(name="健康建筑产业技术创新战略联盟")
    MembershipApplication.objects.create(
        alliance=health,
        state=MembershipApplication.State.PUBLIC_NOTICE,
        field="建筑",
        chair_unit_name="中国建筑科学研究院",
        member_count=60,
        contact_name="李",
        contact_email="li@example.cn",
        statement="联盟概况。",
        created_by=office,
        notice=notice,
    )
    rich = Article.objects.get(title=RICH_TITLE)
    return {
        "issue": issue,
        "rich": rich,
        "powder": powder,
        "notice": notice,
    }


def public_paths(site) -> list[str]:
    issue = site["issue"]
    return [
        "/",
        reverse("archive:year_index"),
        reverse("archive:year_issues", args=[issue.year]),
        reverse("archive:issue_detail", args=[issue.year, issue.number]),
        reverse("archive:article_detail", args=[site["rich"].pk]),
        reverse("archive:alliance_list"),
        reverse("archive:alliance_detail", args=[site["powder"].pk]),
        reverse("archive:section_list"),
        reverse("archive:search") + "?q=%E8%81%94%E7%9B%9F",  # 联盟
        reverse("network:notices"),
        reverse("network:notice", args=[site["notice"].pk]),
    ]


def test_the_rich_issue_has_a_picture_and_a_table(live_server, browser, public_site):
    # The issue page checked below is the one with pictures and a table.
    context = browser.new_context(viewport={"width": PHONE, "height": 900})
    page = context.new_page()
    issue = public_site["issue"]
    page.goto(live_server.url + reverse("archive:issue_detail", args=[issue.year, issue.number]))
    assert page.locator(f"#article-{public_site['rich'].pk} figure img").count() >= 1
    assert page.locator(f"#article-{public_site['rich'].pk} table").count() == 1
    context.close()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_public_pages_pass_axe_and_fit_the_window(live_server, public_site, axe_check, width):
    axe_check(live_server.url, public_paths(public_site), widths=(width,))


def test_the_check_finds_what_it_is_meant_to_find(live_server, browser):
    # A page with an unlabelled field, no contrast and a 600 px box: the check must say so.
    context = browser.new_context(viewport={"width": PHONE, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="zh-Hans"><head><title>坏页面</title></head><body><main>'
        '<input type="text"><p style="color:#eee;background:#fff">看不清的字</p>'
        '<div style="width:600px">过宽</div></main></body></html>'
    )
    problems = accessibility_problems(page)
    context.close()
    text = json.dumps(problems, ensure_ascii=False)
    assert "label" in text
    assert "color-contrast" in text
    assert "scrolls sideways" in text


def test_the_check_reads_logged_in_pages(live_server, browser, axe_check):
    # How the desk pages' test uses it: a stored login, then the same check.
    person("editor", "editor", name="杨丹泽")
    state = logged_in_state(browser, live_server.url, "editor")
    axe_check(live_server.url, ["/"], widths=(PHONE,), context_options={"storage_state": state})
    context = browser.new_context(storage_state=state)
    page = context.new_page()
    page.goto(live_server.url + "/desk/")
    assert "/accounts/login/" not in page.url
    context.close()
