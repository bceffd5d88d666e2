from itertools import groupby

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from jianbao.archive import selectors
from jianbao.archive.caching import public_page
from jianbao.archive.feeds import AllianceFeed, IssuesFeed
from jianbao.archive.forms import SearchForm
from jianbao.bulletins.print_settings import download_pdf_format, render_issue
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.core.downloads import content_disposition
from jianbao.core.errors import AmbiguousIssueRef, JianbaoError
from jianbao.network.selectors import alliance_profile, merged_into
from jianbao.publishing.render import CONTENT_TYPES, download_filename
from jianbao.publishing.render.html import responsive_picture, web_article, web_sections

PAGE_SIZE = 20


def article_anchor(article, default: str = "") -> str:
    """The public pages name an article ``article-<pk>``: stable when articles are
    added or reordered, and what mail links and readers' bookmarks already use.
    (The standalone file, the PDF outline and WeChat number them by print order.)"""
    return f"article-{article.id}"


# The site lists at most this many results of one search; narrower queries find the rest.
SEARCH_RESULT_LIMIT = 1000


@public_page
def issue_list(request):
    issues = list(selectors.public_issues())
    by_year = [(year, list(items)) for year, items in groupby(issues, key=lambda i: i.year)]
    return render(request, "archive/issue_list.html", {"by_year": by_year, "issues": issues})


@public_page
def year_index(request):
    return render(request, "archive/year_index.html", {"years": selectors.public_years()})


@public_page
def year_issues(request, year: int):
    issues = list(selectors.public_issues_of_year(year))
    if not issues:
        raise Http404("这一年没有公开的简报")
    years = [y.year for y in selectors.public_years()]
    at = years.index(year)
    return render(
        request,
        "archive/year_issues.html",
        {
            "year": year,
            "issues": issues,
            "article_count": sum(issue.article_count for issue in issues),
            # Years run newest first: the later year is the one before this in the list.
            "later": years[at - 1] if at > 0 else None,
            "earlier": years[at + 1] if at + 1 < len(years) else None,
        },
    )


def _choose_series(request, exc: AmbiguousIssueRef):
    # 300 Multiple Choices: the same 2023年第1期 in more than one series.
    return render(
        request,
        "archive/issue_choice.html",
        {"key": exc.key, "candidates": exc.candidates},
        status=300,
    )


@public_page
def issue_detail(request, year: int, number: int, series: str | None = None):
    try:
        issue = selectors.public_issue(year=year, number=number, series=series)
    except AmbiguousIssueRef as exc:
        return _choose_series(request, exc)
    except Http404:
        withdrawn = selectors.withdrawn_issue(year=year, number=number, series=series)
        if withdrawn is None:
            raise
        # 410 Gone: readers who kept the link learn why the issue is no longer here.
        return render(request, "archive/issue_withdrawn.html", withdrawn, status=410)
    bulletin = issue_to_bulletin(issue)
    contact_lines: dict[int, list] = {}
    for item in bulletin.contacts:
        contact_lines.setdefault(item.line, []).append(item)
    previous, following = selectors.issue_neighbours(issue)
    return render(
        request,
        "archive/issue_detail.html",
        {
            "issue": issue,
            "b": bulletin,
            "sections": web_sections(bulletin, picture=responsive_picture, anchor=article_anchor),
            "contact_lines": [contact_lines[k] for k in sorted(contact_lines)],
            "corrections": selectors.corrections(issue),
            "previous": previous,
            "next": following,
        },
    )


@require_safe
def issue_file(request, year: int, number: int, fmt: str, series: str | None = None):
    """The PDF, Word or OFD file of a public issue: /issues/2023-1.pdf,
    /issues/series-1/2023-1.ofd."""
    try:
        issue = selectors.public_issue(year=year, number=number, series=series, with_content=False)
    except AmbiguousIssueRef as exc:
        return _choose_series(request, exc)
    # The .pdf address gives the archival PDF/A-2b unless the series says otherwise.
    made = download_pdf_format(issue.series) if fmt == "pdf" else fmt
    try:
        data = render_issue(issue, made)
    except JianbaoError as exc:
        return HttpResponse(
            f"无法生成{fmt.upper()}：{exc}", status=503, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(
        download_filename(issue, fmt),
        f"jianbao-{series}-{year}-{number}.{fmt}" if series else f"jianbao-{year}-{number}.{fmt}",
    )
    response["Content-Length"] = str(len(data))
    return response


@public_page
def article_detail(request, pk: int):
    article = selectors.public_article(pk)
    bulletin = issue_to_bulletin(article.section.issue)
    shaped = next(a for a in bulletin.articles if a.id == article.pk)
    return render(
        request,
        "archive/article_detail.html",
        {
            "article": article,
            "body": web_article(shaped, anchor=article_anchor(shaped), picture=responsive_picture),
            "alliances": selectors.shown_alliances(article.alliances.all(), _shown_under()),
            "corrections": selectors.article_corrections(article),
        },
    )


def _shown_under() -> dict[int, int]:
    return selectors.shown_under()


@public_page
def alliance_list(request):
    entries = selectors.public_alliances(_shown_under())
    return render(request, "archive/alliance_list.html", {"alliances": entries})


@public_page
def alliance_detail(request, pk: int):
    shown_under = _shown_under()
    if pk in shown_under:
        # Temporary: an administrator may yet answer that the two are different alliances.
        return redirect("archive:alliance_detail", shown_under[pk])
    try:
        alliance = selectors.alliance(pk)
    except Http404:
        kept = merged_into(pk)
        if kept is None:
            raise
        # Merged for good: the number now belongs to the kept alliance.
        return redirect("archive:alliance_detail", kept, permanent=True)
    also = list(selectors.alliances().filter(pk__in=selectors.rows_under(pk, shown_under)))
    page = Paginator(selectors.alliance_articles(alliance, also=also), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "archive/alliance_detail.html",
        {"alliance": alliance, "profile": alliance_profile(alliance, also), "page": page},
    )


@public_page
def section_list(request):
    return render(request, "archive/section_list.html", {"sections": selectors.sections()})


@public_page
def section_detail(request, title: str):
    articles = selectors.section_articles(title)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404("没有这个栏目")
    return render(request, "archive/section_detail.html", {"title": title, "page": page})


@public_page
def search(request):
    form = SearchForm(request.GET or None)
    page = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        alliance = data["alliance"]
        results = selectors.search_articles(
            data["q"],
            alliance=alliance,
            also=selectors.rows_under(alliance, _shown_under()) if alliance else (),
            section=data["section"] or None,
            year_from=data["year_from"],
            year_to=data["year_to"],
            count_limit=SEARCH_RESULT_LIMIT,
        )
        page = Paginator(results, 10).get_page(request.GET.get("page"))
        page.object_list = selectors.fold_hit_alliances(page.object_list, _shown_under())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "archive/search.html",
        {"form": form, "page": page, "query": request.GET.get("q", ""), "keep": query.urlencode()},
    )


issues_feed = public_page(IssuesFeed())
_alliance_feed = AllianceFeed()


@public_page
def alliance_feed(request, pk: int):
    """An alliance's feed moves as its page does: a suspected duplicate's to the kept
    alliance for now (302), a merged row's for good (301)."""
    shown_under = _shown_under()
    if pk in shown_under:
        return redirect("archive:alliance_feed", shown_under[pk])
    if not selectors.alliances().filter(pk=pk).exists():
        kept = merged_into(pk)
        if kept is not None:
            return redirect("archive:alliance_feed", kept, permanent=True)
    return _alliance_feed(request, pk=pk)


@public_page
def sitemap(request):
    pages = [reverse("archive:issue_list"), reverse("archive:year_index")]
    years = selectors.public_years()
    pages += [reverse("archive:year_issues", args=[y.year]) for y in years]
    pages += [reverse("archive:alliance_list"), reverse("archive:section_list")]
    issues = selectors.public_issues()
    shown_under = _shown_under()
    return render(
        request,
        "archive/sitemap.xml",
        {
            "base": request.build_absolute_uri("/").rstrip("/"),
            "pages": pages,
            "issues": issues,
            "articles": selectors.sitemap_articles(),
            "alliances": [
                a for a in selectors.alliances() if a.article_count and a.pk not in shown_under
            ],
        },
        content_type="application/xml; charset=utf-8",
    )


def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("archive:sitemap"))
    private = ["/admin/", "/accounts/", "/desk/", "/submit/", "/submissions/", "/network/"]
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in [*private, "/search/"])]
    lines.append(f"Sitemap: {sitemap_url}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
