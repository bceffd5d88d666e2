from django.dispatch import receiver

from jianbao.bulletins.models import Issue
from jianbao.bulletins.signals import issue_state_changed
from jianbao.distribution.services import queue_deliveries


@receiver(issue_state_changed, dispatch_uid="distribution_queue_on_publish")
def queue_on_publish(sender, issue, from_state, to_state, **kwargs):
    # Inside the publishing transaction: the deliveries commit with the state.
    if to_state == Issue.State.PUBLISHED:
        queue_deliveries(issue)
