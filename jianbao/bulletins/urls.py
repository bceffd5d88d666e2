from django.urls import include, path

from jianbao.bulletins import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.issue_list, name="issues"),
    path("issues/new/", views.issue_new, name="issue_new"),
    path("issues/<int:issue_id>/", views.issue_detail, name="issue"),
    path("issues/<int:issue_id>/transition/", views.issue_transition, name="transition"),
    path("issues/<int:issue_id>/date/", views.issue_date, name="issue_date"),
    path("issues/<int:issue_id>/preview/", views.issue_preview, name="preview"),
    path("issues/<int:issue_id>/text/", views.issue_markdown, name="markdown"),
    path("issues/<int:issue_id>/preview.pdf", views.issue_pdf, name="pdf"),
    path("sections/<int:section_id>/articles/new/", views.article_new, name="article_new"),
    path("sections/<int:section_id>/order/", views.section_reorder, name="section_reorder"),
    path("articles/<int:article_id>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:article_id>/move/", views.article_move, name="article_move"),
    path("articles/<int:article_id>/delete/", views.article_delete, name="article_delete"),
    path("articles/<int:article_id>/correct/", views.article_correct, name="article_correct"),
    path("revisions/<int:revision_id>/", views.revision_detail, name="revision"),
    path("pictures/", views.picture_upload, name="picture_upload"),
    # Each desk feature's own routes, in the same "desk" namespace.
    path("", include("jianbao.bulletins.urls_sections")),
    path("", include("jianbao.bulletins.urls_drafts")),
    path("", include("jianbao.bulletins.urls_review")),
    path("", include("jianbao.bulletins.urls_series")),
    path("", include("jianbao.bulletins.urls_history")),
]
