"""Deletion, however started (desk, admin, shell): history kept, files removed after commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from jianbao.submissions.models import Attachment, Submission


@receiver(pre_delete, sender=Submission, dispatch_uid="submissions.record_deletion")
def record_deletion(sender, instance, using, **kwargs):
    from jianbao.submissions.services import deletion_without_service

    deletion_without_service(instance)


@receiver(post_delete, sender=Attachment, dispatch_uid="submissions.remove_file")
def remove_file_after_commit(sender, instance, using, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if not name:
        return
    # Only once the row is really gone: a rolled-back deletion keeps its file.
    transaction.on_commit(lambda: storage.delete(name), using=using)
