from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jianbao.core"
    verbose_name = "基础"
