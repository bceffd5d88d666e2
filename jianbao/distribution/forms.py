"""Forms of the distribution desk: a recipient, an import, an issue's 报送范围."""

from __future__ import annotations

from django import forms

from jianbao.distribution.models import DistributionList, Recipient

IMPORT_TYPES = (".xlsx", ".csv")


class RecipientForm(forms.Form):
    organisation = forms.CharField(label="单位", max_length=200)
    person = forms.CharField(label="姓名", max_length=100, required=False)
    address = forms.CharField(
        label="邮箱",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def add_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            self.add_error(name, message)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="名单文件（.xlsx 或 .csv）",
        help_text="第一行为列名：单位、姓名、邮箱。任何一行有错误时一个也不导入，并列出出错的行和列。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(IMPORT_TYPES):
            raise forms.ValidationError(f"只能导入 .xlsx 或 .csv 文件，不是“{upload.name}”")
        return upload


class AudienceForm(forms.Form):
    """Which lists, and which recipients beyond them, receive one issue."""

    lists = forms.ModelMultipleChoiceField(
        label="发送给这些名单",
        queryset=DistributionList.objects.order_by("kind"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    extra_recipients = forms.ModelMultipleChoiceField(
        label="另外发送给",
        queryset=Recipient.objects.filter(is_active=True).select_related("distribution_list"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="名单以外的个别收件人（例如只给“送”名单中的某一位）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lists"].label_from_instance = lambda dl: (
            f"“{dl.kind}”名单{f'（{dl.name}）' if dl.name else ''}"
        )
        self.fields["extra_recipients"].label_from_instance = lambda r: (
            f"[{r.distribution_list.kind}] {r}"
        )
