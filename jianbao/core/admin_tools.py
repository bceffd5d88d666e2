"""Building blocks for the admin: read-only records, and recorded settings.

The admin may not get around the services.  Models whose rows are content
that went through the sign-off, or records of what happened (history,
revisions, deliveries, procedure steps), are readable in the admin and
nothing more, for superusers too: the permission methods below say no
whatever the user's permissions.  What stays editable (users, series
settings, the registry) writes one shared history row per save, in the
admin's own transaction.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.db import transaction

from jianbao.core.history import record


class ReadOnlyAdmin(admin.ModelAdmin):
    """Readable here; written only by the services; never deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyInline:
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(self.fields or ())]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(_ReadOnlyInline, admin.TabularInline):
    pass


class ReadOnlyStackedInline(_ReadOnlyInline, admin.StackedInline):
    pass


def _plain(value):
    """A JSON-safe copy (lazy translations, dates, model instances become text)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _shown(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "all") and hasattr(value, "model"):  # a queryset of a many-to-many field
        return sorted(str(v) for v in value)
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return str(value)


class RecordedAdmin(admin.ModelAdmin):
    """Every add, change and delete made here leaves a ``app.model.verb`` history row.

    The row names the changed fields with their old and new values (never a
    password), and the admin's own summary of the inline rows.
    """

    def _action(self, obj, verb: str) -> str:
        return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        if not hasattr(form, "instance"):
            return message  # the password form: the message says "password changed", enough
        fields = [name for name in form.changed_data if "password" not in name]
        data = {"fields": fields}
        if not add:
            data["before"] = {name: _shown(form.initial.get(name)) for name in fields}
        data["after"] = {name: _shown(form.cleaned_data.get(name)) for name in fields}
        request._jianbao_admin_change = (form.instance, _plain(data), _plain(message))
        return message

    def _record_save(self, request, obj, verb: str, message) -> None:
        stashed = getattr(request, "_jianbao_admin_change", None)
        if stashed is not None and stashed[0] is obj:
            data, message = stashed[1], stashed[2]
        else:
            data, message = {}, _plain(message)
        if verb == "change" and not message:
            return  # saved unchanged: nothing happened worth a row
        data["admin"] = message
        with transaction.atomic():
            record(self._action(obj, verb), by=request.user, subject=obj, data=data)

    def log_addition(self, request, obj, message):
        self._record_save(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._record_save(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def _record_delete(self, request, obj) -> None:
        record(self._action(obj, "delete"), by=request.user, subject=obj, data={"pk": obj.pk})

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action runs outside any transaction of the admin's own.
        with transaction.atomic():
            for obj in queryset:
                self._record_delete(request, obj)
            super().delete_queryset(request, queryset)
