from django.apps import AppConfig


class ProofingConfig(AppConfig):
    name = "jianbao.proofing"
    verbose_name = "审校"

    def ready(self):
        # Open 审校 errors are counted in the 提交审核 confirmation, and refuse it where
        # the series says so; bulletins.workflow asks its registered preconditions.
        from jianbao.bulletins import workflow
        from jianbao.proofing.services import submission_condition

        workflow.register_precondition(submission_condition)
