"""Submissions are read here; the desk's intake changes them and keeps their history.

Deleting one here would take its append-only history with it and leave its
files behind, so the admin deletes none.
"""

from django.contrib import admin

from jianbao.core.admin_tools import ReadOnlyAdmin, ReadOnlyTabularInline
from jianbao.submissions.models import Attachment, Submission, SubmissionEvent


class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "kind", "file"]


class SubmissionEventInline(ReadOnlyTabularInline):
    model = SubmissionEvent
    fields = ["created_at", "action", "from_state", "to_state", "actor", "comment"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["title", "alliance", "source", "state", "created_at"]
    list_filter = ["state", "source"]
    search_fields = ["title", "sender_email"]
    list_select_related = ["alliance"]
    inlines = [AttachmentInline, SubmissionEventInline]
