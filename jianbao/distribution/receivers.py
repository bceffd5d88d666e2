from django.db import transaction
from django.dispatch import receiver

from jianbao.bulletins.models import Issue
from jianbao.bulletins.signals import issue_state_changed
from jianbao.distribution.services import enqueue_sending, queue_deliveries, record_bounce
from jianbao.mailbox.signals import bounce_received


@receiver(issue_state_changed, dispatch_uid="distribution_queue_on_publish")
def queue_on_publish(sender, issue, from_state, to_state, **kwargs):
    # Inside the publishing transaction: the deliveries commit with the state.
    if to_state == Issue.State.PUBLISHED:
        queued = queue_deliveries(issue)
        if from_state == Issue.State.WITHDRAWN and not queued:
            # Mail held back while the issue was withdrawn goes out now.
            transaction.on_commit(lambda: enqueue_sending(issue.pk))


@receiver(bounce_received, dispatch_uid="distribution_mark_bounced")
def mark_bounced(sender, message_id, recipient, diagnostic, **kwargs) -> bool:
    return record_bounce(message_id, recipient=recipient, diagnostic=diagnostic)
