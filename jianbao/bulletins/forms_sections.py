"""Forms for an issue's sections, its 导读 and its 编者按."""

from __future__ import annotations

from django import forms

from jianbao.bulletins.models import Article, Issue, Section
from jianbao.bulletins.sections import TITLE_MAX


class SectionForm(forms.Form):
    title = forms.CharField(label="栏目名称", max_length=TITLE_MAX)
    toc_title = forms.CharField(
        label="导读中的栏目名",
        max_length=Section._meta.get_field("toc_title").max_length,
        required=False,
        help_text="导读中的写法与栏目名称不同时填写",
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if prefix_id:
            # Several of these forms on one page: ids stay unique.
            self.auto_id = f"id_{prefix_id}_%s"


class DirectionForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "上移"), ("down", "下移")])


class SwitchForm(forms.Form):
    """hide/show, keep/drop: one button posts ``on`` as "1" or "0"."""

    on = forms.TypedChoiceField(choices=[("1", "是"), ("0", "否")], coerce=lambda v: v == "1")


class EditorNoteForm(forms.Form):
    editor_note = forms.CharField(
        label="编者按",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="印在报头之后、本期导读之前；一行一段；不需要时留空",
    )


class TocForm(forms.Form):
    """One line per printed article (its 导读 wording) and each printed section's name."""

    def __init__(self, *args, toc, **kwargs):
        super().__init__(*args, **kwargs)
        self.toc = toc
        line_max = Article._meta.get_field("toc_title").max_length
        head_max = Section._meta.get_field("toc_title").max_length
        for part in toc.printed:
            section = part.section
            self.fields[f"heading-{section.pk}"] = forms.CharField(
                label=f"栏目“{section.title}”在导读中的名称",
                max_length=head_max,
                required=False,
                initial=part.heading,
            )
            for article in part.articles:
                self.fields[f"line-{article.pk}"] = forms.CharField(
                    label=f"《{article.title}》的导读标题",
                    max_length=line_max,
                    required=False,
                    initial=article.toc_title or article.title,
                )
                self.fields[f"version-{article.pk}"] = forms.IntegerField(
                    widget=forms.HiddenInput, initial=article.version, required=False
                )

    def rows(self):
        """The form in the 导读's order, for the template: sections, then their lines."""
        for part in self.toc.printed:
            yield (
                part,
                self[f"heading-{part.section.pk}"],
                [(a, self[f"line-{a.pk}"], self[f"version-{a.pk}"]) for a in part.articles],
            )

    def _by_id(self, prefix: str) -> dict[int, object]:
        # Only what was posted: an article added after the page was opened has a
        # field now but no line in the request, and keeps its wording.
        return {
            int(name.removeprefix(prefix)): value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and name in self.data and value is not None
        }

    @property
    def lines(self) -> dict[int, str]:
        return self._by_id("line-")

    @property
    def versions(self) -> dict[int, int]:
        return self._by_id("version-")

    @property
    def headings(self) -> dict[int, str]:
        return self._by_id("heading-")


def issue_note_initial(issue: Issue) -> dict:
    return {"editor_note": issue.editor_note}
