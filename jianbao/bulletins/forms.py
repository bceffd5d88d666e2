from django import forms

from jianbao.bulletins.models import Section
from jianbao.core.errors import JianbaoError
from jianbao.publishing.ingest.html import blocks_from_html, blocks_to_html
from jianbao.publishing.parsed import IMAGE
from jianbao.publishing.parsed import Block as ContentBlock

MARKUP, HTML = "markup", "html"


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


def editor_src(name: str) -> str:
    """Where the editor shows a stored picture: its 960-pixel web copy."""
    from jianbao.publishing import pictures

    try:
        return pictures.variant_url(name, 960, "jpg")
    except (JianbaoError, OSError, ValueError):
        # Not in the store (the save will say so); the editor shows its alt text.
        return ""


def editor_html(blocks) -> str:
    """Stored blocks as the rich editor loads them."""
    return blocks_to_html(blocks, picture_src=editor_src)


class ArticleForm(forms.Form):
    """The article: the rich editor posts ``body_html`` (body_format=html); without
    JavaScript the ``body`` textarea in THE TEXT MARKUP is posted instead.

    Neither is trusted or stored as posted: cleaning gives ``blocks`` (the content
    shape), which the services store.
    """

    title = forms.CharField(label="标题", max_length=500)
    toc_title = forms.CharField(
        label="导读标题",
        max_length=500,
        required=False,
        help_text="与标题措辞不同时填写，留空则导读使用标题",
    )
    body = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=(
            "段落之间空一行；“一、”“（一）”开头的短行作为小标题；**加粗**、*倾斜*、"
            "[文字](https://…) 链接；“> ”开头的段落为编者按；表格用 | 分隔各格"
        ),
    )
    body_html = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "data-desk-editor": ""}),
    )
    # The page says which of the two was edited: the script sets html.
    body_format = forms.ChoiceField(
        choices=((MARKUP, "纯文本"), (HTML, "富文本")),
        required=False,
        widget=forms.HiddenInput,
        initial=MARKUP,
    )
    # Without JavaScript: a picture to add at the end of the body (its line can
    # then be moved, and its caption written, in the text).
    picture = forms.FileField(
        label="添加图片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=(
            "保存时加在正文末尾，成为一行 ![图注](图片名)：可把这一行移到别处，在 [ ] 中写图注"
        ),
    )
    credit = forms.CharField(
        label="供稿行",
        max_length=300,
        required=False,
        help_text="如：粉末冶金产业技术创新战略联盟秘书处供稿（不含括号）",
    )
    # The article's version when the form was opened (editing.update_article).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self):
        data = super().clean()
        upload = data.pop("picture", None)
        rich = data.pop("body_format", "") == HTML
        posted = data.pop("body_html", "")
        if rich:
            blocks, warnings = blocks_from_html(posted)
            # What comes back to the editor is what would be stored, never what was posted.
            self.data = self.data.copy()
            self.data["body_html"] = editor_html(blocks)
            for warning in warnings:
                self.add_error("body_html", warning)
            if not blocks:
                self.add_error("body_html", "正文不能为空")
            data["blocks"] = blocks
            data["body"] = "\n\n".join(b.plain_text for b in blocks)
        else:
            if not (data.get("body") or "").strip() and not upload:
                self.add_error("body", "正文不能为空")
            # The services read the markup themselves.
            data["blocks"] = None
        if upload and not self.errors:
            self._add_picture(data, upload)
        return data

    def _add_picture(self, data, upload) -> None:
        from jianbao.bulletins.editing import blocks_from_body
        from jianbao.publishing import pictures

        try:
            stored = pictures.accept(upload.read(), filename=upload.name)
        except JianbaoError as exc:
            self.add_error("picture", str(exc))
            return
        blocks = data["blocks"] if data["blocks"] is not None else blocks_from_body(data["body"])
        picture = ContentBlock(IMAGE, file=stored.name, width=stored.width, height=stored.height)
        data["blocks"] = (*blocks, picture)

    @property
    def picture_max_bytes(self) -> int:
        """The largest picture pictures.accept takes, for the editor to say before uploading."""
        from django.conf import settings

        return settings.JIANBAO_PICTURE_MAX_BYTES


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
