"""The rules that turn what tesseract read into text, each on a small case: the
scan of the whole sample (tests/test_import_scans.py) shows them together."""

import dataclasses

from jianbao.publishing.ingest import ocr
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.parsed import REPAIR

MASTHEAD = (
    "产业技术创新战略联盟试点工作\n\n简报\n\n2023年第1期（总第66期）\n\n"
    "联盟试点工作联络组办公室 2023年3月20日\n\n"
)


def word(text, x0, x1, top=100.0, bottom=114.0, confidence=95.0):
    return ocr._Word(text, x0, x1, top, bottom, confidence, (x0, top, x1, bottom))


def test_brackets_take_the_width_of_their_pair_and_the_kind_their_pair_closes():
    assert ocr.tidy("指南 (2023-2025 年)》印发") == "指南（2023-2025 年）》印发"
    assert ocr.tidy("2023年第]期 〈总第66期)") == "2023年第1期（总第66期）"
    # Latin in brackets beside Latin stays half-width.
    assert ocr.tidy("建筑信息模型(BIM) 联盟") == "建筑信息模型(BIM) 联盟"


def test_balanced_quotes_and_brackets():
    assert ocr.balanced("首届“X大奖”中国（第十六届）《方案》")
    assert not ocr.balanced("首届“X大奖中国")
    assert not ocr.balanced("印发（党和国家机构改革方案》")
    assert not ocr.balanced('中心"认定')


def test_a_title_is_taken_as_the_toc_prints_it_only_where_they_differ_in_punctuation():
    text = (
        MASTHEAD + "#### 本期导读\n\n#### 重要政策动态\n\n"
        "◆ 中共中央国务院印发《党和国家机构改革方案》\n\n◆ 联盟协发网暨中关村国联中心会议召开\n\n"
        "#### ◆ 重要政策动态\n\n### 中共中央国务院印发（党和国家机构改革方案》\n\n正文一。\n\n"
        "### 联盟协发网是中关村国联中心会议召开\n\n正文二。\n"
    )
    parsed = parse_bulletin_text(text, source="scan.pdf")
    settled = ocr.settle_titles(parsed)
    first, second = settled.articles
    assert first.title == "中共中央国务院印发《党和国家机构改革方案》"
    # 暨 read as 是 is a different character: left for the editor to see.
    assert second.title == "联盟协发网是中关村国联中心会议召开"
    assert [w.code for w in settled.warnings if "按导读" in w.message] == [REPAIR]
    # A bulletin with nothing to settle is returned as it was.
    assert ocr.settle_titles(dataclasses.replace(settled)) == settled


def test_a_toc_line_whose_mark_was_lost_is_an_entry_where_the_group_heads_are_bold():
    text = (
        MASTHEAD + "#### 本期导读\n\n#### 重要政策动态\n\n◆ 第一条消息的标题\n\n"
        "多第二条消息的标题\n\n#### ◆ 重要政策动态\n\n### 第一条消息的标题\n\n正文一。\n\n"
        "### 第二条消息的标题\n\n正文二。\n"
    )
    parsed = parse_bulletin_text(text, source="scan.pdf")
    assert [s.title for s in parsed.sections] == ["重要政策动态"]
    assert [a.title for a in parsed.articles] == ["第一条消息的标题", "第二条消息的标题"]


def test_a_column_of_marks_read_upright_is_a_word_each():
    marks = [word("名", 88, 96, 464, 472), word("8", 88, 96, 443, 450)]
    marks.append(word("多", 88, 96, 400, 408))
    assert ocr._stacked(marks)
    assert not ocr._stacked([word("联", 100, 114), word("盟", 115, 129)])


def test_a_doubtful_small_character_before_the_words_is_a_list_mark_an_opening_bracket_is_not():
    entry = [word("中", 115, 127), word("共", 131, 142), word("中", 146, 155)]
    mark = word("人", 93.5, 101.2, 103, 111, confidence=14)
    assert ocr._reads_as_mark(ocr._Line([mark, *entry], 93.5, 155, 100, 114, 14.0))
    bracket = word("(", 100, 108, confidence=93)
    assert not ocr._reads_as_mark(ocr._Line([bracket, *entry], 100, 155, 100, 114, 14.0))
    sure = word("人", 93.5, 101.2, 103, 111, confidence=96)
    assert not ocr._reads_as_mark(ocr._Line([sure, *entry], 93.5, 155, 100, 114, 14.0))


def test_the_skew_is_the_median_slope_of_the_long_lines_and_straightening_undoes_it():
    assert ocr._skew([(0.01, 400), (0.012, 420), (0.5, 20), (0.011, 410)]) == 0.011
    slope = -0.014  # a page turned by 0.8° counter-clockwise
    line = ocr._Line([word("联", 100, 114, 300 + slope * 100, 314 + slope * 100),
                      word("盟", 400, 414, 300 + slope * 400, 314 + slope * 400)],
                     100, 414, 294, 314, 14.0)  # fmt: skip
    angle = ocr._straighten([line], slope, (300.0, 421.0))
    assert angle < 0
    tops = [w.top for w in line.words]
    assert abs(tops[0] - tops[1]) < 0.2


def test_ink_before_a_line_that_goes_on_a_sentence_is_its_dropped_character_not_a_mark():
    def line(text, top, *, x0=80.0, x1=500.0, bold=False):
        return ocr.layout.LayoutLine(
            text, x0, x1, top, top + 15, page=0, size=16.0, bold=bold, start=x0
        )

    body = "会议宣布成立首届国家碳中和科技专家委员会并明确"
    page = [line(body, 100 + 29 * n) for n in range(6)]
    page.append(line("◆ 研究员等专家代表发言，就如何更好开展专家委员会工作发表", 274, x0=84.0))
    page.append(line("意见建议。", 303, x1=160.0))
    page.append(line("◆ 联盟联络组及协发网动态", 340, x1=300.0, bold=True))
    page.append(line(body, 370))
    ocr.settle_headings([page])
    # 向 was dropped by tesseract and its ink taken for a ◆: the line goes on.
    assert page[6].text == "研究员等专家代表发言，就如何更好开展专家委员会工作发表"
    # A section's head, bold after a paragraph's end, keeps its mark.
    assert page[8].text == "◆ 联盟联络组及协发网动态"
