from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from jianbao.core.admin_tools import ReadOnlyAdmin, ReadOnlyTabularInline, RecordedAdmin
from jianbao.network.models import (
    ApplicationDocument,
    ApplicationEvent,
    BodyMember,
    CommitteeOpinion,
    MembershipApplication,
    MemberUnit,
    MergeDecision,
    NetworkBody,
    Objection,
    Organisation,
    OrganisationName,
    ProfileChange,
    PublicNotice,
    SecretariatContact,
)


class OrganisationNameInline(admin.TabularInline):
    model = OrganisationName
    extra = 1


class SecretariatContactInline(admin.TabularInline):
    model = SecretariatContact
    extra = 1


class MemberUnitInline(admin.TabularInline):
    model = MemberUnit
    fk_name = "alliance"
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(Organisation)
class OrganisationAdmin(RecordedAdmin):
    list_display = [
        "name",
        "kind",
        "is_pilot",
        "is_network_member",
        "network_member_since",
        "status",
    ]
    list_filter = ["kind", "is_pilot", "is_network_member", "status"]
    search_fields = ["name", "names__name"]
    autocomplete_fields = ["chair_unit"]
    # Network membership is the outcome of the admission procedure (or of a
    # registry import): a tick here would skip the committee and the notice.
    readonly_fields = ["is_network_member", "network_member_since"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "status"]}),
        (
            "联盟信息",
            {
                "fields": [
                    "is_pilot",
                    "is_network_member",
                    "network_member_since",
                    "field",
                    "chair_unit",
                    "website",
                ]
            },
        ),
    ]
    inlines = [OrganisationNameInline, SecretariatContactInline, MemberUnitInline]
    actions = ["merge_selected"]

    def has_delete_permission(self, request, obj=None):
        # Deleting a name printed in articles, or held by someone's role, would
        # silently cut those links; such a name is merged instead.
        if obj is not None and (
            obj.mentioned_in.exists()
            or obj.contributed_articles.exists()
            or obj.role_grants.exists()
        ):
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="合并所选的两个联盟（下一步确认保留哪个名称）")
    def merge_selected(self, request, queryset):
        chosen = list(
            queryset.annotate(n=Count("mentioned_in"))
            .order_by("-n", "name")
            .values_list("pk", flat=True)
        )
        if len(chosen) != 2:
            self.message_user(request, "请恰好选择两个联盟", level=messages.ERROR)
            return None
        url = reverse("network:merge_confirm") + "?" + urlencode({"a": chosen[0], "b": chosen[1]})
        return HttpResponseRedirect(url)


class BodyMemberForm(forms.ModelForm):
    """A seat is a say in the membership vote, so it follows the rules of a role.

    A 管理员 gives no seat to itself, and a seat whose opinions are on record
    keeps its holder: changing it would change who voted.
    """

    acting_user = None  # set per request by the inline

    class Meta:
        model = BodyMember
        fields = ["position", "person_name", "unit", "user"]

    def clean(self):
        cleaned = super().clean()
        by = self.acting_user
        user = cleaned.get("user")
        if (
            by is not None
            and not by.is_superuser
            and user is not None
            and user.pk == by.pk
            and (self.instance.pk is None or self.instance.user_id != by.pk)
        ):
            raise forms.ValidationError(
                "管理员不能让自己成为机构成员：请另一位管理员或超级用户办理"
            )
        holder = {"person_name", "unit", "user"} & set(self.changed_data)
        if self.instance.pk is not None and holder and self.instance.opinions.exists():
            raise forms.ValidationError(
                "这位委员已有审核意见在案，不能更换人员或单位；请另加一位成员"
            )
        return cleaned


class BodyMemberInline(admin.TabularInline):
    model = BodyMember
    form = BodyMemberForm
    extra = 1
    autocomplete_fields = ["unit", "user"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.acting_user = request.user
        return formset


@admin.register(NetworkBody)
class NetworkBodyAdmin(RecordedAdmin):
    list_display = ["name", "kind", "quorum", "majority_percent"]
    inlines = [BodyMemberInline]


ReadOnlyInline = ReadOnlyTabularInline


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["original_name", "size", "uploaded_at"]
    readonly_fields = fields


class OpinionInline(ReadOnlyInline):
    model = CommitteeOpinion
    fields = ["member", "opinion", "comment", "recorded_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["created_at", "action", "from_state", "to_state", "actor_name", "comment"]
    readonly_fields = fields


class RecordAdmin(ReadOnlyAdmin):
    """Records of the procedure: readable here, written only by the services, never deleted.

    Changing them in the admin would bypass the transition table and its
    append-only history, so the steps are taken on the network's staff pages.
    """


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(RecordAdmin):
    list_display = ["alliance", "state", "created_at", "notice"]
    list_filter = ["state"]
    search_fields = ["alliance__name"]
    list_select_related = ["alliance", "notice"]
    inlines = [DocumentInline, OpinionInline, EventInline]


@admin.register(PublicNotice)
class PublicNoticeAdmin(RecordAdmin):
    list_display = ["title", "starts_on", "ends_on"]


@admin.register(Objection)
class ObjectionAdmin(RecordAdmin):
    list_display = ["application", "name", "lodged_at", "resolved_at"]
    list_select_related = ["application__alliance"]


@admin.register(ProfileChange)
class ProfileChangeAdmin(RecordAdmin):
    list_display = ["alliance", "state", "proposed_at", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["alliance"]


@admin.register(MergeDecision)
class MergeDecisionAdmin(RecordAdmin):
    list_display = ["other_name", "canonical_name", "decision", "decided_by", "decided_at"]
    list_select_related = ["decided_by"]
