from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "jianbao.mailbox"
    verbose_name = "投稿邮箱"
