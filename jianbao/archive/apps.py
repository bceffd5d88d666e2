from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "jianbao.archive"
    verbose_name = "公开归档"
