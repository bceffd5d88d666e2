from django import forms
from django.contrib import admin

from jianbao.core.admin_tools import ReadOnlyAdmin, RecordedAdmin
from jianbao.distribution.models import Delivery, DistributionList, Recipient


class RecipientForm(forms.ModelForm):
    """A line break in a name would end up in a mail header."""

    class Meta:
        model = Recipient
        fields = ["distribution_list", "organisation", "person", "address", "is_active"]

    def _one_line(self, name):
        value = self.cleaned_data.get(name, "")
        if any(c in value for c in "\r\n\x00"):
            raise forms.ValidationError("不能含换行或空字符")
        return value

    def clean_organisation(self):
        return self._one_line("organisation")

    def clean_person(self):
        return self._one_line("person")


class RecipientInline(admin.TabularInline):
    model = Recipient
    form = RecipientForm
    fields = ["organisation", "person", "address", "is_active"]
    extra = 1


@admin.register(DistributionList)
class DistributionListAdmin(RecordedAdmin):
    list_display = ["kind", "name"]
    inlines = [RecipientInline]


@admin.register(Recipient)
class RecipientAdmin(RecordedAdmin):
    form = RecipientForm
    list_display = ["organisation", "person", "address", "distribution_list", "is_active"]
    list_filter = ["distribution_list", "is_active"]
    search_fields = ["organisation", "person", "address"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Read-only and never deleted: states change only through sending, so the log stays true.

    A deleted row would also let the same issue go to the same address twice.
    """

    list_display = ["issue", "address", "state", "attempts", "sent_at", "error"]
    list_filter = ["state", "issue"]
    search_fields = ["address", "organisation"]
    list_select_related = ["issue"]
