from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.report_list, name="reports"),
    path("upload/", views.upload, name="upload"),
    path("<int:issue_id>/", views.report_detail, name="report"),
    path("<int:issue_id>/report.json", views.report_json, name="report_json"),
    path("<int:issue_id>/check/", views.check, name="check"),
    path("<int:issue_id>/uncheck/", views.uncheck, name="uncheck"),
]
