"""Per-issue sections, the 导读 and the issue's 编者按."""

urlpatterns: list = []
