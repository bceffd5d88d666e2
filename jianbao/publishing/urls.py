"""Downloads, to be included at the site root: /issues/2023-1.pdf, /issues/2023-1.docx."""

from django.urls import path

from jianbao.publishing import views

app_name = "publishing"

urlpatterns = [
    path(
        "issues/<int:year>-<int:number>.pdf",
        views.download,
        {"fmt": "pdf"},
        name="issue_pdf",
    ),
    path(
        "issues/<int:year>-<int:number>.docx",
        views.download,
        {"fmt": "docx"},
        name="issue_docx",
    ),
]
