"""Review: comments on articles and passages."""

urlpatterns: list = []
