from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "jianbao.archive"
    verbose_name = "公开归档"

    def ready(self):
        from jianbao.archive import receivers  # noqa: F401
