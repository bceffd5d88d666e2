from django.urls import path, register_converter

from jianbao.archive import views


class DatabaseInt:
    """A whole number that fits a database integer column; longer ones are no page (404)
    rather than an overflow inside the database driver (500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(DatabaseInt, "dbint")

app_name = "archive"

urlpatterns = [
    path("", views.issue_list, name="issue_list"),
    path("issues/", views.year_index, name="year_index"),
    path("issues/<dbint:year>/", views.year_issues, name="year_issues"),
    path("issues/<dbint:year>-<dbint:number>/", views.issue_detail, name="issue_detail"),
    path(
        "issues/<dbint:year>-<dbint:number>.pdf", views.issue_file, {"fmt": "pdf"}, name="issue_pdf"
    ),
    path(
        "issues/<dbint:year>-<dbint:number>.docx",
        views.issue_file,
        {"fmt": "docx"},
        name="issue_docx",
    ),
    path(
        "issues/<dbint:year>-<dbint:number>.ofd", views.issue_file, {"fmt": "ofd"}, name="issue_ofd"
    ),
    # With more than one series, links name the series (archive.links).
    path(
        "issues/<slug:series>/<dbint:year>-<dbint:number>/",
        views.issue_detail,
        name="series_issue_detail",
    ),
    path(
        "issues/<slug:series>/<dbint:year>-<dbint:number>.pdf",
        views.issue_file,
        {"fmt": "pdf"},
        name="series_issue_pdf",
    ),
    path(
        "issues/<slug:series>/<dbint:year>-<dbint:number>.docx",
        views.issue_file,
        {"fmt": "docx"},
        name="series_issue_docx",
    ),
    path(
        "issues/<slug:series>/<dbint:year>-<dbint:number>.ofd",
        views.issue_file,
        {"fmt": "ofd"},
        name="series_issue_ofd",
    ),
    path("articles/<dbint:pk>/", views.article_detail, name="article_detail"),
    path("alliances/", views.alliance_list, name="alliance_list"),
    path("alliances/<dbint:pk>/", views.alliance_detail, name="alliance_detail"),
    path("alliances/<dbint:pk>/feed.atom", views.alliance_feed, name="alliance_feed"),
    path("sections/", views.section_list, name="section_list"),
    path("sections/<str:title>/", views.section_detail, name="section_detail"),
    path("search/", views.search, name="search"),
    path("feed.atom", views.issues_feed, name="issues_feed"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
