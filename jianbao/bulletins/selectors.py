"""Reads of issues that more than one view or renderer needs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class SignOff:
    editor: str = ""
    reviewer: str = ""
    signer: str = ""
    signed_on: datetime.date | None = None


def signoff(issue) -> SignOff:
    """本期编辑/审核/签发 and the 签发 date, replayed from the issue's history.

    An import states the names it found in the file; each later step of the
    sign-off names the person who took it, and a return starts the round again.
    """
    events = issue.events.all()
    if "events" not in getattr(issue, "_prefetched_objects_cache", {}):
        events = events.order_by("created_at", "id")
    editor = reviewer = signer = ""
    signed_on = None
    for event in events:
        if event.action in ("imported", "replaced"):
            data = event.data or {}
            editor, reviewer = data.get("editor", ""), data.get("reviewer", "")
            signer = data.get("signer", "")
            signed_on = datetime.date.fromisoformat(data["date"]) if data.get("date") else None
        elif event.action == "submit":
            editor, reviewer, signer, signed_on = event.actor_name, "", "", None
        elif event.action == "approve":
            reviewer = event.actor_name
        elif event.action == "sign":
            signer = event.actor_name
            signed_on = timezone.localdate(event.created_at)
        elif event.action == "return":
            reviewer = signer = ""
            signed_on = None
    return SignOff(editor, reviewer, signer, signed_on)
