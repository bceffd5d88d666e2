from django.contrib import admin

from jianbao.submissions.models import Attachment, Submission


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "kind", "file"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["title", "alliance", "source", "state", "created_at"]
    list_filter = ["state", "source"]
    search_fields = ["title", "sender_email"]
    inlines = [AttachmentInline]
    readonly_fields = ["message_id", "created_at", "updated_at"]
