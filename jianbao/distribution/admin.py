from django.contrib import admin

from jianbao.distribution.models import Delivery, DistributionList, Recipient


class RecipientInline(admin.TabularInline):
    model = Recipient
    fields = ["organisation", "person", "address", "is_active"]
    extra = 1


@admin.register(DistributionList)
class DistributionListAdmin(admin.ModelAdmin):
    list_display = ["kind", "name"]
    inlines = [RecipientInline]


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["organisation", "person", "address", "distribution_list", "is_active"]
    list_filter = ["distribution_list", "is_active"]
    search_fields = ["organisation", "person", "address"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: states change only through sending, so the log stays true."""

    list_display = ["issue", "address", "state", "attempts", "sent_at", "error"]
    list_filter = ["state", "issue"]
    search_fields = ["address", "organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
