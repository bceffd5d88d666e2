from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "jianbao.submissions"
    verbose_name = "投稿"

    def ready(self):
        from jianbao.bulletins import notifications  # noqa: F401  (mail on publish)
        from jianbao.submissions import signals  # noqa: F401
