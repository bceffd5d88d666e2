from django import forms

from jianbao.network.exchange import (
    MAX_CONTACT_LENGTH,
    contact_problems,
    parse_contact,
    value_problem,
)
from jianbao.network.membership import MAX_OBJECTION_TEXT, default_notice_days
from jianbao.network.models import CommitteeOpinion, MembershipApplication, Objection


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # <input type=date> only shows ISO dates, whatever the locale prints.
        super().__init__(attrs, format="%Y-%m-%d")


PARTICULARS = [
    "field",
    "chair_unit_name",
    "member_count",
    "founded_year",
    "contact_name",
    "contact_email",
    "statement",
]


class ApplicationForm(forms.ModelForm):
    alliance = forms.ModelChoiceField(queryset=None, label="申请联盟", empty_label=None)
    documents = MultipleFileField(
        label="申请材料",
        help_text="网员注册申请表、联盟章程、成员单位名单等，每个文件不超过 20 MB",
    )

    class Meta:
        model = MembershipApplication
        fields = PARTICULARS
        widgets = {"statement": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances
        self.order_fields(["alliance", *PARTICULARS, "documents"])

    def clean(self):
        cleaned = super().clean()
        # One-line particulars: a line break here would end up in a mail or a notice.
        for name in ("field", "chair_unit_name", "contact_name"):
            value = cleaned.get(name) or ""
            limit = self.fields[name].max_length
            if problem := value_problem(self.fields[name].label, value, limit):
                self.add_error(name, problem)
        return cleaned


class OpinionForm(forms.Form):
    opinion = forms.ChoiceField(
        label="审核意见", choices=CommitteeOpinion.Opinion.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label="意见或理由", required=False, widget=forms.Textarea)


class CouncilForm(forms.Form):
    meeting_name = forms.CharField(
        label="理事会会议", max_length=100, help_text="如：第二届第三次会议"
    )
    meeting_date = forms.DateField(label="会议日期", widget=DateInput)


class NoticeForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        queryset=None, label="列入公示的联盟", widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label="公示开始日期", widget=DateInput)
    working_days = forms.IntegerField(label="公示期（工作日）", min_value=1, max_value=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = MembershipApplication.objects.filter(
            state=MembershipApplication.State.COUNCIL_CONFIRMED
        ).select_related("alliance")
        self.fields["applications"].label_from_instance = lambda a: a.alliance.name
        self.fields["working_days"].initial = default_notice_days()


class ObjectionForm(forms.ModelForm):
    # Bots fill every field; people never see this one.
    homepage = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label="异议内容",
        max_length=MAX_OBJECTION_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"不超过 {MAX_OBJECTION_TEXT} 字",
    )

    class Meta:
        model = Objection
        fields = ["application", "name", "contact", "text"]

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = notice.applications.filter(
            state=MembershipApplication.State.PUBLIC_NOTICE
        ).select_related("alliance")
        self.fields["application"].label_from_instance = lambda a: a.alliance.name
        self.fields["application"].empty_label = None


class ResolveForm(forms.Form):
    resolution = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 3}))


class ProfileChangeForm(forms.Form):
    field = forms.CharField(label="领域或行业", max_length=100, required=False)
    website = forms.URLField(label="网站", max_length=200, required=False, assume_scheme="https")
    chair_unit_name = forms.CharField(label="理事长单位", max_length=200, required=False)
    contacts = forms.CharField(
        label="秘书处联系人",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一人：姓名 <邮箱> 电话",
    )

    def _checked(self, name: str) -> str:
        value = self.cleaned_data[name]
        if problem := value_problem(self.fields[name].label, value, self.fields[name].max_length):
            raise forms.ValidationError(problem)
        return value

    def clean_field(self):
        return self._checked("field")

    def clean_chair_unit_name(self):
        return self._checked("chair_unit_name")

    def clean_contacts(self):
        contacts = []
        for line in self.cleaned_data["contacts"].splitlines():
            if not line.strip():
                continue
            if len(line.strip()) > MAX_CONTACT_LENGTH:
                raise forms.ValidationError(f"每位联系人不超过 {MAX_CONTACT_LENGTH} 个字符")
            contact = parse_contact(line)
            if contact is None:
                raise forms.ValidationError(f"“{line}”应写作“姓名 <邮箱> 电话”")
            if problems := contact_problems(contact):
                raise forms.ValidationError(problems)
            if contact.email:
                forms.EmailField().clean(contact.email)
            contacts.append({"name": contact.name, "email": contact.email, "phone": contact.phone})
        return contacts

    def changes_from(self, current: dict) -> dict:
        """Only what differs from the profile now: the office approves a change, not a form."""
        return {k: v for k, v in self.cleaned_data.items() if v != current.get(k)}
