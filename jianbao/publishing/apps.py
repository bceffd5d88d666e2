from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "jianbao.publishing"
    verbose_name = "导入与排版"
