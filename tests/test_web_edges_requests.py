"""Bad requests get a 400 or 404 in Chinese, never a 500: every public URL, hostile input."""

import pytest
from django.test import Client
from django.urls import reverse

from jianbao.network.models import Organisation

pytestmark = pytest.mark.django_db

# Raw query strings, as a browser or a script might send them.
HOSTILE_VALUES = [
    "١",  # ARABIC-INDIC DIGIT ONE
    "２０２３",  # full-width digits
    "²",  # a digit that int() refuses
    "99999999999999999999999999",
    "-1",
    "0",
    "1e5",
    "%00",  # NUL
    "a%00b",
    "x" * 5000,
    "%FF%FE",  # not UTF-8
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%E2%80%AE",  # RIGHT-TO-LEFT OVERRIDE
    "'%20OR%201=1--",
    "<script>",
    "",
]
PARAMETERS = ["page", "q", "alliance", "section", "year_from", "year_to", "from", "to"]


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


@pytest.fixture
def public_paths(imported_issue):
    article = imported_issue.sections.first().articles.first()
    alliance = Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).first()
    slug = imported_issue.series.slug
    return [
        "/",
        "/issues/2023-1/",
        f"/issues/{slug}/2023-1/",
        f"/articles/{article.pk}/",
        "/alliances/",
        f"/alliances/{alliance.pk}/",
        f"/alliances/{alliance.pk}/feed.atom",
        "/sections/",
        f"/sections/{article.section.title}/",
        "/search/",
        "/feed.atom",
        "/sitemap.xml",
        "/robots.txt",
        reverse("login"),
        reverse("network:notices"),
    ]


def _get(client: Client, path: str, query: str):
    # As a WSGI server passes it: the raw bytes (UTF-8 here, unencoded), read as latin-1.
    return client.get(path, QUERY_STRING=query.encode().decode("latin-1"))


def test_hostile_query_strings_never_give_a_500(public_paths):
    client = Client(raise_request_exception=False)
    # The pages that read parameters get each one alone as well: one bad value must not
    # hide another behind an early refusal.
    reading = {"/search/"} | {p for p in public_paths if p.startswith(("/alliances/", "/sect"))}
    failures = []
    for path in public_paths:
        for value in HOSTILE_VALUES:
            # All at once, with a real query last so that the search itself runs too.
            queries = ["&".join(f"{name}={value}" for name in PARAMETERS) + "&q=联盟", value]
            if path in reading:
                queries += [f"{name}={value}" for name in PARAMETERS]
                queries.append(f"q=联盟&page={value}")
            for query in queries:
                status = _get(client, path, query).status_code
                if status >= 500:
                    failures.append((path, query[:60], status))
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/articles/99999999999999999999999/",
        "/alliances/99999999999999999999999/",
        "/alliances/99999999999999999999999/feed.atom",
        "/articles/9223372036854775807/",  # the largest bigint
        "/issues/2023-99999999999999999999/",
        "/issues/99999999999-1/",
        "/issues/series-1/2023-99999999999999999999/",
        "/issues/nosuch/2023-1/",
        "/issues/series-1/2023-9/",
        "/sections/%00/",
        "/sections/" + "栏" * 3000 + "/",
        "/sections/%FF/",
        "/network/notices/99999999999999999999999/",
        "/network/notices/424242/",
    ],
)
def test_hostile_paths_are_404_in_chinese(imported_issue, path):
    client = Client(raise_request_exception=False)
    response = client.get(path)
    assert response.status_code in (400, 404), response.status_code
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "简报归档" in html  # the site's own frame, not Django's English page


def test_nul_anywhere_in_the_query_is_a_chinese_400(imported_issue):
    client = Client(raise_request_exception=False)
    response = _get(client, "/search/", "q=%E8%81%94%E7%9B%9F%00")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_non_ascii_digits_in_a_page_number_read_as_that_page(imported_issue, settings):
    # ١ is a digit to Python's int(); the page answers as if it were 1, not with an error.
    client = Client(raise_request_exception=False)
    plain = client.get("/search/", {"q": "联盟", "page": "1"})
    arabic = client.get("/search/", {"q": "联盟", "page": "١"})
    assert arabic.status_code == plain.status_code == 200
    assert "找到" in arabic.content.decode()


def test_full_width_years_are_understood_or_refused_in_chinese(imported_issue):
    client = Client(raise_request_exception=False)
    response = client.get("/search/", {"q": "联盟", "year_from": "２０２３", "year_to": "٢٠٢٣"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "找到" in html or "请检查年份" in html
