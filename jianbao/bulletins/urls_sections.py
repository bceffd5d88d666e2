"""Per-issue sections, the 导读 and the issue's 编者按."""

from django.urls import path

from jianbao.bulletins import views_sections as views

urlpatterns = [
    path("issues/<int:issue_id>/sections/new/", views.section_add, name="section_add"),
    path("sections/<int:section_id>/rename/", views.section_rename, name="section_rename"),
    path("sections/<int:section_id>/hide/", views.section_hide, name="section_hide"),
    path("sections/<int:section_id>/keep/", views.section_keep, name="section_keep"),
    path("sections/<int:section_id>/move/", views.section_move, name="section_move"),
    path("sections/<int:section_id>/delete/", views.section_delete, name="section_delete"),
    path("issues/<int:issue_id>/toc/", views.issue_toc, name="toc"),
    path("issues/<int:issue_id>/editor-note/", views.issue_editor_note, name="editor_note"),
]
