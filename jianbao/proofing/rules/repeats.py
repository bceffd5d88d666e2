"""Family 5: doubled words, dates written one way, 年/年度, totals against their parts.

Rules
- ``word.doubled`` (错误): a word of two to eight characters written twice in a
  row: "WAPI产业技术创新战略联盟联盟秘书处" → "联盟".
- ``date.format`` (建议): the issue writes its dates "2023年3月13日" (or "3月13日");
  a date written "2023.3.13", "2023-03-13" or "2023/3/13" in running text is
  flagged and written out the issue's way. In tables, the cells' own majority
  decides.
- ``date.year_form`` (提示): within one article the same year names the same
  thing once with 年 and once with 年度 ("2022年广东省工程技术研究中心" in the
  title, "2022年度广东省工程技术研究中心名单" in the body): the form used less often
  is pointed at (年 on a tie). Only when at least four characters after the year
  agree, so "2022年工作总结" next to "2022年度十佳" says nothing.
- ``count.sum`` (建议): "13场…、7场…、3场…，共计27个…": the parts add up to 23.
- ``count.items`` (建议): "共3个专题：A；B；C" must list three; "A、B、C、D等3项"
  lists more than it counts ("等" allows fewer: "《A》《B》等7项" is fine).

Exceptions (silent)
- Reduplication: 看看, 常常, 天天, 人人, 一一 (one character twice is never
  looked at), 研究研究, 讨论讨论, 商量商量 and the other ABAB verbs and
  adjectives below, 一个一个 / 一步一步 (一X一X); a two-character word twice
  inside quotes (“加油加油”, a chant).
- Dates: "3·15" (events, GB/T 15834), decimals such as "3.13" (too close to a
  number to be read as a date), ranges (family 3), the masthead.
- Totals: approximate parts or totals (190余个, 近3000人, 30多家); a list that
  ends in "A和B" one short of the count; a list whose items are too short to be
  sure what they are.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from jianbao.proofing import findings, texts
from jianbao.proofing.findings import ADVICE, CELL, ERROR, HINT, MASTHEAD

from .marks import designator_before
from .numbers import chinese_number
from .spaces import HAN

# ABAB forms that are words, not slips.
_ABAB = (
    "研究讨论学习商量考虑休息活动打扫收拾整理检查介绍了解交流沟通锻炼体验尝试比较思考琢磨打听"
    "准备调查分析放松感受关心帮助表扬鼓励说明清理溜达热闹高兴轻松暖和凉快雪白通红笔直冰凉火红"
    "碧绿漆黑哗啦叮咚谢谢认识指导切磋交代研讨梳理"
)
REDUPLICATED = frozenset(_ABAB[i : i + 2] for i in range(0, len(_ABAB), 2))
NUMERAL_CHARS = frozenset("〇零一二两三四五六七八九十百千万亿")

DOUBLED = re.compile(rf"([{HAN}]{{2,8}})\1")

CN_DATE = re.compile(r"\d月\d{1,2}日")
OTHER_DATES = (
    ("dot", re.compile(r"(?<![\d.A-Za-z])((?:19|20)\d\d)\.(\d{1,2})\.(\d{1,2})(?![\d.])")),
    ("dash", re.compile(r"(?<![\d\-A-Za-z/.])((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})(?![\d\-])")),
    ("slash", re.compile(r"(?<![\d/A-Za-z])((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?![\d/])")),
)

SEPARATORS = {"dot": ".", "dash": "-", "slash": "/"}

YEAR_PHRASE = re.compile(rf"((?:19|20)\d\d)年(度?)([{HAN}]{{4,}})")
AGREE = 4  # characters after the year that must agree

COUNTERS = "个项家场次件名位人种类条篇所批部本支款届期"
SUM_TOTAL = re.compile(rf"[，,](共计|合计|总计|共)(\d+)([{COUNTERS}])")
PART = re.compile(rf"(?<![\d.])(\d+)([{COUNTERS}])")
COUNT_BEFORE_LIST = re.compile(
    rf"共[计有设分列]?(\d+|[一二两三四五六七八九十]{{1,3}})([{COUNTERS}]|方面|部分)[^：:，。；]{{0,12}}[：:]"
)
COUNT_AFTER_LIST = re.compile(rf"等(\d+|[一二两三四五六七八九十]{{1,3}})([{COUNTERS}])")
TITLE_GROUP = re.compile(r"《[^《》]*》|“[^“”]*”")
OPEN_MARKS = "《“（(【‘"
CLOSE_MARKS = "》”）)】’"


def check(bulletin, context):
    units = [u for u in texts.units(bulletin) if u.where.part != MASTHEAD]
    for unit in units:
        yield from _doubled(unit)
        if "共" in unit.text or "等" in unit.text or "合计" in unit.text or "总计" in unit.text:
            yield from _sums(unit)
            yield from _counts(unit)
    yield from _dates(units)
    yield from _year_forms(units)


# -- doubled words -------------------------------------------------------------


def _doubled(unit):
    for m in DOUBLED.finditer(unit.text):
        word = m.group(1)
        if len(set(word)) == 1 or set(word) <= NUMERAL_CHARS:
            continue
        if len(word) == 2 and (word in REDUPLICATED or word[0] == "一"):
            continue
        if len(word) == 2 and _quoted(unit.text, m.start()):
            continue  # a chant or a quoted speaker: “加油加油”
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="word.doubled",
            severity=ERROR,
            message=f"“{word}”重复。",
            suggestion=word,
        )


def _quoted(text: str, at: int) -> bool:
    return text.rfind("“", 0, at) > text.rfind("”", 0, at)


# -- dates ---------------------------------------------------------------------


def _dates(units):
    chinese = {"text": 0, "cell": 0}
    others = []
    for unit in units:
        where = "cell" if unit.where.part == CELL else "text"
        text = unit.text
        if "月" in text:
            chinese[where] += len(CN_DATE.findall(text))
        for style, pattern in OTHER_DATES:
            if SEPARATORS[style] not in text:
                continue
            for m in pattern.finditer(text):
                if designator_before(text, m.start()):
                    continue
                year, month, day = (int(g) for g in m.groups())
                if 1 <= month <= 12 and 1 <= day <= 31:
                    others.append((where, style, unit, m, f"{year}年{month}月{day}日"))
    if not others:
        return
    styles = Counter(where + style for where, style, *_ in others)
    for where, style, unit, m, fixed in others:
        if where == "text":
            if not chinese["text"] and not chinese["cell"]:
                continue
        elif chinese["cell"] <= styles[where + style]:
            continue  # a table that writes its dates its own way, consistently
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="date.format",
            severity=ADVICE,
            message="本期日期写作“某年某月某日”，此处写法不一致。",
            suggestion=fixed,
        )


def _year_forms(units):
    by_article = defaultdict(list)
    for unit in units:
        if unit.article is None or "年" not in unit.text:
            continue
        for m in YEAR_PHRASE.finditer(unit.text):
            by_article[id(unit.article)].append((unit, m))
    for occurrences in by_article.values():
        # Occurrences i (年) and j (年度) of the same year that name the same thing.
        pairs = [
            (i, j)
            for i, (_, a) in enumerate(occurrences)
            for j, (_, b) in enumerate(occurrences)
            if not a.group(2)
            and b.group(2)
            and a.group(1) == b.group(1)
            and a.group(3)[:AGREE] == b.group(3)[:AGREE]
        ]
        if not pairs:
            continue
        plain = sorted({i for i, _ in pairs})
        du = sorted({j for _, j in pairs})
        flag, other = (du, plain) if len(du) < len(plain) else (plain, du)
        there = occurrences[other[0]][1]
        said = f"{there.group(1)}年{there.group(2)}{there.group(3)[:AGREE]}…"
        for k in flag:
            unit, m = occurrences[k]
            year = m.group(1)
            yield findings.found(
                unit,
                m.start(),
                m.start(3),
                rule="date.year_form",
                severity=HINT,
                message=f"同一篇中另写作“{said}”，“年”与“年度”宜统一。",
                suggestion=f"{year}年" if m.group(2) else f"{year}年度",
            )


# -- totals ----------------------------------------------------------------------


def _top_level_split(text: str, separator: str) -> list[str]:
    """Split at separators outside brackets, quotes and titles."""
    items, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in OPEN_MARKS:
            depth += 1
        elif c in CLOSE_MARKS:
            depth = max(0, depth - 1)
        elif c == separator and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items]


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else chinese_number(text)


def _clause_before(text: str, end: int, boundaries: str) -> str:
    start = max(text.rfind(b, 0, end) for b in boundaries) + 1
    return text[start:end]


def _sums(unit):
    text = unit.text
    for m in SUM_TOTAL.finditer(text):
        total, counter = int(m.group(2)), m.group(3)
        if text[m.end(2) : m.end(2) + 1] in "余多":
            continue
        items = _top_level_split(_clause_before(text, m.start(), "，,。；;：:！？"), "、")
        parts = _parts(items)
        if parts is None or sum(n for n, _ in parts) == total:
            continue
        # Parts of one kind, counted as the total is (or as 个): 13场、7场、3场，共计27个.
        counters = {c for _, c in parts}
        if len(counters) != 1 or (counter not in counters and counter != "个"):
            continue
        listed = "、".join(str(n) for n, _ in parts)
        yield findings.found(
            unit,
            m.start(1),
            m.end(2),
            rule="count.sum",
            severity=ADVICE,
            message=(
                f"所列分项{listed}合计{sum(n for n, _ in parts)}，"
                f"与“{m.group(1)}{total}”不符，请核对。"
            ),
        )


def _parts(items: list[str]) -> list[tuple[int, str]] | None:
    """(number, counter) of each item, or None when one is not an exact count."""
    if len(items) < 2:
        return None
    parts = []
    for i, item in enumerate(items):
        part = (PART.search if i == 0 else PART.match)(item)
        if part is None or item[part.end(1) : part.end(1) + 1] in "余多":
            return None
        if item[: part.start()].endswith(("近", "约", "超过", "逾")):
            return None
        parts.append((int(part.group(1)), part.group(2)))
    return parts


def _counts(unit):
    text = unit.text
    for m in COUNT_BEFORE_LIST.finditer(text):
        wanted = _number(m.group(1))
        end = text.find("。", m.end())
        listing = text[m.end() : end if end >= 0 else len(text)]
        separator = "；" if "；" in listing else "、"
        if separator == "、":
            listing = _top_level_split(listing, "，")[0]  # the list ends at its clause
        items = [i for i in _top_level_split(listing, separator) if i]
        if wanted is None or len(items) < 2 or len(items) == wanted:
            continue
        if separator == "、" and len(items) == wanted - 1 and any(w in items[-1] for w in "和及与"):
            continue  # "A、B和C": three
        yield _count_finding(unit, m.start(), m.end(2), wanted, len(items))
    for m in COUNT_AFTER_LIST.finditer(text):
        wanted = _number(m.group(1))
        if wanted is None:
            continue
        clause = _clause_before(text, m.start(), "，,。；;：:！？")
        items = _top_level_split(clause, "、")
        if len(items) < 2:
            wide = _clause_before(text, m.start(), "，,。：:！？")
            items = _top_level_split(wide, "；")
        if len(items) < 2:
            groups = TITLE_GROUP.findall(clause)
            if "".join(groups) and clause.endswith("".join(groups)):
                items = groups
        if len(items) <= wanted:
            continue  # 等 allows fewer than the count
        if any(len(i) < 2 for i in items) or any("了" in i for i in items[1:]):
            continue  # not sure what the items are
        if any(len(i) <= 2 for i in items) and any(len(i) >= 5 for i in items):
            continue  # 研发、生产、销售一体化的企业: not items of one kind
        yield _count_finding(unit, m.start(1), m.end(2), wanted, len(items))


def _count_finding(unit, start, end, wanted, listed):
    return findings.found(
        unit,
        start,
        end,
        rule="count.items",
        severity=ADVICE,
        message=f"此处称{wanted}项，实际列出{listed}项，请核对。",
    )
