"""Generated archives for recall tests and benchmarks (bench/search.py).

Articles are recombined from the sample bulletin's sentences, with alliance
names swapped and a few variant spellings (full-width Latin, extra spaces)
so that normalisation is exercised too.  Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from jianbao.bulletins.models import Article, Block, Issue, Section, Series
from jianbao.network.models import Organisation
from jianbao.publishing.parsed import ParsedBulletin

_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
# Variant spellings that must still be found by their plain forms.
_VARIANTS = {"WAPI": "ＷＡＰＩ", "ISO/IEC": "ＩＳＯ／ＩＥＣ", "2022": "２０２２", "（": "("}


@dataclass(frozen=True)
class GeneratedArticle:
    title: str
    section: str
    paragraphs: tuple[str, ...]
    alliance_names: tuple[str, ...]


class CorpusGenerator:
    def __init__(self, bulletin: ParsedBulletin, alliance_names: list[str], *, seed: int = 0):
        self.random = random.Random(seed)
        self.titles = [a.title for a in bulletin.articles]
        self.sections = [s.title for s in bulletin.sections]
        self.sentences = [
            s
            for article in bulletin.articles
            for block in article.blocks
            if block.kind == "paragraph"
            for s in _SENTENCE.findall(block.text)
            if s.strip()
        ]
        self.alliances = alliance_names or ["粉末冶金产业技术创新战略联盟"]

    def _vary(self, text: str) -> str:
        r = self.random
        if r.random() < 0.3:
            text = text.replace(self.alliances[0], r.choice(self.alliances))
        if r.random() < 0.05:
            plain, variant = r.choice(list(_VARIANTS.items()))
            text = text.replace(plain, variant)
        return text

    def article(self, *, min_chars: int = 200, max_chars: int = 1500) -> GeneratedArticle:
        r = self.random
        target = r.randint(min_chars, max_chars)
        paragraphs, paragraph, length = [], [], 0
        while length < target:
            sentence = self._vary(r.choice(self.sentences))
            paragraph.append(sentence)
            length += len(sentence)
            if r.random() < 0.25:
                paragraphs.append("".join(paragraph))
                paragraph = []
        if paragraph:
            paragraphs.append("".join(paragraph))
        alliances = tuple(r.sample(self.alliances, k=min(len(self.alliances), r.randint(0, 2))))
        title = self._vary(r.choice(self.titles))[:60]
        return GeneratedArticle(title, r.choice(self.sections), tuple(paragraphs), alliances)

    def articles(self, n: int, **kwargs) -> Iterator[GeneratedArticle]:
        for _ in range(n):
            yield self.article(**kwargs)


@transaction.atomic
def store_corpus(
    series: Series,
    generator: CorpusGenerator,
    n: int,
    *,
    per_issue: int = 25,
    first_year: int = 2010,
    last_year: int = 2024,
    progress: Callable[[int], None] | None = None,
    **article_kwargs,
) -> list[Issue]:
    """Store ``n`` generated articles as published issues, without indexing them
    (run ``index.rebuild`` or send the content signal afterwards)."""
    organisations = dict(
        Organisation.objects.filter(name__in=generator.alliances).values_list("name", "pk")
    )
    issue_count = -(-n // per_issue)
    years = last_year - first_year + 1
    base = Issue.objects.filter(series=series).order_by("-running_number").first()
    running = (base.running_number if base else 0) + 1000
    issues: list[Issue] = []
    numbers: dict[int, int] = {}
    made = 0
    for i in range(issue_count):
        year = first_year + i * years // issue_count
        number = numbers[year] = numbers.get(year, 0) + 1
        issue = Issue.objects.create(
            series=series,
            year=year,
            number=100 + number,
            running_number=running + i,
            date=date(year, 1 + (number % 12), 1 + (number % 28)),
            state=Issue.State.PUBLISHED,
        )
        issues.append(issue)
        sections = {
            title: Section.objects.create(issue=issue, position=pos, title=title)
            for pos, title in enumerate(generator.sections, start=1)
        }
        batch = list(generator.articles(min(per_issue, n - made), **article_kwargs))
        articles = Article.objects.bulk_create(
            [
                Article(section=sections[g.section], position=pos, title=g.title)
                for pos, g in enumerate(batch, start=1)
            ]
        )
        Block.objects.bulk_create(
            [
                Block(article=article, position=pos, text=text)
                for article, g in zip(articles, batch, strict=True)
                for pos, text in enumerate(g.paragraphs, start=1)
            ]
        )
        Article.alliances.through.objects.bulk_create(
            [
                Article.alliances.through(
                    article_id=article.pk, organisation_id=organisations[name]
                )
                for article, g in zip(articles, batch, strict=True)
                for name in g.alliance_names
                if name in organisations
            ]
        )
        made += len(batch)
        if progress:
            progress(len(batch))
    return issues
