from django.urls import path

from jianbao.archive import views

app_name = "archive"

urlpatterns = [
    path("", views.issue_list, name="issue_list"),
    path("issues/<int:year>-<int:number>/", views.issue_detail, name="issue_detail"),
]
