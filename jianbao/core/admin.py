from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from jianbao.core.models import RoleGrant


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1
    autocomplete_fields = ["alliance"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class JianbaoUserAdmin(UserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "first_name", "email", "roles", "is_active"]

    @admin.display(description="角色")
    def roles(self, obj):
        return "、".join(sorted({g.get_role_display() for g in obj.role_grants.all()}))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_grants")


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "alliance", "created_at"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "alliance"]
