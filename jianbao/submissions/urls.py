from django.urls import path

from jianbao.submissions import views

app_name = "submissions"

urlpatterns = [
    path("submit/", views.mine, name="mine"),
    path("submit/new/", views.new, name="new"),
    path("submit/<int:submission_id>/edit/", views.revise, name="revise"),
    path("submissions/<int:submission_id>/", views.detail, name="detail"),
    path("submissions/<int:submission_id>/status/", views.status, name="status"),
    path(
        "submissions/<int:submission_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("desk/intake/", views.queue, name="queue"),
    path("desk/intake/accept/", views.batch_accept, name="batch_accept"),
    path("desk/intake/<int:submission_id>/decide/", views.decide, name="decide"),
]
