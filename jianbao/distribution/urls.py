from django.urls import path

from jianbao.distribution import publishing, views

app_name = "distribution"

urlpatterns = [
    path("<int:issue_id>/", views.issue_deliveries, name="issue"),
    path("<int:issue_id>/resend/", views.resend, name="resend"),
    path("<int:issue_id>/queue/", views.queue_missing, name="queue"),
    path("<int:issue_id>/publishing/", publishing.issue_publishing, name="publishing"),
    path("<int:issue_id>/wechat.html", publishing.issue_wechat, name="wechat"),
    path("<int:issue_id>/preview.docx", publishing.issue_docx, name="docx"),
]
