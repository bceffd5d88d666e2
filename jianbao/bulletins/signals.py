"""Signals other apps listen to, sent inside the transaction that made the change."""

from django.dispatch import Signal

# Sent with ``issue=`` after an issue's sections, articles or blocks were
# written (import, replace, editing, correction). Receivers run inside the
# same transaction, so derived data such as the search index commits or
# rolls back with the content.
issue_content_changed = Signal()

# Sent with ``issue=``, ``from_state=``, ``to_state=`` after a state change.
issue_state_changed = Signal()
