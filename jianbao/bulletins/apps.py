from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "jianbao.bulletins"
    verbose_name = "简报"
