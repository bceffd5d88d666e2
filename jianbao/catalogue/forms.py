from django import forms


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        single = super().clean
        return [single(f, initial) for f in files]


class UploadForm(forms.Form):
    files = _MultipleFileField(
        label="往期简报文件",
        required=False,
        widget=_MultipleFileInput(
            attrs={"accept": ".pdf,.docx,.doc,.wps,.txt,.md,.json,.png,.jpg,.jpeg,.tif,.tiff"}
        ),
        help_text="可一次选择多个文件，每个文件一期：PDF（有文字层的或扫描件）、Word（.docx、.doc）、"
        "WPS、纯文本或页面图片。上传后在后台导入，扫描件每页约需数秒。",
    )
    replace = forms.BooleanField(
        label="覆盖归档中已有的同一期",
        required=False,
        help_text="不勾选时，内容不同的同一期不会被覆盖，会列为“未导入”",
    )
