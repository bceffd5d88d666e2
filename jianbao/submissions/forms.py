from django import forms
from django.core.exceptions import ValidationError

from jianbao.bulletins.models import Issue
from jianbao.core.text import pinyin_key
from jianbao.submissions.models import Submission


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": ".docx,.doc,.wps,.txt,.pdf,image/png,image/jpeg,image/gif"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        from jianbao.submissions.services import MAX_ATTACHMENT_BYTES

        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        # By the size the upload reports, before a byte of the file is read.
        for f in files:
            if getattr(f, "size", 0) > MAX_ATTACHMENT_BYTES:
                raise ValidationError(f"{f.name}：文件过大（上限 20 MB）")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class SubmissionForm(forms.Form):
    alliance = forms.ModelChoiceField(queryset=None, label="供稿联盟", empty_label=None)
    title = forms.CharField(
        label="标题",
        max_length=500,
        required=False,
        help_text="上传 Word 文档时可留空，取文档第一段作标题",
    )
    body = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="可直接从 Word 粘贴，段落会保留；也可只上传 Word 文档",
    )
    credit = forms.CharField(
        label="供稿行",
        max_length=300,
        required=False,
        help_text="不含括号，如：粉末冶金产业技术创新战略联盟秘书处供稿",
    )
    files = MultipleFileField(
        label="附件", required=False, help_text="Word（.docx）、文本或图片，每个不超过 20 MB"
    )

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances
        if alliances.count() == 1:
            self.fields["alliance"].initial = alliances.first()


class ReviseForm(forms.Form):
    title = forms.CharField(label="标题", max_length=500)
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 14}))
    credit = forms.CharField(label="供稿行", max_length=300, required=False)


class QueueFilterForm(forms.Form):
    alliance = forms.ModelChoiceField(
        queryset=None, required=False, label="联盟", empty_label="全部联盟"
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Submission.State.choices]
    )
    since = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["alliance"]
        field.queryset = alliances
        # As people look names up: by pinyin, so WAPI sits among the W names.
        ordered = sorted(alliances, key=lambda a: pinyin_key(a.name))
        field.choices = [("", field.empty_label), *((a.pk, str(a)) for a in ordered)]


def editable_issues():
    return Issue.objects.filter(state=Issue.State.EDITING).select_related("series")


class BatchAcceptForm(forms.Form):
    """Several received items and the one issue (编辑中) they all go into."""

    item = forms.ModelMultipleChoiceField(
        queryset=Submission.objects.filter(state=Submission.State.RECEIVED),
        label="稿件",
        error_messages={"required": "请勾选要采用的稿件"},
    )
    issue = forms.ModelChoiceField(
        queryset=Issue.objects.none(),
        label="采用到",
        empty_label=None,
        error_messages={"invalid_choice": "只能采用到编辑中的一期，请重新选择"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issue"].queryset = editable_issues().order_by("-year", "-number")
        self.fields["issue"].label_from_instance = lambda issue: issue.label
        self.fields["item"].error_messages["invalid_choice"] = (
            "所选稿件中有已处理或不存在的稿件，请刷新后重新勾选"
        )


class AcceptForm(forms.Form):
    issue = forms.ModelChoiceField(
        queryset=Issue.objects.filter(state=Issue.State.EDITING), label="采用到", empty_label=None
    )
    section = forms.CharField(label="栏目")


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
