"""The full-text index does not outlive a transactional test: Django's flush empties
the tables it knows, and the suite clears SQLite's contentless FTS table after it
(tests/conftest.py), or the next test's search would count the last test's
articles by their reused ids (found 20, listed none)."""

import pytest

from jianbao.archive.selectors import search_articles

pytestmark = pytest.mark.django_db(transaction=True)


def test_1_an_import_is_found(imported_issue):
    assert search_articles("粉末冶金").count() > 0


def test_2_the_next_transactional_test_finds_nothing_before_it_imports():
    assert search_articles("粉末冶金").count() == 0
