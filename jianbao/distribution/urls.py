from django.urls import path

from jianbao.distribution import views

app_name = "distribution"

urlpatterns = [
    path("<int:issue_id>/", views.issue_deliveries, name="issue"),
    path("<int:issue_id>/resend/", views.resend, name="resend"),
    path("<int:issue_id>/queue/", views.queue_missing, name="queue"),
]
