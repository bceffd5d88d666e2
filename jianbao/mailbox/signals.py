"""Signals of the submission mailbox, for the apps above it to act on."""

from django.dispatch import Signal

# Sent with ``message_id=``, ``recipient=`` and ``diagnostic=`` when a fetched
# message is a failure report for a mail this site sent.  A receiver returns
# True when it knew the message (distribution marks the delivery bounced).
bounce_received = Signal()
