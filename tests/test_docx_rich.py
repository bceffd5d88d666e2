"""A Word file with photos, captions, a table, bold, a link and a text box, read as markup.

Every file is built here with python-docx and Pillow, so what the test puts
into Word is what it expects back.
"""

import io

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm
from PIL import Image

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest.docx import (
    DocxContent,
    block_markup,
    docx_paragraph_texts,
    docx_to_markup,
)
from jianbao.publishing.parsed import BOLD, IMAGE, ITALIC, LINK, PARAGRAPH, TABLE, Mark

TABLE_CELLS = [
    ["序号", "标准名称", "状态"],
    ["1", "增材制造 金属粉末", "已发布"],
    ["2", "粉末冶金 齿轮", "征求意见"],
    ["3", "硬质合金 刀片", "立项"],
]


def photo(colour: str, size=(64, 48), fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def float_last_picture(paragraph) -> None:
    """Make the inline picture python-docx wrote a floating (anchored) one, as Word does."""
    inline = paragraph._p.xpath(".//wp:inline")[0]
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp")} distT="0" distB="0" distL="114300" distR="114300" '
        'simplePos="0" relativeHeight="2" behindDoc="0" locked="0" layoutInCell="1" '
        'allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        "</wp:anchor>"
    )
    for child in list(inline):
        if child.tag == qn("wp:docPr"):
            anchor.append(parse_xml(f'<wp:wrapSquare {nsdecls("wp")} wrapText="bothSides"/>'))
        anchor.append(child)
    inline.getparent().replace(inline, anchor)


def add_link(paragraph, text: str, url: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    paragraph._p.append(
        parse_xml(
            f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:rPr>'
            f'<w:rStyle w:val="Hyperlink"/></w:rPr><w:t>{text}</w:t></w:r></w:hyperlink>'
        )
    )


TEXT_BOX = (
    '<w:r {w}><w:pict><v:shape {v} id="box1" style="width:200pt;height:60pt">'
    "<v:textbox><w:txbxContent><w:p><w:r>"
    "<w:t>联系人：王明 电话：010-12345678 邮箱 wang@example.org</w:t></w:r></w:p>"
    "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
).format(w=nsdecls("w"), v='xmlns:v="urn:schemas-microsoft-com:vml"')


def rich_docx() -> bytes:
    document = Document()
    document.add_paragraph("粉末冶金联盟召开2026年度工作会议")
    body = document.add_paragraph("3月5日，联盟在北京召开年度工作会议，")
    body.add_run("审议通过了2026年工作要点").bold = True
    body.add_run("，并发布了团体标准清单。")
    document.add_picture(io.BytesIO(photo("red")), width=Cm(8))
    document.add_paragraph("图为会议现场")
    link = document.add_paragraph("会议详情见联盟网站")
    add_link(link, "联盟官网", "https://www.example.org/news/1")
    link.add_run("。")
    document.add_picture(io.BytesIO(photo("blue", fmt="PNG")), width=Cm(12))
    float_last_picture(document.paragraphs[-1])
    document.add_paragraph("图2 与会代表合影")
    boxed = document.add_paragraph("会议期间还举办了成果展。")
    boxed._p.append(parse_xml(TEXT_BOX))
    document.add_paragraph("发布的团体标准如下：")
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate(TABLE_CELLS):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("会议还部署了下一步工作。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def content() -> DocxContent:
    return docx_to_markup(rich_docx(), "会议.docx", budget=ParseBudget("会议.docx"))


def test_both_photos_come_in_order_with_their_captions_and_bytes(content):
    pictures = [b for b in content.blocks if b.kind == IMAGE]
    assert [(p.file, p.caption) for p in pictures] == [
        ("image1.jpg", "图为会议现场"),
        ("image2.png", "图2 与会代表合影"),
    ]
    assert content.pictures["image1.jpg"] == photo("red")
    assert content.pictures["image2.png"] == photo("blue", fmt="PNG")
    assert set(content.pictures) == {"image1.jpg", "image2.png"}
    assert "![图为会议现场](image1.jpg){width=" in content.text
    assert "![图2 与会代表合影](image2.png){width=" in content.text
    # The floating photo sits where Word anchored it: after the link paragraph.
    kinds = [b.kind for b in content.blocks]
    assert kinds == [
        PARAGRAPH,
        PARAGRAPH,
        IMAGE,
        PARAGRAPH,
        IMAGE,
        PARAGRAPH,
        PARAGRAPH,
        TABLE,
        PARAGRAPH,
    ]


def test_a_caption_is_no_paragraph_of_its_own_nor_glued_to_one(content):
    texts = [b.text for b in content.blocks if b.kind == PARAGRAPH]
    assert not any("图为会议现场" in t or "与会代表合影" in t for t in texts)
    assert "图为会议现场" not in content.text.replace("![图为会议现场]", "")


def test_the_table_cells_are_the_cells_put_into_word(content):
    (table,) = [b for b in content.blocks if b.kind == TABLE]
    assert [[c.text for c in row] for row in table.rows] == TABLE_CELLS
    assert table.header_rows == 1
    assert all(c.colspan == c.rowspan == 1 for row in table.rows for c in row)
    assert block_markup(table) == (
        "| 序号 | 标准名称 | 状态 |\n"
        "| --- | --- | --- |\n"
        "| 1 | 增材制造 金属粉末 | 已发布 |\n"
        "| 2 | 粉末冶金 齿轮 | 征求意见 |\n"
        "| 3 | 硬质合金 刀片 | 立项 |"
    )


def test_the_bold_run_is_a_bold_mark(content):
    body = content.blocks[1]
    assert (
        body.text
        == "3月5日，联盟在北京召开年度工作会议，审议通过了2026年工作要点，并发布了团体标准清单。"
    )
    start = body.text.index("审议")
    assert body.marks == (Mark(BOLD, start, start + len("审议通过了2026年工作要点")),)
    assert "会议，**审议通过了2026年工作要点**，并发布" in content.text


def test_the_hyperlink_is_a_link_mark(content):
    link = content.blocks[3]
    assert link.text == "会议详情见联盟网站联盟官网。"
    assert link.marks == (Mark(LINK, 9, 13, "https://www.example.org/news/1"),)
    assert "会议详情见联盟网站[联盟官网](https://www.example.org/news/1)。" in content.text


def test_the_text_box_is_named_in_a_warning_with_its_place(content):
    (warning,) = content.warnings
    # Paragraphs are counted as in Word, captions included.
    assert warning.message == (
        "会议.docx：第6段（“会议期间还举办了成果…”）中的文本框未导入："
        "“联系人：王明 电话：010-123456…”"
    )
    # Its text is in no block.
    assert "王明" not in content.text


def test_plain_text_readers_still_get_lines():
    lines = [line for line in docx_paragraph_texts(rich_docx(), "会议.docx") if line]
    assert lines[0] == "粉末冶金联盟召开2026年度工作会议"
    assert "图为会议现场" in lines and "序号" in lines


def docx_of(build) -> bytes:
    document = Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_merged_cells_keep_their_spans_and_covered_cells_are_left_out():
    def build(document):
        table = document.add_table(rows=3, cols=3)
        for r in range(3):
            for c in range(3):
                table.cell(r, c).text = f"{r}{c}"
        table.cell(0, 0).merge(table.cell(0, 1)).text = "合并标题"
        table.cell(1, 2).merge(table.cell(2, 2)).text = "跨两行"

    (table,) = docx_to_markup(docx_of(build), "合并.docx").blocks
    assert [[(c.text, c.colspan, c.rowspan) for c in row] for row in table.rows] == [
        [("合并标题", 2, 1), ("02", 1, 1)],
        [("10", 1, 1), ("11", 1, 1), ("跨两行", 1, 2)],
        [("20", 1, 1), ("21", 1, 1)],
    ]
    assert block_markup(table).splitlines() == [
        "| 合并标题{colspan=2} | 02 |",
        "| --- | --- | --- |",
        "| 10 | 11 | 跨两行{rowspan=2} |",
        "| 20 | 21 |",
    ]


def test_tblheader_rows_are_the_header_and_a_caption_above_names_the_table():
    def build(document):
        document.add_paragraph("表1 2026年立项标准")
        table = document.add_table(rows=3, cols=2)
        for r in range(2):
            tr_pr = table.rows[r]._tr.get_or_add_trPr()
            tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for r in range(3):
            for c in range(2):
                table.cell(r, c).text = f"第{r}行|{c}"

    (table,) = docx_to_markup(docx_of(build), "表.docx").blocks
    assert (table.header_rows, table.caption) == (2, "表1 2026年立项标准")
    assert block_markup(table).splitlines() == [
        "表1 2026年立项标准",
        "| 第0行\\|0 | 第0行\\|1 |",
        "| 第1行\\|0 | 第1行\\|1 |",
        "| --- | --- |",
        "| 第2行\\|0 | 第2行\\|1 |",
    ]


def test_bold_on_white_space_is_ignored_and_runs_of_one_format_merge():
    def build(document):
        p = document.add_paragraph()
        p.add_run("重点").bold = True
        p.add_run(" ").bold = False
        p.add_run("工作").bold = True
        p.add_run("  ").bold = True
        p.add_run("如下")
        p.add_run("斜体").italic = True
        p.add_run("和*星号*[括号]")

    (block,) = docx_to_markup(docx_of(build), "格式.docx").blocks
    assert block.text == "重点 工作  如下斜体和*星号*[括号]"
    assert block.marks == (Mark(BOLD, 0, 5), Mark(ITALIC, 9, 11))
    assert block_markup(block) == "**重点 工作**  如下*斜体*和\\*星号\\*\\[括号\\]"


def test_captions_above_their_pictures_go_with_the_picture_below():
    def build(document):
        document.add_paragraph("图1 开幕式")
        document.add_picture(io.BytesIO(photo("green")))
        document.add_paragraph("图2 闭幕式")
        document.add_picture(io.BytesIO(photo("yellow")))
        document.add_paragraph("正文继续。")

    blocks = docx_to_markup(docx_of(build), "上方.docx").blocks
    assert [(b.kind, b.caption or b.text) for b in blocks] == [
        (IMAGE, "图1 开幕式"),
        (IMAGE, "图2 闭幕式"),
        (PARAGRAPH, "正文继续。"),
    ]


def test_a_styled_caption_and_a_picture_without_caption():
    def build(document):
        document.add_picture(io.BytesIO(photo("green")))
        document.add_paragraph("与会领导参观展台", style="Caption")
        document.add_picture(io.BytesIO(photo("yellow")))
        document.add_paragraph("图书馆同期开放。这一段不是图注，因为它不在图片旁边以外的位置。")

    blocks = docx_to_markup(docx_of(build), "题注.docx").blocks
    assert [(b.kind, b.caption) for b in blocks[:2]] == [(IMAGE, "与会领导参观展台"), (IMAGE, "")]
    assert blocks[2].text.startswith("图书馆")


def test_links_other_than_web_and_mail_are_plain_text():
    def build(document):
        p = document.add_paragraph("见")
        add_link(p, "本地文件", "file:///C:/secret.doc")
        add_link(p, "邮箱", "mailto:office@example.org")

    (block,) = docx_to_markup(docx_of(build), "链接.docx").blocks
    assert block.marks == (Mark(LINK, 5, 7, "mailto:office@example.org"),)


def test_equations_and_charts_are_named_not_dropped():
    math = f"<m:oMath {nsdecls('m')}><m:r><m:t>E=mc2</m:t></m:r></m:oMath>"
    chart = (
        f'<w:r {nsdecls("w", "wp", "a")}><w:drawing><wp:inline><wp:extent cx="10" cy="10"/>'
        '<wp:docPr id="9" name="图表 1"/><a:graphic><a:graphicData '
        'uri="http://schemas.openxmlformats.org/drawingml/2006/chart"/></a:graphic>'
        "</wp:inline></w:drawing></w:r>"
    )

    def build(document):
        document.add_paragraph("能量公式")._p.append(parse_xml(math))
        document.add_paragraph()._p.append(parse_xml(chart))
        document.add_paragraph("有注释的一段").add_run()._r.append(
            parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="1"/>')
        )
        obj = f'<w:r {nsdecls("w")}><w:object w:dxaOrig="100" w:dyaOrig="100"/></w:r>'
        document.add_paragraph()._p.append(parse_xml(obj))

    content = docx_to_markup(docx_of(build), "公式.docx")
    assert [w.message for w in content.warnings] == [
        "公式.docx：第1段（“能量公式”）中的公式未导入：“E=mc2”",
        "公式.docx：第1段（“能量公式”）之后的图表未导入",
        "公式.docx：第2段（“有注释的一段”）中的脚注未导入",
        "公式.docx：第2段（“有注释的一段”）之后的嵌入对象（如 Excel 表格、Visio 图）未导入",
    ]


def test_more_pictures_than_the_limit_refuse_the_file():
    def build(document):
        for n in range(101):
            document.add_picture(io.BytesIO(photo((n, 0, 0), size=(2, 2), fmt="PNG")))

    with pytest.raises(UnreadableFile, match="图片超过 100 张，超出上限"):
        docx_to_markup(docx_of(build), "百图.docx")


def test_a_word_2010_text_box_is_named_once_not_once_per_alternative():
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    box = (
        f"<w:r {nsdecls('w', 'wp', 'a')} "
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'xmlns:wps="{wps}" xmlns:v="urn:schemas-microsoft-com:vml">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<wp:extent cx="10" cy="10"/><wp:docPr id="3" name="文本框 3"/>'
        f'<a:graphic><a:graphicData uri="{wps}"><wps:wsp><wps:txbx><w:txbxContent>'
        "<w:p><w:r><w:t>会议日程</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r>"
        "<w:t>会议日程</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>"
    )

    def build(document):
        document.add_paragraph("正文。")
        document.add_paragraph()._p.append(parse_xml(box))

    content = docx_to_markup(docx_of(build), "框.docx")
    assert [w.message for w in content.warnings] == [
        "框.docx：第1段（“正文。”）之后的文本框未导入：“会议日程”"
    ]
    assert content.text == "正文。"


def test_a_table_of_captioned_photos_becomes_the_photos():
    def build(document):
        table = document.add_table(rows=1, cols=2)
        for c, (colour, caption) in enumerate((("red", "图1 签约仪式"), ("blue", "图2 参观"))):
            cell = table.cell(0, c)
            cell.paragraphs[0].add_run().add_picture(io.BytesIO(photo(colour)), width=Cm(5))
            cell.add_paragraph(caption)

    content = docx_to_markup(docx_of(build), "照片表.docx")
    assert [(b.kind, b.caption) for b in content.blocks] == [
        (IMAGE, "图1 签约仪式"),
        (IMAGE, "图2 参观"),
    ]
    assert content.warnings == ()


def test_a_nested_table_is_flattened_into_its_cell_with_a_warning():
    def build(document):
        table = document.add_table(rows=2, cols=2)
        for r in range(2):
            for c in range(2):
                table.cell(r, c).text = f"{r}{c}"
        inner = table.cell(1, 1).add_table(rows=1, cols=2)
        inner.cell(0, 0).text = "甲"
        inner.cell(0, 1).text = "乙"

    content = docx_to_markup(docx_of(build), "嵌套.docx")
    (table,) = content.blocks
    assert [[c.text for c in row] for row in table.rows] == [["00", "01"], ["10", "11 甲 乙"]]
    assert [w.message for w in content.warnings] == [
        "嵌套.docx：表格1中的嵌套表格已展平为文字（1 处）"
    ]
