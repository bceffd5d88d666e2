from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "jianbao.review"
    verbose_name = "审核意见"
