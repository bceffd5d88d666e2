from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "jianbao.catalogue"
    verbose_name = "往期导入"
