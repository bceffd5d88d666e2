import re

from django import forms

from jianbao.archive import selectors
from jianbao.archive.caching import for_this_version


def _filter_choices() -> tuple[list, list]:
    # One choice per public alliance: a suspected duplicate is searched under its kept row.
    entries = selectors.public_alliances(selectors.shown_under())
    alliances = [(e.pk, e.name) for e in entries if e.article_count]
    sections = [(s["title"], s["title"]) for s in selectors.sections()]
    return alliances, sections


class SearchForm(forms.Form):
    q = forms.CharField(label="检索词", required=False, max_length=200)
    alliance = forms.TypedChoiceField(label="联盟", required=False, coerce=int, empty_value=None)
    section = forms.ChoiceField(label="栏目", required=False)
    year_from = forms.IntegerField(label="起始年份", required=False, min_value=1990, max_value=2100)
    year_to = forms.IntegerField(label="截止年份", required=False, min_value=1990, max_value=2100)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and re.fullmatch(r"[0-9]{1,18}", str(data.get("alliance") or "")):
            # A link made before the registry paired two rows names the other row:
            # read it as the alliance the site shows for it.
            kept = selectors.shown_under().get(int(data["alliance"]))
            if kept is not None:
                data = data.copy()
                data["alliance"] = str(kept)
        super().__init__(data, *args, **kwargs)
        alliances, sections = for_this_version("search-choices", _filter_choices)
        self.fields["alliance"].choices = [("", "全部联盟"), *alliances]
        self.fields["section"].choices = [("", "全部栏目"), *sections]
