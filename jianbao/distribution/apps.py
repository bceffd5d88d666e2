from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "jianbao.distribution"
    verbose_name = "报送与投递"

    def ready(self):
        from jianbao.distribution import receivers  # noqa: F401
