"""Series settings in the desk."""

urlpatterns: list = []
