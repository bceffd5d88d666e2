"""The reviewer's comparison, marked in the text itself: Chinese compared by
characters, blocks aligned first (captions, table cells, pictures), everything
escaped, against the submission and against the previous review round."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jianbao.bulletins import diffs, editing, workflow
from jianbao.bulletins.workflow import Action
from jianbao.publishing.parsed import (
    IMAGE,
    TABLE,
    Block,
    Cell,
    ParsedArticle,
    ParsedBulletin,
    ParsedSection,
    paragraph,
)
from tests.factories import SeriesFactory, person


def marked(html: str, tag: str) -> list[str]:
    """The texts inside each <ins> or <del>, without the hidden labels."""
    found = []
    for inner in re.findall(rf"<{tag} [^>]*>(.*?)</{tag}>", html):
        found.append(re.sub(r'<span class="sr-only">[^<]*</span>', "", inner))
    return found


def article(*blocks, title="联盟召开工作会议", credit="", toc_title="") -> ParsedArticle:
    return ParsedArticle(title=title, blocks=tuple(blocks), credit=credit, toc_title=toc_title)


def test_an_insertion_in_chinese_is_marked_where_it_is():
    html = diffs.text_diff("联盟召开会议。", "联盟在北京召开会议。")
    assert marked(html, "ins") == ["在北京"]
    assert marked(html, "del") == []
    assert html.startswith("联盟<ins")


def test_a_deletion_in_chinese_is_marked_where_it_is():
    html = diffs.text_diff("会议审议并通过了三项标准。", "会议通过了三项标准。")
    assert marked(html, "del") == ["审议并"]
    assert marked(html, "ins") == []


def test_a_replacement_is_one_deletion_then_one_insertion():
    ops = diffs.char_ops("联盟在北京召开会议。", "联盟在上海召开会议。")
    assert ops == [
        ("equal", "联盟在"),
        ("delete", "北京"),
        ("insert", "上海"),
        ("equal", "召开会议。"),
    ]


def test_one_kept_character_between_two_changes_joins_them():
    ops = diffs.char_ops("北京召开", "上海召集")
    assert ("equal", "召") not in ops
    assert "".join(t for tag, t in ops if tag != "insert") == "北京召开"
    assert "".join(t for tag, t in ops if tag != "delete") == "上海召集"


def test_full_width_punctuation_is_compared_character_by_character():
    html = diffs.text_diff("会议，讨论标准。", "会议：讨论标准！")
    assert marked(html, "del") == ["，", "。"]
    assert marked(html, "ins") == ["：", "！"]


def test_each_mark_carries_a_hidden_label_for_screen_readers():
    html = diffs.text_diff("甲乙", "甲丙")
    assert '<del class="diff-del"><span class="sr-only">删除：</span>乙' in html
    assert '<ins class="diff-ins"><span class="sr-only">插入：</span>丙' in html


def test_everything_is_escaped():
    html = diffs.article_diff(
        article(paragraph("<script>alert(1)</script>")),
        article(paragraph("<script>alert(2)</script>"), title="<b>标题</b>"),
    )
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_an_unchanged_article_has_no_comparison():
    same = article(paragraph("联盟召开会议。"), credit="某联盟")
    assert diffs.article_diff(same, same) == ""


def test_title_toc_title_and_credit_are_compared():
    html = diffs.article_diff(
        article(paragraph("正文。"), credit="粉末冶金联盟"),
        article(
            paragraph("正文。"),
            title="联盟召开年度工作会议",
            toc_title="年度工作会议",
            credit="粉末冶金产业技术创新战略联盟",
        ),
    )
    assert "年度" in marked(html, "ins")
    assert "年度工作会议" in marked(html, "ins")
    assert "产业技术创新战略" in marked(html, "ins")
    for label in ("标题", "导读标题", "供稿"):
        assert f'<span class="diff-label">{label}</span>' in html


def table(*rows, caption=""):
    return Block(TABLE, rows=tuple(tuple(Cell(t) for t in r) for r in rows), caption=caption)


def test_a_changed_table_cell_is_marked_in_its_cell():
    before = table(("序号", "标准名称"), ("1", "钼铌合金棒材"), ("2", "硬质合金"))
    after = table(("序号", "标准名称"), ("1", "钼铌合金棒材（修订）"), ("2", "硬质合金"))
    html = diffs.article_diff(article(before), article(after))
    assert marked(html, "ins") == ["（修订）"]
    assert marked(html, "del") == []
    assert re.search(r"<td>钼铌合金棒材<ins [^>]*>.*?（修订）.*?</ins></td>", html)
    assert "<td>硬质合金</td>" in html


def test_a_table_row_added_is_marked_in_every_cell():
    before = table(("1", "钼铌合金棒材"))
    after = table(("1", "钼铌合金棒材"), ("2", "粉末冶金齿轮"))
    html = diffs.article_diff(article(before), article(after))
    assert marked(html, "ins") == ["2", "粉末冶金齿轮"]


def picture(name, caption):
    return Block(IMAGE, file=name, caption=caption, width=64, height=48)


def test_a_caption_change_is_marked_in_the_caption():
    html = diffs.article_diff(
        article(picture("a1.png", "图为会议现场")),
        article(picture("a1.png", "图为标准工作会议现场")),
    )
    assert marked(html, "ins") == ["标准工作"]
    assert "已更换" not in html


def test_a_table_caption_change_is_marked():
    html = diffs.article_diff(
        article(table(("1", "甲"), caption="表1 标准清单")),
        article(table(("1", "甲"), caption="表1 团体标准清单")),
    )
    assert marked(html, "ins") == ["团体"]


def test_a_picture_added_is_shown_as_a_picture_inserted():
    html = diffs.article_diff(
        article(paragraph("联盟召开会议。")),
        article(paragraph("联盟召开会议。"), picture("b2.png", "图为与会代表合影")),
    )
    assert marked(html, "ins") == ["图片：图为与会代表合影"]
    assert '<span class="diff-label">图片（新增）</span>' in html


def test_a_picture_removed_is_shown_as_a_picture_deleted():
    html = diffs.article_diff(
        article(paragraph("联盟召开会议。"), picture("b2.png", "图为合影")),
        article(paragraph("联盟召开会议。")),
    )
    assert marked(html, "del") == ["图片：图为合影"]


def test_a_picture_replaced_says_so():
    html = diffs.article_diff(
        article(picture("a1.png", "图为会议现场")), article(picture("c3.png", "图为会议现场"))
    )
    assert '<span class="diff-label">图片（已更换）</span>' in html
    assert marked(html, "del") == ["原图片"] and marked(html, "ins") == ["新图片"]


def test_a_paragraph_inserted_between_two_is_whole_and_the_others_unchanged():
    one, two = paragraph("第一段。"), paragraph("第三段。")
    html = diffs.article_diff(article(one, two), article(one, paragraph("新插入的一段。"), two))
    assert marked(html, "ins") == ["新插入的一段。"]
    assert marked(html, "del") == []


def test_unchanged_stretches_are_folded():
    blocks = [paragraph(f"第{n}段内容。") for n in range(1, 11)]
    changed = [*blocks[:9], paragraph("第10段内容有改动。")]
    html = diffs.article_diff(article(*blocks), article(*changed))
    # The unchanged title and the first eight paragraphs, folded.
    assert "此处 9 段未改动" in html
    assert "第1段内容" not in html and "第9段内容" in html


def test_a_long_article_is_compared_block_by_block_and_whole():
    text = "联盟秘书处组织成员单位开展标准宣贯，参会代表就团体标准的制定与应用交流了经验。" * 12
    before = article(*(paragraph(f"{n}、{text}") for n in range(45)))
    after = article(
        *(paragraph(f"{n}、{text}" + ("补充说明。" if n == 20 else "")) for n in range(45))
    )
    assert sum(len(b.text) for b in before.blocks) > 20_000
    html = diffs.article_diff(before, after)
    assert marked(html, "ins") == ["补充说明。"]


def test_one_huge_paragraph_is_aligned_by_sentences_first():
    sentences = [f"第{n}句讲的是联盟第{n}项工作的进展。" for n in range(1500)]
    before = "".join(sentences)
    after = "".join([*sentences[:700], "新加的一句。", *sentences[700:]])
    assert len(before) * len(after) > diffs.CHAR_BUDGET
    assert diffs.char_ops(before, after) == [
        ("equal", "".join(sentences[:700])),
        ("insert", "新加的一句。"),
        ("equal", "".join(sentences[700:])),
    ]


def test_the_revision_comparison_names_the_article_it_marks():
    def issue(*articles):
        return ParsedBulletin(
            series_title="",
            series_name="简报",
            office="",
            year=2026,
            number=1,
            running_number=1,
            date=None,
            sections=(ParsedSection(title="联盟动态", articles=articles),),
        )

    kept = article(paragraph("不变的一篇。"), title="甲文")
    html = diffs.bulletin_diff(
        issue(kept, article(paragraph("原来的说法。"), title="乙文")),
        issue(kept, article(paragraph("更正后的说法。"), title="乙文")),
    )
    assert "【联盟动态】《乙文》" in html and "甲文" not in html
    assert marked(html, "del") == ["原来"] and marked(html, "ins") == ["更正后"]


# --- On the issue page ---------------------------------------------------------------


@pytest.fixture
def team():
    return {
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
    }


@pytest.mark.django_db
def test_the_reviewer_sees_the_previous_round_marked_after_a_return(client, team):
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    article_row = editing.add_article(
        issue,
        issue.sections.first(),
        by=team["editor"],
        title="联盟召开工作会议",
        body="会议在北京召开。",
        credit="",
    )
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    client.force_login(team["reviewer"])
    first_round = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "与上一轮审核对比" not in first_round
    workflow.transition(issue, Action.RETURN, by=team["reviewer"], comment="地点写全")
    article_row.refresh_from_db()
    editing.update_article(
        article_row,
        by=team["editor"],
        title=article_row.title,
        body="会议在北京市海淀区召开。",
        credit="",
    )
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert page.count("与上一轮审核对比") == 1
    round_part = page[page.index("与上一轮审核对比") :]
    assert marked(round_part, "ins")[0] == "市海淀区"


@pytest.mark.django_db
def test_a_correction_is_marked_inline_on_the_revision_comparison(team):
    signer = person("sg", "signer", name="李新男")
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    row = editing.add_article(
        issue, issue.sections.first(), by=team["editor"], title="公开来稿", body="正文。"
    )
    for action, by in [
        (Action.SUBMIT, team["editor"]),
        (Action.APPROVE, team["reviewer"]),
        (Action.SIGN, signer),
    ]:
        issue = workflow.transition(issue, action, by=by)
    row.refresh_from_db()
    first = editing.correct_article(
        row, by=team["editor"], title="公开来稿", body="正文（已更正）。", credit="", note="一"
    )
    row.refresh_from_db()
    editing.correct_article(
        row, by=team["editor"], title="公开来稿", body="正文（再次更正）。", credit="", note="二"
    )
    html = diffs.revision_diff(first)
    # The first correction against the second one's starting point, not the issue today.
    assert marked(html, "ins") == ["（已更正）"]
    assert "《公开来稿》" in html


def test_an_inserted_title_in_book_marks_is_marked_whole():
    html = diffs.text_diff("发布《钼铌合金棒材》等7项", "发布《钼铌合金棒材》《渗铜粉》等7项")
    assert marked(html, "ins") == ["《渗铜粉》"]


def test_an_inserted_sentence_starts_after_the_full_stop():
    ops = diffs.char_ops("会议召开。会议结束。", "会议召开。会议讨论。会议结束。")
    assert ops == [("equal", "会议召开。"), ("insert", "会议讨论。"), ("equal", "会议结束。")]
