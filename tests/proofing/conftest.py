"""Helpers for the proofing tests: a bulletin built from a few texts, and what a
rule family says about it as plain (rule, quote, suggestion) triples."""

from __future__ import annotations

import datetime as dt

from jianbao.proofing.context import ProofContext
from jianbao.publishing.parsed import (
    Block,
    ContactItem,
    ParsedArticle,
    ParsedBulletin,
    ParsedSection,
    paragraph,
)


def article(title: str = "联盟召开工作会议", *texts: str | Block, credit: str = "", toc_title=""):
    blocks = tuple(t if isinstance(t, Block) else paragraph(t) for t in texts)
    return ParsedArticle(title=title, blocks=blocks, credit=credit, toc_title=toc_title)


def bulletin_of(
    *items: str | Block | ParsedArticle,
    title: str = "联盟召开工作会议",
    credit: str = "",
    series_title: str = "产业技术创新战略联盟试点工作",
    office: str = "联盟试点工作联络组办公室",
    contacts: tuple[ContactItem, ...] = (),
    distribution: dict | None = None,
    editor_note: str = "",
) -> ParsedBulletin:
    """One section; texts and blocks make one article (titled ``title``), articles stay."""
    articles = [i for i in items if isinstance(i, ParsedArticle)]
    loose = [i for i in items if not isinstance(i, ParsedArticle)]
    if loose or not articles:
        articles.insert(0, article(title, *loose, credit=credit))
    return ParsedBulletin(
        series_title=series_title,
        series_name="简报",
        office=office,
        year=2023,
        number=1,
        running_number=66,
        date=dt.date(2023, 3, 20),
        sections=(ParsedSection("重要政策动态", tuple(articles)),),
        distribution=distribution if distribution is not None else {},
        editor="杨丹泽",
        reviewer="尚辉良",
        signer="李新男",
        contacts=contacts,
        editor_note=editor_note,
    )


def said(module, bulletin, context=None) -> list[tuple[str, str, str | None]]:
    """(rule, quote, suggestion) of every finding of one family, in its order."""
    found = module.check(bulletin, context or ProofContext())
    return [(f.rule, f.quote, f.suggestion) for f in found]


def said_on(module, *texts: str, **kw) -> list[tuple[str, str, str | None]]:
    return said(module, bulletin_of(*texts, **kw))


def applied(module, text: str) -> str:
    """The paragraph with every suggestion of the family applied (right to left)."""
    found = [f for f in module.check(bulletin_of(text), ProofContext()) if f.where.part == "block"]
    for f in sorted(found, key=lambda f: f.start, reverse=True):
        assert text[f.start : f.start + len(f.quote)] == f.quote
        if f.suggestion is not None:
            text = text[: f.start] + f.suggestion + text[f.start + len(f.quote) :]
    return text
