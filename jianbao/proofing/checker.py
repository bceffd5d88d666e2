"""The proofing pass: a pure function from the content shape to findings.

Each rule family is a module of ``rules`` with ``check(bulletin, context)``
yielding findings; ``proof`` runs them all and drops what the office's
exceptions cover. Nothing here reads the database (see ``selectors``).
"""

from __future__ import annotations

from importlib import import_module

from jianbao.publishing.parsed import ParsedBulletin

from .context import EXCEPTION, ProofContext
from .findings import Finding, ordered

FAMILIES = (
    "spaces",  # 1 spaces in Chinese text
    "punctuation",  # 2 full-/half-width, pairs, repeats
    "marks",  # 3 GB/T 15834 dashes, ranges, 顿号 between titles
    "numbers",  # 4 GB/T 15835 numerals
    "repeats",  # 5 doubled words, dates, 年/年度, 共计
    "usage",  # 6 the office's dictionary
    "names",  # 7 names against the registry
    "structure",  # 8 导读, sections, numbering, 版记, sign-off
)
RULES = tuple(import_module(f"{__package__}.rules.{name}") for name in FAMILIES)


def proof(bulletin: ParsedBulletin, context: ProofContext | None = None) -> list[Finding]:
    context = context or ProofContext()
    exceptions = [e.term for e in context.entries(EXCEPTION)]
    findings = []
    seen = set()
    for module in RULES:
        for finding in module.check(bulletin, context):
            if any(_covered(finding, term) for term in exceptions):
                continue
            if finding.key not in seen:
                seen.add(finding.key)
                findings.append(finding)
    return ordered(findings)


def _covered(finding: Finding, term: str) -> bool:
    """The flagged text lies inside an occurrence of an exception in its context."""
    if not finding.quote:
        return False
    around = finding.before + finding.quote + finding.after
    at = len(finding.before)
    start = around.find(term)
    while start >= 0:
        if start <= at and at + len(finding.quote) <= start + len(term):
            return True
        start = around.find(term, start + 1)
    return False
