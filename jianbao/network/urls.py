from django.urls import path

from jianbao.network import views

app_name = "network"

urlpatterns = [
    # Staff pages
    path("", views.registry, name="registry"),
    path("alliances/<int:pk>/", views.alliance_detail, name="alliance"),
    path("changes/", views.profile_changes, name="profile_changes"),
    path("changes/<int:pk>/decide/", views.decide_profile_change, name="decide_change"),
    path("merges/", views.merges, name="merges"),
    path("merges/confirm/", views.merge_confirm, name="merge_confirm"),
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/action/", views.application_action, name="application_action"),
    path("applications/<int:pk>/opinion/", views.record_opinion, name="opinion"),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        views.document,
        name="document",
    ),
    path("publicity/new/", views.notice_new, name="notice_new"),
    path("publicity/<int:pk>/", views.notice_desk, name="notice_desk"),
    path("publicity/<int:pk>/admit/", views.admit, name="admit"),
    path("publicity/<int:pk>/dismiss/", views.dismiss_objections, name="dismiss_objections"),
    path("objections/<int:pk>/resolve/", views.resolve_objection, name="resolve_objection"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    # Public pages: no login
    path("notices/", views.public_notices, name="notices"),
    path("notices/<int:pk>/", views.public_notice, name="notice"),
]
