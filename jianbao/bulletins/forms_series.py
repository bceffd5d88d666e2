"""Forms for a series' settings: one form for the title lines, rows for the rest."""

from __future__ import annotations

from django import forms

from jianbao.bulletins.models import Series, SeriesSection
from jianbao.bulletins.series_settings import Contact

SECTION_MAX = SeriesSection._meta.get_field("title").max_length
MAIN_FIELDS = (
    "title",
    "name",
    "office",
    "separate_review_and_sign",
    "proof_errors_block_submission",
)
PRINT_FIELDS = ("closing_on_even_page", "archival_pdf_download", "imports_public_after_check")


class SeriesForm(forms.Form):
    title = forms.CharField(
        label="简报名称",
        max_length=Series._meta.get_field("title").max_length,
        help_text="报头第一行，如：产业技术创新战略联盟试点工作",
    )
    name = forms.CharField(
        label="刊名",
        max_length=Series._meta.get_field("name").max_length,
        help_text="报头第二行，如：简报",
    )
    office = forms.CharField(
        label="编发单位",
        max_length=Series._meta.get_field("office").max_length,
        required=False,
        help_text="印在报头期号下方",
    )
    separate_review_and_sign = forms.BooleanField(
        label="审核与签发须由不同人员",
        required=False,
        help_text="开启后，审核通过某期的人不能再签发同一期",
    )
    proof_errors_block_submission = forms.BooleanField(
        label="有未处理的审校错误时不能提交审核",
        required=False,
        help_text="开启后，本期还有未采用建议、也未写明理由忽略的审校“错误”时，编辑不能提交审核；"
        "关闭时只在提交前提醒",
    )


class PrintForm(forms.Form):
    """How the series' PDF is made and what the site shows: read whenever a PDF is
    made or a page is shown, for every issue at once."""

    closing_on_even_page = forms.BooleanField(
        label="版记排在偶数页",
        required=False,
        help_text="开启后，版记排在偶数页（最后一张纸的背面），需要时在前面加一页空白页，"
        "符合 GB/T 9704；关闭时版记紧接正文，不加空白页",
    )
    archival_pdf_download = forms.BooleanField(
        label="公开下载存档用 PDF/A-2b 版本",
        required=False,
        help_text="开启后，公开页面下载的 PDF 和邮件附件的 PDF 是 PDF/A-2b 归档版"
        "（版面相同，便于长期保存）；关闭时是普通 PDF",
    )
    imports_public_after_check = forms.BooleanField(
        label="导入的往期核对后才公开",
        required=False,
        help_text="开启后，用 jianbao import 导入的往期在编辑于“往期导入”中标记为已核对之前，"
        "不在网站公开、也搜索不到；关闭时导入即公开",
    )


class _Row(forms.Form):
    """A row of a formset, with Chinese labels for the order and delete boxes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "ORDER" in self.fields:
            self.fields["ORDER"].label = "顺序"
        if "DELETE" in self.fields:
            self.fields["DELETE"].label = "删除此行"


class SectionRow(_Row):
    title = forms.CharField(label="栏目名称", max_length=SECTION_MAX)


class DistributionRow(_Row):
    list_name = forms.CharField(label="名单", max_length=20, help_text="如：报、送")
    names = forms.CharField(
        label="单位",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个单位",
    )


class ContactRow(_Row):
    label = forms.CharField(
        label="项目", max_length=50, required=False, help_text="如：联系人、电话、邮箱"
    )
    value = forms.CharField(label="内容", max_length=300, required=False)
    line = forms.IntegerField(
        label="第几行", min_value=1, max_value=20, initial=1, help_text="版记中联系方式的行次"
    )


SectionFormSet = forms.formset_factory(SectionRow, extra=2, can_order=True, can_delete=True)
DistributionFormSet = forms.formset_factory(DistributionRow, extra=1, can_delete=True)
ContactFormSet = forms.formset_factory(ContactRow, extra=1, can_delete=True)


class SeriesSettingsForms:
    """The page's five parts, bound together: valid only when every part is."""

    def __init__(self, series: Series, data=None):
        from jianbao.bulletins.series_settings import current_settings

        now = current_settings(series)
        self.series = series
        self.main = SeriesForm(
            data,
            initial={k: now[k] for k in MAIN_FIELDS},
        )
        self.print = PrintForm(data, initial={k: now[k] for k in PRINT_FIELDS})
        self.sections = SectionFormSet(
            data,
            prefix="sec",
            initial=[
                {"title": title, "ORDER": position + 1}
                for position, title in enumerate(now["sections"])
            ],
        )
        self.distribution = DistributionFormSet(
            data,
            prefix="dist",
            initial=[
                {"list_name": name, "names": "\n".join(names)}
                for name, names in now["default_distribution"].items()
            ],
        )
        self.contacts = ContactFormSet(
            data,
            prefix="contact",
            initial=[
                {
                    "label": c.get("label", ""),
                    "value": c.get("value", ""),
                    "line": c.get("line") or 1,
                }
                for c in now["contacts"]
            ],
        )

    @property
    def parts(self):
        return (self.main, self.print, self.sections, self.distribution, self.contacts)

    def is_valid(self) -> bool:
        return all([part.is_valid() for part in self.parts])

    def values(self) -> dict:
        """The service's keyword arguments, from the valid parts."""
        main = self.main.cleaned_data
        return {
            "title": main["title"],
            "name": main["name"],
            "office": main["office"],
            "separate_review_and_sign": main["separate_review_and_sign"],
            "proof_errors_block_submission": main["proof_errors_block_submission"],
            **{k: self.print.cleaned_data[k] for k in PRINT_FIELDS},
            "sections": [f.cleaned_data["title"] for f in self.sections.ordered_forms],
            "default_distribution": {
                f.cleaned_data["list_name"]: f.cleaned_data.get("names", "").splitlines()
                for f in _kept(self.distribution)
            },
            "contacts": [
                Contact(f.cleaned_data["label"], f.cleaned_data["value"], f.cleaned_data["line"])
                for f in _kept(self.contacts)
            ],
        }

    def add_error(self, field: str | None, message: str) -> None:
        """A refusal from the service, beside the part it concerns."""
        part = {
            "sections": self.sections,
            "default_distribution": self.distribution,
            "contacts": self.contacts,
        }.get(field or "")
        if part is not None:
            part._non_form_errors = part.error_class([*part.non_form_errors(), message])
        elif field in self.main.fields:
            self.main.add_error(field, message)
        elif field in self.print.fields:
            self.print.add_error(field, message)
        else:
            self.main.add_error(None, message)


def _kept(formset):
    """Filled rows not ticked for deletion (an untouched blank row has no cleaned data)."""
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
