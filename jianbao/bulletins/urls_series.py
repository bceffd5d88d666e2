"""Series settings in the desk: title lines, office, sections, 报/送 lists, contacts."""

from django.urls import path

from jianbao.bulletins import views_series as views

urlpatterns = [
    path("series/", views.series_list, name="series"),
    path("series/<int:series_id>/", views.series_edit, name="series_edit"),
]
