"""Two series may both have a 2023年第1期: refs and public URLs carry the series then."""

import re

import pytest
from django.urls import reverse

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import find_issue, store_bulletin
from jianbao.core.errors import AmbiguousIssueRef, IssueNotFound
from jianbao.publishing.ingest.text import parse_bulletin_text

pytestmark = pytest.mark.django_db

OTHER_TITLE = "国家技术创新中心建设工作"


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


@pytest.fixture
def two_series(imported_issue, fixture_text):
    """The sample issue, and a 2023年第1期（总第66期） of a second series."""
    other = fixture_text.replace("# 产业技术创新战略联盟试点工作", f"# {OTHER_TITLE}")
    second = store_bulletin(parse_bulletin_text(other), source_name="other.md").issue
    assert second.series != imported_issue.series
    assert (second.year, second.number) == (imported_issue.year, imported_issue.number)
    return imported_issue, second


# --- find_issue: the one place that resolves a ref -------------------------------


def test_one_series_needs_no_prefix(imported_issue):
    slug = imported_issue.series.slug
    assert find_issue("2023-1") == imported_issue
    assert find_issue(f"{slug}:2023-1") == imported_issue
    assert find_issue(f"{slug}:66") == imported_issue
    assert find_issue("2023-1", series=slug) == imported_issue


@pytest.mark.parametrize("key", ["2023-1", "66"])
def test_a_ref_two_series_share_is_refused_naming_both(two_series, key):
    first, second = two_series
    with pytest.raises(AmbiguousIssueRef) as caught:
        find_issue(key)
    assert set(caught.value.candidates) == {first, second}
    message = str(caught.value)
    assert "\n" not in message
    assert f"{first.series.slug}:{key}" in message
    assert f"{second.series.slug}:{key}" in message
    assert OTHER_TITLE in message


@pytest.mark.parametrize("how", ["prefix", "option"])
def test_the_series_prefix_picks_one(two_series, how):
    first, second = two_series
    for issue in (first, second):
        slug = issue.series.slug
        found = (
            find_issue(f"{slug}:2023-1") if how == "prefix" else find_issue("2023-1", series=slug)
        )
        assert found == issue


def test_a_ref_unique_within_the_allowed_issues_resolves(two_series):
    first, second = two_series
    Issue.objects.filter(pk=second.pk).update(state=Issue.State.EDITING)
    public = Issue.objects.filter(state=Issue.State.PUBLISHED)
    assert find_issue("2023-1", within=public) == first


@pytest.mark.parametrize(
    "key",
    ["nosuch:2023-1", "series-1:2023-9", "2023-99999999999999999999", "99999999999999999999999"],
)
def test_unknown_series_or_numbers_are_not_found(imported_issue, key):
    with pytest.raises(IssueNotFound) as caught:
        find_issue(key)
    assert not isinstance(caught.value, AmbiguousIssueRef)


@pytest.mark.parametrize("key", ["٢٠٢٣-١", "２０２３-１", "series-1:", ":2023-1", "a b:2023-1"])
def test_refs_in_other_digits_or_shapes_are_refused_plainly(imported_issue, key):
    with pytest.raises(IssueNotFound, match="写法不对"):
        find_issue(key)


# --- the command line --------------------------------------------------------------


@pytest.mark.parametrize("command", ["export", "render", "deliveries"])
def test_cli_names_the_candidates_in_one_line_and_exits_2(cli, two_series, command):
    first, second = two_series
    args = [command, "2023-1"] + (["--format", "md"] if command == "render" else [])
    result = cli(*args)
    assert result.status == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert f"{first.series.slug}:2023-1" in lines[0]
    assert f"{second.series.slug}:2023-1" in lines[0]


def test_cli_export_with_the_series_prefix(cli, two_series):
    import json

    _first, second = two_series
    result = cli("export", f"{second.series.slug}:2023-1")
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["series"] == OTHER_TITLE


# --- the public site ---------------------------------------------------------------


def test_old_issue_url_lists_the_candidates_instead_of_failing(client, two_series):
    first, second = two_series
    response = client.get("/issues/2023-1/")
    assert response.status_code == 300
    html = response.content.decode()
    assert "不止一期" in html
    for issue in (first, second):
        assert f'href="/issues/{issue.series.slug}/2023-1/"' in html
    assert OTHER_TITLE in html


def test_series_issue_urls_show_each_series(client, two_series):
    first, second = two_series
    for issue, title in ((first, "产业技术创新战略联盟试点工作"), (second, OTHER_TITLE)):
        url = f"/issues/{issue.series.slug}/2023-1/"
        assert reverse("archive:series_issue_detail", args=[issue.series.slug, 2023, 1]) == url
        response = client.get(url)
        assert response.status_code == 200
        assert f'<p class="series-title">{title}</p>' in response.content.decode()


def test_old_url_still_works_while_only_one_series_has_the_issue(client, two_series):
    _first, second = two_series
    Issue.objects.filter(pk=second.pk).update(state=Issue.State.EDITING)
    assert client.get("/issues/2023-1/").status_code == 200


def test_unknown_series_in_url_is_404_in_chinese(client, two_series):
    response = client.get("/issues/nosuch/2023-1/")
    assert response.status_code == 404


def test_one_series_links_keep_the_short_urls(client, imported_issue):
    article = imported_issue.sections.first().articles.first()
    html = client.get(f"/articles/{article.pk}/").content.decode()
    assert 'href="/issues/2023-1/"' in html
    assert "/issues/2023-1.pdf" in client.get("/issues/2023-1/").content.decode()


def _issue_links(text: str) -> set[str]:
    # Links to an issue; a year's list of every series' issues (/issues/2023/) is not one.
    links = set(re.findall(r"/issues/[^\"'<#\s]+", text))
    return {link for link in links if not re.fullmatch(r"/issues/(\d{4}/)?", link)}


def test_generated_links_carry_the_series_when_there_are_two(client, two_series):
    first, second = two_series
    article = first.sections.first().articles.first()
    pages = {
        "home": client.get("/").content.decode(),
        "article": client.get(f"/articles/{article.pk}/").content.decode(),
        "issue": client.get(f"/issues/{first.series.slug}/2023-1/").content.decode(),
        "section": client.get(f"/sections/{article.section.title}/").content.decode(),
        "search": client.get("/search/", {"q": article.title[:4]}).content.decode(),
        "feed": client.get("/feed.atom").content.decode(),
        "sitemap": client.get("/sitemap.xml").content.decode(),
    }
    for name, text in pages.items():
        links = _issue_links(text)
        assert links, name
        assert "/issues/2023-1/" not in text, name
        for link in links:
            assert link.startswith(("/issues/series-", f"/issues/{first.series.slug}")), (
                name,
                link,
            )
    # Both issues are on the home page, each under its own series.
    for issue in (first, second):
        assert f"/issues/{issue.series.slug}/2023-1/" in pages["home"]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_series_download_urls_give_each_series_its_own_file(client, two_series, fmt):
    _first, second = two_series
    html = client.get(f"/issues/{second.series.slug}/2023-1/").content.decode()
    url = f"/issues/{second.series.slug}/2023-1.{fmt}"
    assert f'href="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200
    assert OTHER_TITLE in response["Content-Disposition"] or (
        "%E5%9B%BD%E5%AE%B6" in response["Content-Disposition"]  # 国家, percent-encoded
    )
    assert client.get(f"/issues/nosuch/2023-1.{fmt}").status_code == 404


def test_renaming_a_series_code_changes_the_cached_links(client, two_series):
    _first, second = two_series
    assert f"/issues/{second.series.slug}/2023-1/" in client.get("/").content.decode()
    second.series.slug = "centres"
    second.series.save()
    assert "/issues/centres/2023-1/" in client.get("/").content.decode()


# --- the short download URL and the issue list name the series too -------------


def test_the_short_download_url_lists_the_series_instead_of_picking_one(client, two_series):
    first, second = two_series
    response = client.get("/issues/2023-1.pdf")
    assert response.status_code == 300
    page = response.content.decode()
    assert f"/issues/{first.series.slug}/2023-1/" in page
    assert f"/issues/{second.series.slug}/2023-1/" in page
    pdf = client.get(f"/issues/{second.series.slug}/2023-1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_issue_list_gives_refs_that_name_the_series(cli, two_series):
    import json

    first, second = two_series
    rows = json.loads(cli("issues", "--format", "json").stdout)
    assert sorted(r["ref"] for r in rows) == sorted(
        [f"{first.series.slug}:2023-1", f"{second.series.slug}:2023-1"]
    )
    for row in rows:
        assert cli("export", row["ref"], "--format", "json").status == 0
