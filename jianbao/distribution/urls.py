from django.urls import path

from jianbao.distribution import publishing, views

app_name = "distribution"

urlpatterns = [
    path("<int:issue_id>/", views.issue_deliveries, name="issue"),
    path("<int:issue_id>/resend/", views.resend, name="resend"),
    path("<int:issue_id>/queue/", views.queue_missing, name="queue"),
    path("<int:issue_id>/publishing/", publishing.issue_publishing, name="publishing"),
    path("<int:issue_id>/wechat.html", publishing.issue_wechat, name="wechat"),
    path("<int:issue_id>/preview.docx", publishing.issue_file, {"fmt": "docx"}, name="docx"),
    path("<int:issue_id>/preview.ofd", publishing.issue_file, {"fmt": "ofd"}, name="ofd"),
]

urlpatterns += [
    path("lists/", views.lists, name="lists"),
    path("lists/<int:list_id>/", views.list_detail, name="list"),
    path("lists/<int:list_id>/add/", views.recipient_add, name="recipient_add"),
    path("lists/<int:list_id>/import/", views.recipients_import, name="recipients_import"),
    path("recipients/<int:recipient_id>/edit/", views.recipient_edit, name="recipient_edit"),
    path(
        "recipients/<int:recipient_id>/deactivate/",
        views.recipient_deactivate,
        name="recipient_deactivate",
    ),
    path(
        "recipients/<int:recipient_id>/reactivate/",
        views.recipient_reactivate,
        name="recipient_reactivate",
    ),
]

urlpatterns += [
    path("<int:issue_id>/audience/", views.issue_audience, name="audience"),
]
