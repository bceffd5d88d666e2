"""The proofing dictionary: the one jianbao ships, merged with the office's.

The shipped file (``data/dictionary.toml``) is read once. The office's rows
(``models.DictionaryEntry``) win over it: an office row with the same kind and
term replaces the shipped entry, and an inactive office row switches it off.

Name entries come in two sorts, told apart by their text alone (so an office
row needs no extra field): a full name and its standard short form, where the
short form is the full name with characters left out (国家发展和改革委员会 →
国家发展改革委: both right in running text, the short form expected in the
报/送 lists), and a wrong form with the right one (国家发改委 → 国家发展改革委).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from .context import EXCEPTION, FORMULATION, NAME, USAGE, Entry

SHIPPED = Path(__file__).resolve().parent / "data" / "dictionary.toml"
SECTIONS = {"usage": USAGE, "formulation": FORMULATION, "exception": EXCEPTION, "name": NAME}


def is_full_name(entry: Entry) -> bool:
    """A name entry pairing a full name with its short form (see the module's note)."""
    return entry.kind == NAME and _shortened(entry.replacement, entry.term)


def _shortened(short: str, full: str) -> bool:
    if not short or len(short) >= len(full):
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)  # ``short`` is a subsequence of ``full``


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def parse(text: str) -> tuple[Entry, ...]:
    """The entries a dictionary file holds: by kind, each kind in the file's order."""
    data = tomllib.loads(text)
    entries: list[Entry] = []
    for section, kind in SECTIONS.items():
        for item in data.get(section, ()):
            common = dict(
                kind=kind,
                note=str(item.get("note", "")),
                valid_from=_date(item.get("valid_from")),
                valid_until=_date(item.get("valid_until")),
                severity=str(item.get("severity", "")),
            )
            if kind == NAME and "full" in item:
                full, short = str(item["full"]), str(item.get("short") or item["full"])
                note = common.pop("note") or (
                    f"全称“{full}”，规范简称“{short}”" if short != full else f"规范名称为“{full}”"
                )
                if short != full:
                    entries.append(Entry(term=full, replacement=short, note=note, **common))
                for informal in item.get("informal", ()):
                    entries.append(
                        Entry(term=str(informal), replacement=short, note=note, **common)
                    )
                continue
            entries.append(
                Entry(
                    term=str(item["term"]), replacement=str(item.get("replacement", "")), **common
                )
            )
    return tuple(entries)


@cache
def shipped() -> tuple[Entry, ...]:
    return parse(SHIPPED.read_text(encoding="utf-8"))


def merge(shipped_entries: Iterable[Entry], office_rows: Iterable) -> tuple[Entry, ...]:
    """The shipped entries with the office's rows laid over them.

    ``office_rows`` are ``DictionaryEntry`` rows (or anything with ``kind``,
    ``term``, ``is_active`` and ``as_entry()``). Every row with a shipped
    entry's kind and term replaces it; the active ones are kept.
    """
    rows = list(office_rows)
    overridden = {(r.kind, r.term) for r in rows}
    kept = [e for e in shipped_entries if (e.kind, e.term) not in overridden]
    return (*kept, *(r.as_entry() for r in rows if r.is_active))
