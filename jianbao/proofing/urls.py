"""The desk's proofing pages, under /desk/ (jianbao/urls.py)."""

from django.urls import path

from jianbao.proofing import views

app_name = "proofing"

urlpatterns = [
    path("issues/<int:issue_id>/proofing/", views.issue_proofing, name="issue"),
    path("issues/<int:issue_id>/proofing/apply/", views.apply, name="apply"),
    path("issues/<int:issue_id>/proofing/dismiss/", views.dismiss, name="dismiss"),
    path("issues/<int:issue_id>/proofing/reopen/", views.reopen, name="reopen"),
    path("proofing/dictionary/", views.dictionary, name="dictionary"),
    path("proofing/dictionary/new/", views.entry_new, name="entry_new"),
    path("proofing/dictionary/<int:entry_id>/", views.entry_edit, name="entry_edit"),
    path(
        "proofing/dictionary/<int:entry_id>/deactivate/",
        views.entry_deactivate,
        name="entry_deactivate",
    ),
    path("proofing/dictionary/<int:entry_id>/enable/", views.entry_enable, name="entry_enable"),
]
