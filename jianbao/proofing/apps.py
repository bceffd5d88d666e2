from django.apps import AppConfig


class ProofingConfig(AppConfig):
    name = "jianbao.proofing"
    verbose_name = "审校"
