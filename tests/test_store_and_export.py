"""Storing, exporting and re-importing issues, on whichever database runs the suite."""

import json
import re

import pytest
from django.db import IntegrityError, transaction

from jianbao.bulletins.models import Article, Issue, IssueEvent
from jianbao.bulletins.services import (
    find_issue,
    issue_to_bulletin,
    store_bulletin,
)
from jianbao.core.errors import IssueAlreadyExists, IssueNotFound
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.parsed import bulletin_to_dict
from jianbao.publishing.render.markdown import render_markdown

pytestmark = pytest.mark.django_db


def test_stored_issue_reads_back_as_the_parsed_bulletin(imported_issue, parsed):
    assert bulletin_to_dict(issue_to_bulletin(imported_issue)) == bulletin_to_dict(parsed)


def test_markdown_round_trip_gives_identical_json(imported_issue):
    exported = issue_to_bulletin(imported_issue)
    again = parse_bulletin_text(render_markdown(exported))
    assert bulletin_to_dict(again) == bulletin_to_dict(exported)


def content_characters(text: str) -> str:
    """The text content after the documented normalisations.

    Markdown marks (#, -, **, ---), inline tags and link targets go; white
    space goes (page-break joins, typesetting spaces, line wraps); credit
    parentheses are compared full-width, as the export prints them.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"</?sub>|\*\*", "", text)
    text = re.sub(r"^(#{1,6}\s+|- |---\s*$)", "", text, flags=re.M)
    text = re.sub(r"^\((.*供稿)\)$", r"（\1）", text, flags=re.M)
    return re.sub(r"\s+", "", text)


def test_markdown_export_keeps_every_character_of_the_fixture(imported_issue, fixture_text):
    exported = render_markdown(issue_to_bulletin(imported_issue))
    assert content_characters(exported) == content_characters(fixture_text)


def test_importing_the_same_issue_twice_does_not_duplicate_it(imported_issue, parsed):
    result = store_bulletin(parsed, source_name="again.md")
    assert result.unchanged and result.issue.pk == imported_issue.pk
    assert Issue.objects.count() == 1
    assert Article.objects.count() == 25


def test_a_different_text_of_a_stored_issue_is_refused_without_replace(
    imported_issue, fixture_text
):
    changed = parse_bulletin_text(fixture_text.replace("李新男主持", "李新男同志主持"))
    with pytest.raises(IssueAlreadyExists):
        store_bulletin(changed, source_name="changed.md")
    assert "李新男同志主持" not in json.dumps(bulletin_to_dict(issue_to_bulletin(imported_issue)))


def test_replace_overwrites_in_place_and_keeps_history(imported_issue, fixture_text):
    changed = parse_bulletin_text(fixture_text.replace("李新男主持", "李新男同志主持"))
    result = store_bulletin(changed, source_name="changed.md", replace=True)
    assert result.issue.pk == imported_issue.pk
    text = json.dumps(bulletin_to_dict(issue_to_bulletin(result.issue)), ensure_ascii=False)
    assert "李新男同志主持" in text
    assert list(IssueEvent.objects.values_list("action", flat=True)) == ["imported", "replaced"]


def test_database_refuses_duplicate_numbers(imported_issue):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(series=imported_issue.series, year=2023, number=1, running_number=99)
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(series=imported_issue.series, year=2023, number=2, running_number=66)


def test_issue_events_are_append_only(imported_issue):
    event = imported_issue.events.get()
    event.comment = "changed"
    with pytest.raises(ValueError):
        event.save()


@pytest.mark.parametrize("key", ["2023-1", "66"])
def test_find_issue_by_yearly_or_running_number(imported_issue, key):
    assert find_issue(key) == imported_issue


@pytest.mark.parametrize("key", ["2023-2", "67", "abc"])
def test_find_issue_explains_what_is_missing(imported_issue, key):
    with pytest.raises(IssueNotFound):
        find_issue(key)
