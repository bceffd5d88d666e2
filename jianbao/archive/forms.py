from django import forms

from jianbao.archive import selectors


class SearchForm(forms.Form):
    q = forms.CharField(label="检索词", required=False, max_length=200)
    alliance = forms.TypedChoiceField(label="联盟", required=False, coerce=int, empty_value=None)
    section = forms.ChoiceField(label="栏目", required=False)
    year_from = forms.IntegerField(label="起始年份", required=False, min_value=1990, max_value=2100)
    year_to = forms.IntegerField(label="截止年份", required=False, min_value=1990, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].choices = [("", "全部联盟")] + [
            (a.pk, a.name) for a in selectors.alliances() if a.article_count
        ]
        self.fields["section"].choices = [("", "全部栏目")] + [
            (s["title"], s["title"]) for s in selectors.sections()
        ]
