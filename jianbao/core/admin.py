"""Users, roles and the shared history in the admin.

Roles change only through ``jianbao.core.services`` (checked and recorded);
the superuser and staff flags, groups and permissions are a superuser's to
set; a 管理员 manages ordinary accounts and its own, but not a superuser's
or another staff member's (whose password would be a way to their powers).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction

import jianbao.core.admin_labels  # noqa: F401  (Chinese labels for the third-party admins)
from jianbao.core import services
from jianbao.core.admin_tools import ReadOnlyAdmin, RecordedAdmin
from jianbao.core.errors import JianbaoError
from jianbao.core.models import HistoryEvent, RoleGrant

# Fields that decide what the admin site itself lets a person do.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


class RoleGrantForm(forms.ModelForm):
    """Asks the service whether this grant is allowed, so a refusal shows on the form."""

    acting_user = None  # set per request by the admin

    class Meta:
        model = RoleGrant
        fields = ["user", "role", "alliance"]

    def _grantee(self):
        if "user" in self.fields:
            return self.cleaned_data.get("user")
        # In the user page's inline the account is the page's own (unsaved when adding).
        return self.instance.user if self.instance.user_id else None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("role"):
            try:
                services.check_grant(
                    self._grantee(),
                    cleaned["role"],
                    by=self.acting_user,
                    alliance=cleaned.get("alliance"),
                )
            except JianbaoError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned


class RoleGrantInline(admin.TabularInline):
    """Grants are added or revoked here, never edited: an edit could move one to someone else."""

    model = RoleGrant
    form = RoleGrantForm
    fields = ["role", "alliance", "created_at"]
    readonly_fields = ["created_at"]
    extra = 1
    autocomplete_fields = ["alliance"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.acting_user = request.user  # a fresh form class on every call
        return formset


User = get_user_model()
admin.site.unregister(User)


def _guards_admin_powers(request, obj) -> bool:
    """True when ``request.user`` may not change ``obj``: someone else with admin powers."""
    if request.user.is_superuser or obj is None or obj.pk == request.user.pk:
        return False
    return obj.is_superuser or obj.is_staff


def _guards_identity(request, obj) -> bool:
    """True when ``request.user`` may not set ``obj``'s password.

    Whoever knows a signer's password can sign in the signer's name, so a
    管理员 sets passwords only for accounts without a role or staff access
    (such as the ones it has just created) and for its own; the others are
    reset by a superuser or with ``jianbao changepassword``.
    """
    if request.user.is_superuser or obj is None or obj.pk == request.user.pk:
        return False
    return obj.is_superuser or obj.is_staff or obj.role_grants.exists()


@admin.register(User)
class JianbaoUserAdmin(RecordedAdmin, UserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "first_name", "email", "roles", "is_active", "is_staff"]

    @admin.display(description="角色")
    def roles(self, obj):
        return "、".join(sorted({g.get_role_display() for g in obj.role_grants.all()}))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_grants")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # The form is built from these fields, so a POSTed is_superuser is simply not read.
        return [
            (
                name,
                {**opts, "fields": [f for f in opts["fields"] if f not in SUPERUSER_ONLY_FIELDS]},
            )
            for name, opts in fieldsets
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A non-superuser's form has none of these fields: a POST that sends
        # them was made by hand, and is refused whole.
        if (
            request.method == "POST"
            and not request.user.is_superuser
            and any(name in request.POST for name in SUPERUSER_ONLY_FIELDS)
        ):
            raise PermissionDenied("只有超级用户可以更改超级用户、职员身份、用户组和权限")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if _guards_identity(request, user):
            raise PermissionDenied("只有超级用户可以为有角色或管理权限的账号设置密码")
        with transaction.atomic():  # the password and its history row together
            return super().user_change_password(request, id, form_url)

    def has_change_permission(self, request, obj=None):
        if _guards_admin_powers(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if _guards_admin_powers(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            # The form cannot set these for a non-superuser; make sure nothing else did.
            stored = User.objects.filter(pk=obj.pk).first() if obj.pk else None
            for name in ("is_superuser", "is_staff"):
                if getattr(obj, name) != (getattr(stored, name) if stored else False):
                    raise PermissionDenied("只有超级用户可以更改超级用户和职员身份")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleGrant:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sorts the rows; the service writes them
        with transaction.atomic():
            for grant in formset.deleted_objects:
                services.revoke_role(grant, by=request.user)
            for grant in formset.new_objects:
                services.grant_role(
                    form.instance, grant.role, by=request.user, alliance=grant.alliance
                )
        return None

    def _revoke_all(self, request, user) -> None:
        # The grants would go with the account; revoke them first, so each is recorded.
        for grant in user.role_grants.all():
            services.revoke_role(grant, by=request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._revoke_all(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action checks the model permission only; look at each account too.
        if any(_guards_admin_powers(request, user) for user in queryset):
            raise PermissionDenied("不能删除超级用户或其他管理员的账号")
        with transaction.atomic():
            for user in queryset:
                self._revoke_all(request, user)
            super().delete_queryset(request, queryset)


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    form = RoleGrantForm
    list_display = ["user", "role", "alliance", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "alliance"]
    search_fields = ["user__username", "user__first_name"]
    autocomplete_fields = ["user", "alliance"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        grant = services.grant_role(obj.user, obj.role, by=request.user, alliance=obj.alliance)
        obj.pk, obj.created_at = grant.pk, grant.created_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.revoke_role(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for grant in queryset.select_related("user", "alliance"):
                services.revoke_role(grant, by=request.user)


@admin.register(HistoryEvent)
class HistoryEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_name", "subject_label", "comment"]
    list_filter = ["action", "actor"]
    search_fields = ["action", "subject_label", "actor_name", "comment"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    fields = [
        "created_at",
        "action",
        "actor",
        "actor_name",
        "subject_type",
        "subject_id",
        "subject_label",
        "from_state",
        "to_state",
        "comment",
        "data",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at", "-id")
