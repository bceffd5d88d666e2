from django.urls import re_path

from jianbao.publishing import views

app_name = "pictures"

# Only stored names (a content hash and a type) and the served sizes match; any
# other path is no page (404) before a view runs.
NAME = r"(?P<name>[0-9a-f]{32}\.(?:jpg|png|gif|webp))"

urlpatterns = [
    re_path(rf"^{NAME}$", views.original, name="original"),
    re_path(
        rf"^{NAME}/(?P<width>[1-9][0-9]{{0,4}})\.(?P<fmt>webp|jpg)$",
        views.variant,
        name="variant",
    ),
]
