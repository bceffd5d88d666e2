from django.contrib import admin

from jianbao.network.models import Organisation, OrganisationName


class OrganisationNameInline(admin.TabularInline):
    model = OrganisationName
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "names__name"]
    inlines = [OrganisationNameInline]
