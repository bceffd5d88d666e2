from django import forms

from jianbao.bulletins.models import Section


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


def printed_date_field() -> forms.DateField:
    return forms.DateField(
        label="印发日期",
        required=False,
        widget=DateInput(),
        help_text="印在简报上的日期；留空则印签发当天的日期",
    )


class NewIssueForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    number = forms.IntegerField(label="年度期号（第N期）", min_value=1)
    running_number = forms.IntegerField(label="总期号（总第M期）", min_value=1)
    date = printed_date_field()


class IssueDateForm(forms.Form):
    date = printed_date_field()


class ArticleForm(forms.Form):
    title = forms.CharField(label="标题", max_length=500)
    toc_title = forms.CharField(
        label="导读标题",
        max_length=500,
        required=False,
        help_text="与标题措辞不同时填写，留空则导读使用标题",
    )
    body = forms.CharField(
        label="正文",
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="段落之间空一行；“一、”“（一）”开头的短行作为小标题",
    )
    credit = forms.CharField(
        label="供稿行",
        max_length=300,
        required=False,
        help_text="如：粉末冶金产业技术创新战略联盟秘书处供稿（不含括号）",
    )
    # The article's version when the form was opened (editing.update_article).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class CorrectionForm(ArticleForm):
    version = None

    note = forms.CharField(
        label="勘误说明",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="将随简报公开显示，例如：更正第二段中的单位名称",
    )


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MoveForm(forms.Form):
    section = forms.ModelChoiceField(queryset=Section.objects.none(), label="移到栏目")
    position = forms.IntegerField(label="位置", min_value=0, required=False)

    def __init__(self, *args, issue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = issue.sections.all()
