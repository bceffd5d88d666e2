"""The desk's proofing forms: a finding's key, a dictionary entry (a dismissal's reason
is checked by the service, after who asks)."""

from __future__ import annotations

from django import forms

from .models import DictionaryEntry

KEY = r"^[0-9a-f]{16}$"


class KeyForm(forms.Form):
    key = forms.RegexField(regex=KEY, widget=forms.HiddenInput)
    # Where to come back to: the page showed one article only.
    article = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _field(name: str):
    return DictionaryEntry._meta.get_field(name)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(
        label="类别",
        choices=DictionaryEntry.Kind.choices,
        help_text="用法：不规范的写法及应为的写法；固定表述：必须照原样写的提法；"
        "例外：任何规则都不标出的文字；规范名称：机构的全称或规范简称",
    )
    term = forms.CharField(
        label="查找",
        max_length=_field("term").max_length,
        help_text="文中要查找的文字，如“做出”“扶植”",
        error_messages={"required": "请填写要查找的文字"},
    )
    replacement = forms.CharField(
        label="应为",
        max_length=_field("replacement").max_length,
        required=False,
        help_text="用法、规范名称须填写，如“作出”“扶持”；例外不填",
    )
    note = forms.CharField(
        label="说明",
        max_length=_field("note").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="随审校提示显示，说明为什么",
    )
    valid_from = forms.DateField(
        label="起用日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="按每期的日期判断；留空表示一直有效",
    )
    valid_until = forms.DateField(
        label="停用日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="如机构更名：旧名称在此日期之后不再使用",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "停用日期不能早于起用日期")
        return data

    @classmethod
    def initial_of(cls, entry: DictionaryEntry) -> dict:
        return {name: getattr(entry, name) for name in cls.base_fields}
