"""Family 4: numerals (GB/T 15835-2011), only where the case is clear.

Rules
- ``number.mixed`` (错误): Arabic digits and Chinese numerals mixed inside one
  number: "2千余人" → "2000余人", "3千5百" → "3500", "2千万" → "2000万" (万 and 亿
  may follow Arabic digits, 千 and 百 may not); a year mixing Chinese numerals
  with the digit 0 or the letter O: "二0二三年" → "2023年".
- ``number.range_unit`` (错误): a range of numbers in 万, 亿 or % writes the unit
  on both ends (GB/T 15835's own example: "9亿～16亿（不写为9～16亿）"):
  "9～16亿" → "9亿～16亿", "15-30%" → "15%～30%" (the hyphen becomes ～ too).
- ``number.date_chinese`` (建议): a 公历 date in Chinese numerals inside running
  text ("二〇二三年三月十三日", "三月十三日") when the issue writes its dates in
  Arabic digits elsewhere: "2023年3月13日".
- ``number.chinese_measure`` (建议): an exact Chinese numeral of two or more
  characters before a unit of measurement: "三十公里" → "30公里", "一百二十万元"
  → "120万元".

Exceptions (silent)
- Chinese numerals as part of words and fixed phrases: 十四五, “十三五”, 两个确立,
  四个意识, 四个自信, 第十六届, 一带一路, 三农, 二十大, 一系列, 十佳, 双十佳, 神舟十四号,
  三届二次: none of them is a date, a mixed number or a numeral before a unit.
- 概数: 三四个, 十几, 几十公里, 三十多公里, 三四十公里 (GB/T 15835 keeps them in
  Chinese numerals).
- Units that contain 千 or 百: 2千米, 5千克, 3千瓦, 百分点; and "三千米", which
  reads as 3000米 or as 3千米.
- 农历 dates (正月初一, 腊月) and dates inside 《》 (titles keep their form).
"""

from __future__ import annotations

import re

from jianbao.proofing import findings, texts
from jianbao.proofing.findings import ADVICE, ERROR, MASTHEAD

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
POWERS = {"十": 10, "百": 100, "千": 1000}

MIXED = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)([千百])(?:(\d)百)?(?![米克瓦伏帕焦卡赫兆分强])")
MIXED_YEAR = re.compile(r"[〇零一二三四五六七八九0Oo]{4}")
RANGE_UNIT = re.compile(
    r"(?<![\d.A-Za-z/])(\d+(?:\.\d+)?)[ ]?([～~\-－–至到])[ ]?(\d+(?:\.\d+)?)(万|亿|%|‰)"
)
CN_DATE = re.compile(
    r"(?<![〇零一二三四五六七八九十初正腊])"
    r"(?:((?:一九|二[〇零])[〇零一二三四五六七八九]{2})年)?"
    r"(十[一二]?|[一二三四五六七八九])月"
    r"(三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])日"
)
CN_YEAR = re.compile(
    r"(?<![〇零一二三四五六七八九十])((?:一九|二[〇零])[〇零一二三四五六七八九]{2})年"
)
ARABIC_DATE = re.compile(r"(?:19|20)\d\d年|\d{1,2}月\d{1,2}日")
CN_MEASURE = re.compile(
    r"(?<![〇零一二两三四五六七八九十百千万亿几数多余第初])([〇零一二两三四五六七八九十百千]{2,8})"
    r"(?=(?:万|亿)?(?:公里|千米|米|平方米|平方公里|公顷|千克|公斤|吨|元|千瓦|兆瓦|%))"
)
# Cheap tests that let most paragraphs skip the rules above.
CN_DATE_HINT = re.compile(r"[一二三四五六七八九十]月|[〇零一二三四五六七八九]年")
CN_MEASURE_HINT = re.compile(
    r"[十百千](?:万|亿)?(?:公里|千米|米|平方|公顷|千克|公斤|吨|元|千瓦|兆瓦|%)"
)
TITLE_SPAN = re.compile(r"《[^《》]*》")


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral: 二〇二三 → 2023 (digit by digit), 一百二十 → 120.

    None for what is not one exact number: 三四 (概数), 十几, a malformed run."""
    if not text or any(c not in DIGITS and c not in POWERS for c in text):
        return None
    if not any(c in POWERS for c in text):
        if len(text) == 1 or text.startswith(("〇", "零")) or len(text) == 4:
            return int("".join(str(DIGITS[c]) for c in text))
        return None  # 三四: two numbers side by side, an estimate
    total, digit, last_power = 0, None, 10_000
    zero = False
    for c in text:
        if c in POWERS:
            power = POWERS[c]
            if power >= last_power:
                return None
            total += (1 if digit is None else digit) * power
            digit, last_power, zero = None, power, False
        elif DIGITS[c] == 0:
            if zero or digit is not None:
                return None
            zero = True
        else:
            if digit is not None:
                return None  # 三四十: an estimate
            digit = DIGITS[c]
    if digit is not None:
        if last_power == 10 or zero or last_power == 10_000:
            total += digit
        else:
            return None  # 三百五 is 350 in speech: not written in a bulletin
    return total


def _arabic_year(chinese: str) -> str:
    return "".join(str(DIGITS[c]) for c in chinese)


def check(bulletin, context):
    units = [u for u in texts.units(bulletin) if u.where.part != MASTHEAD]
    arabic_dates = any(ARABIC_DATE.search(u.text) for u in units)
    for unit in units:
        text = unit.text
        titles = [m.span() for m in TITLE_SPAN.finditer(text)] if "《" in text else []
        if "千" in text or "百" in text or "年" in text:
            yield from _mixed(unit, text)
        if "万" in text or "亿" in text or "%" in text or "‰" in text:
            yield from _range_units(unit, text)
        if arabic_dates and CN_DATE_HINT.search(text):
            yield from _chinese_dates(unit, text, titles)
        if CN_MEASURE_HINT.search(text):
            yield from _measures(unit, text, titles)


def _mixed(unit, text: str):
    for m in MIXED.finditer(text):
        value = float(m.group(1)) * (1000 if m.group(2) == "千" else 100)
        if m.group(3):
            value += int(m.group(3)) * 100
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="number.mixed",
            severity=ERROR,
            message="阿拉伯数字不应与“千”“百”混用（GB/T 15835），“万”“亿”除外。",
            suggestion=str(int(value)) if value == int(value) else None,
        )
    at = text.find("年", 4)
    while at >= 0:
        start = at - 4
        year = text[start:at]
        before = text[start - 1] if start else ""
        clean = not (before in DIGITS or (before.isascii() and before.isalnum()))
        if (
            clean
            and MIXED_YEAR.fullmatch(year)
            and set(year) & set("0Oo")
            and set(year) & set(DIGITS)
        ):
            arabic = "".join(str(DIGITS[c]) if c in DIGITS else "0" for c in year)
            yield _mixed_year(unit, start, at + 1, arabic)
        at = text.find("年", at + 1)


def _mixed_year(unit, start, end, arabic):
    return findings.found(
        unit,
        start,
        end,
        rule="number.mixed",
        severity=ERROR,
        message="年份中汉字数字与阿拉伯数字“0”或字母“O”混用。",
        suggestion=f"{arabic}年",
    )


def _range_units(unit, text: str):
    for m in RANGE_UNIT.finditer(text):
        first, connector, last, what = m.groups()
        if float(last) <= float(first):
            continue
        connector = "～" if connector in "~-－–" else connector
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="number.range_unit",
            severity=ERROR,
            message=f"数值范围两端的“{what}”都应写出（GB/T 15835）。",
            suggestion=f"{first}{what}{connector}{last}{what}",
        )


def _inside(spans, start: int) -> bool:
    return any(a < start < b for a, b in spans)


def _chinese_dates(unit, text: str, titles):
    dated = []
    for m in CN_DATE.finditer(text):
        if _inside(titles, m.start()) or text[max(0, m.start() - 2) : m.start()] == "农历":
            continue
        year, month, day = m.group(1), chinese_number(m.group(2)), chinese_number(m.group(3))
        if not month or not day or month > 12 or day > 31:
            continue
        dated.append(m.span())
        fixed = (f"{_arabic_year(year)}年" if year else "") + f"{month}月{day}日"
        yield _date_finding(unit, m.start(), m.end(), fixed)
    for m in CN_YEAR.finditer(text):
        if _inside(titles, m.start()) or any(a <= m.start() < b for a, b in dated):
            continue
        yield _date_finding(unit, m.start(), m.end(), f"{_arabic_year(m.group(1))}年")


def _date_finding(unit, start, end, fixed):
    return findings.found(
        unit,
        start,
        end,
        rule="number.date_chinese",
        severity=ADVICE,
        message="本期日期用阿拉伯数字书写，此处宜统一（GB/T 15835）。",
        suggestion=fixed,
    )


def _measures(unit, text: str, titles):
    for m in CN_MEASURE.finditer(text):
        numeral = m.group(1)
        value = chinese_number(numeral)
        if value is None or not any(c in POWERS for c in numeral) or _inside(titles, m.start()):
            continue
        if numeral.endswith("千") and text[m.end() : m.end() + 1] in "米克瓦":
            continue  # 三千米: 3000米 or 3千米
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="number.chinese_measure",
            severity=ADVICE,
            message="计量的数值宜用阿拉伯数字（GB/T 15835）。",
            suggestion=str(value),
        )
