from django import forms

from jianbao.review.services import MAX_PASSAGE, MAX_TEXT


class CommentForm(forms.Form):
    passage = forms.CharField(
        label="所引原文",
        required=False,
        max_length=MAX_PASSAGE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="在文中选中一段文字即自动填入，也可照原文输入；留空则针对整篇文章",
    )
    text = forms.CharField(
        label="意见", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="答复", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
