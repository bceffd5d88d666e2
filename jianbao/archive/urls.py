from django.urls import path

from jianbao.archive import views

app_name = "archive"

urlpatterns = [
    path("", views.issue_list, name="issue_list"),
    path("issues/<int:year>-<int:number>/", views.issue_detail, name="issue_detail"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("alliances/", views.alliance_list, name="alliance_list"),
    path("alliances/<int:pk>/", views.alliance_detail, name="alliance_detail"),
    path("alliances/<int:pk>/feed.atom", views.alliance_feed, name="alliance_feed"),
    path("sections/", views.section_list, name="section_list"),
    path("sections/<str:title>/", views.section_detail, name="section_detail"),
    path("search/", views.search, name="search"),
    path("feed.atom", views.issues_feed, name="issues_feed"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
