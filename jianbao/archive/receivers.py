"""Derived data follows the content, inside the transaction that changed it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from jianbao.archive.caching import forget_version
from jianbao.archive.models import SearchDocument
from jianbao.archive.search import index
from jianbao.bulletins.models import Issue, Series
from jianbao.bulletins.signals import issue_content_changed, issue_state_changed
from jianbao.network.models import MemberUnit, MergeDecision, Organisation, OrganisationName


@receiver(issue_content_changed, dispatch_uid="archive.index_changed_content")
@receiver(issue_state_changed, dispatch_uid="archive.index_changed_state")
def reindex_issue(sender, issue, **kwargs):
    index.index_issue(issue)
    _content_changed()


def _content_changed():
    index.bump_site_version()
    # Now for reads inside this transaction, and again once others can see it.
    forget_version()
    transaction.on_commit(forget_version)


@receiver(post_delete, sender=SearchDocument, dispatch_uid="archive.forget_document")
def forget_document(sender, instance, **kwargs):
    index.remove_documents([instance])


@receiver(post_delete, sender=Issue, dispatch_uid="archive.issue_deleted")
def issue_deleted(sender, instance, **kwargs):
    _content_changed()


@receiver(post_save, sender=Series, dispatch_uid="archive.series_saved")
@receiver(post_delete, sender=Series, dispatch_uid="archive.series_deleted")
def series_changed(sender, instance, **kwargs):
    # Public links carry the series code once there are two series (archive.links).
    _content_changed()


# The public alliance pages and the grouping of suspected duplicates read the registry.
_REGISTRY = (Organisation, OrganisationName, MemberUnit, MergeDecision)


def registry_changed(sender, instance, **kwargs):
    _content_changed()


for _model in _REGISTRY:
    post_save.connect(
        registry_changed, sender=_model, dispatch_uid=f"archive.{_model.__name__}.saved"
    )
    post_delete.connect(
        registry_changed, sender=_model, dispatch_uid=f"archive.{_model.__name__}.deleted"
    )
