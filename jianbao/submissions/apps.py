from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "jianbao.submissions"
    verbose_name = "投稿"
