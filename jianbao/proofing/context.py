"""What the checker knows beyond the text: jianbao's own data, as plain values.

The checker stays a pure function of (bulletin, context). ``selectors.context_for``
builds a context from the store (registry, series, archive, the office's
dictionary); a file checked on its own gets ``ProofContext()`` plus the
shipped dictionary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

# Dictionary entry kinds (the office edits them in the desk; see models.DictionaryEntry).
USAGE = "usage"  # a wrong or disfavoured form → the right one: 做出 → 作出 (in its sense)
FORMULATION = "formulation"  # a fixed formulation that must appear exactly: 党中央、国务院
EXCEPTION = "exception"  # text no rule may flag: 中共中央 国务院
NAME = "name"  # a standard name and its short form: 国家发展和改革委员会 / 国家发展改革委
KINDS = (USAGE, FORMULATION, EXCEPTION, NAME)


@dataclass(frozen=True)
class Entry:
    kind: str
    term: str  # what is looked for in the text
    replacement: str = ""  # what it should be (usage, name); "" for exceptions
    note: str = ""  # shown with the finding: why
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    severity: str = ""  # "" → the rule's default

    def valid_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


@dataclass(frozen=True)
class Alliance:
    name: str  # the registered full name
    short_names: tuple[str, ...] = ()  # approved short names (简称)
    code: str = ""


@dataclass(frozen=True)
class Numbering:
    """The issue before this one in the archive, for 第N期 / 总第M期."""

    year: int
    number: int
    running_number: int


@dataclass(frozen=True)
class ProofContext:
    as_of: dt.date | None = None  # the date: dated entries are checked as of it
    dictionary: tuple[Entry, ...] = ()
    alliances: tuple[Alliance, ...] = ()
    series_sections: tuple[str, ...] = ()  # the series' section names, in order
    distribution: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # 报/送 lists
    previous: Numbering | None = None
    signed_on: dt.date | None = None  # the 签发 date, when signed

    def entries(self, kind: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.dictionary if e.kind == kind and e.valid_on(self.as_of))
