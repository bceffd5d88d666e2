from django import forms

from jianbao.archive import selectors
from jianbao.archive.caching import for_this_version


def _filter_choices() -> tuple[list, list]:
    alliances = [(a.pk, a.name) for a in selectors.alliances_in_pinyin_order() if a.article_count]
    sections = [(s["title"], s["title"]) for s in selectors.sections()]
    return alliances, sections


class SearchForm(forms.Form):
    q = forms.CharField(label="检索词", required=False, max_length=200)
    alliance = forms.TypedChoiceField(label="联盟", required=False, coerce=int, empty_value=None)
    section = forms.ChoiceField(label="栏目", required=False)
    year_from = forms.IntegerField(label="起始年份", required=False, min_value=1990, max_value=2100)
    year_to = forms.IntegerField(label="截止年份", required=False, min_value=1990, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        alliances, sections = for_this_version("search-choices", _filter_choices)
        self.fields["alliance"].choices = [("", "全部联盟"), *alliances]
        self.fields["section"].choices = [("", "全部栏目"), *sections]
