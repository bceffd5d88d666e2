from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "jianbao.network"
    verbose_name = "联盟网络"
