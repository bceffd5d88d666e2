"""What the checker knows about a stored issue: selectors.context_for and proof_issue."""

import datetime as dt

import pytest
from django.utils import timezone

from jianbao.bulletins import editing
from jianbao.bulletins.models import Issue, IssueEvent
from jianbao.network.models import OrganisationName
from jianbao.proofing import dictionary
from jianbao.proofing.checker import proof
from jianbao.proofing.context import Alliance, Numbering, ProofContext
from jianbao.proofing.models import DictionaryEntry
from jianbao.proofing.selectors import context_for, context_for_file, proof_issue
from tests.factories import SECTIONS, AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db


def issue(series, year, number, running, date=None):
    return Issue.objects.create(
        series=series, year=year, number=number, running_number=running, date=date
    )


def test_the_imported_sample_s_context_comes_from_the_store(imported_issue):
    context = context_for(imported_issue)
    assert context.as_of == dt.date(2023, 3, 20)
    assert context.signed_on == dt.date(2023, 3, 20)
    assert context.previous is None
    assert context.series_sections == (
        "重要政策动态",
        "联盟联络组及协发网动态",
        "试点联盟动态及协发网网员单位动态",
    )
    assert context.distribution["报"][:3] == ("科技部", "发展改革委", "财政部")
    assert context.distribution["送"] == (
        "各试点产业技术创新战略联盟",
        "联盟协发网成员单位",
        "有关地方科技厅（局）",
    )
    alliances = {a.name: a for a in context.alliances}
    assert alliances["粉末冶金产业技术创新战略联盟"].short_names == ("粉末冶金联盟",)
    assert "水环境联盟" in alliances["水环境资源产业技术创新战略联盟"].short_names
    assert set(context.dictionary) == set(dictionary.shipped())


def test_only_approved_short_names_reach_the_context_not_other_names():
    alliance = AllianceFactory(name="电动汽车电驱动系统产业技术创新战略联盟")
    OrganisationName.objects.create(
        organisation=alliance, name="电动汽车电驱动系统产业联盟", kind=OrganisationName.Kind.OTHER
    )
    OrganisationName.objects.create(
        organisation=alliance, name="电驱动联盟", kind=OrganisationName.Kind.SHORT
    )
    context = context_for(issue(SeriesFactory(), 2023, 1, 1))
    assert Alliance(alliance.name, ("电驱动联盟",), str(alliance.pk)) in context.alliances


def test_the_previous_issue_is_the_one_before_in_the_same_series():
    series = SeriesFactory()
    other = SeriesFactory(slug="series-2", title="另一份简报")
    issue(series, 2022, 12, 65)
    issue(series, 2023, 1, 66)
    issue(other, 2023, 4, 200)
    later = issue(series, 2023, 3, 68)
    current = issue(series, 2023, 2, 67)
    assert context_for(current).previous == Numbering(2023, 1, 66)
    assert context_for(later).previous == Numbering(2023, 2, 67)
    assert context_for(issue(series, 2024, 1, 69)).previous == Numbering(2023, 3, 68)


def test_a_number_skipped_against_the_archive_is_found_on_the_stored_issue():
    series = SeriesFactory()
    issue(series, 2023, 1, 66)
    skipped = issue(series, 2023, 3, 68, date=dt.date(2023, 4, 20))
    rules = {f.rule: f for f in proof_issue(skipped)}
    assert rules["numbering.number"].suggestion == "第2期"
    assert rules["numbering.running"].suggestion == "总第67期"


def test_an_issue_being_edited_in_the_desk_has_no_structure_findings():
    editor = person("ed", "editor")
    series = SeriesFactory()
    created = editing.create_issue(series, year=2023, number=1, running_number=1, by=editor)
    context = context_for(created)
    assert context.signed_on is None
    assert context.as_of == timezone.localdate()  # undated yet: as of today
    assert proof_issue(created) == []


def test_the_series_sections_and_lists_are_the_series_own():
    series = SeriesFactory(default_distribution={"报": ["科技部"], "送": ["各联盟"]})
    context = context_for(issue(series, 2023, 1, 1))
    assert context.series_sections == tuple(SECTIONS)
    assert context.distribution == {"报": ("科技部",), "送": ("各联盟",)}


def test_the_signing_date_comes_from_the_history_and_a_masthead_before_it_is_found():
    stored = issue(SeriesFactory(), 2023, 1, 1, date=dt.date(2023, 3, 20))
    IssueEvent.objects.create(
        issue=stored,
        action="imported",
        data={"editor": "甲", "reviewer": "乙", "signer": "丙", "date": "2023-03-22"},
    )
    assert context_for(stored).signed_on == dt.date(2023, 3, 22)
    assert "signoff.date" in {f.rule for f in proof_issue(stored)}


def test_the_office_s_dictionary_is_laid_over_the_shipped_one(imported_issue):
    before = {(f.rule, f.quote) for f in proof_issue(imported_issue)}
    assert ("usage.word", "扶植") in before
    DictionaryEntry.objects.create(kind="usage", term="扶植", replacement="扶持", is_active=False)
    DictionaryEntry.objects.create(
        kind="usage", term="汇报工作", replacement="报告工作", note="本刊用“报告工作”"
    )
    after = {(f.rule, f.quote, f.where.article) for f in proof_issue(imported_issue)}
    assert not [x for x in after if x[1] == "扶植"]
    # The office's own entry: every title and body that says 汇报工作.
    assert {x[2] for x in after if x[:2] == ("usage.word", "汇报工作")} == {8, 10}


def test_an_office_entry_dated_after_the_issue_is_not_applied(imported_issue):
    DictionaryEntry.objects.create(
        kind="usage", term="汇报工作", replacement="报告工作", valid_from=dt.date(2024, 1, 1)
    )
    assert not [f for f in proof_issue(imported_issue) if f.quote == "汇报工作"]


def test_findings_on_a_stored_issue_name_the_stored_articles(imported_issue):
    findings = proof_issue(imported_issue)
    [fuzhi] = [f for f in findings if f.quote == "扶植"]
    article = imported_issue.sections.get(position=1).articles.get(position=1)
    assert (fuzhi.where.article, fuzhi.where.article_id) == (8, article.pk)
    assert article.title == "联盟协发网秘书处向科技部成果与区域司汇报工作"


def test_the_store_s_registry_changes_nothing_on_the_sample_s_names(imported_issue, parsed):
    stored = sorted(
        (f.where.article, f.rule, f.quote)
        for f in proof_issue(imported_issue)
        if f.rule.startswith("name.")
    )
    bare = sorted(
        (f.where.article, f.rule, f.quote)
        for f in proof(parsed, ProofContext())
        if f.rule.startswith("name.")
    )
    assert stored == bare
    assert len(stored) == 6


def test_a_file_gets_the_shipped_dictionary_and_the_registry(imported_issue, parsed):
    context = context_for_file(parsed)
    assert context.as_of == dt.date(2023, 3, 20)
    assert context.dictionary == dictionary.shipped()
    assert "粉末冶金产业技术创新战略联盟" in {a.name for a in context.alliances}
    assert context.previous is None
    assert context.signed_on == dt.date(2023, 3, 20)  # a printed file: signed as dated
