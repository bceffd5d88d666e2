"""Chinese column names for the third-party admins whose labels no catalogue reaches.

Most of their labels are lazily translated (jianbao/core/locale); these few
are plain English strings (a property's name, a method without a
description), so the same admins are registered again with Chinese ones.
Behaviour (read-only, actions, filters) stays the apps' own.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    list_display = [
        "status_label" if name == "status" else "expiration_label" if name == "expiration" else name
        for name in axes_admin.AccessAttemptAdmin.list_display
    ]
    readonly_fields = [
        "expiration_label" if name == "expiration" else name
        for name in axes_admin.AccessAttemptAdmin.readonly_fields
    ]
    fieldsets = tuple(
        (
            title,
            {
                **options,
                "fields": tuple(
                    "expiration_label" if f == "expiration" else f for f in options["fields"]
                ),
            },
        )
        for title, options in axes_admin.AccessAttemptAdmin.fieldsets
    )

    @admin.display(description="状态")
    def status_label(self, obj):
        return self.status(obj)

    @admin.display(description="失效时间")
    def expiration_label(self, obj):
        return self.expiration(obj)


class TaskResultAdmin(DBTaskResultAdmin):
    list_display = tuple(
        {"id": "task_id", "task_name": "task_label"}.get(name, name)
        for name in DBTaskResultAdmin.list_display
    )

    @admin.display(description="编号", ordering="id")
    def task_id(self, obj):
        return obj.id

    @admin.display(description="任务")
    def task_label(self, obj):
        return obj.task_name

    @admin.display(description="错误追溯")
    def formatted_traceback(self, obj):
        return super().formatted_traceback(obj)

    @admin.display(description="最早运行时间")
    def display_run_after(self, obj):
        return super().display_run_after(obj)

    def get_readonly_fields(self, request, obj=None):
        return [
            "task_id" if name == "id" else name
            for name in super().get_readonly_fields(request, obj)
        ]


def _register_again(model, admin_class) -> None:
    # django-axes registers its admins only when AXES_ENABLE_ADMIN is on.
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, admin_class)


_register_again(AccessAttempt, AccessAttemptAdmin)
_register_again(DBTaskResult, TaskResultAdmin)
