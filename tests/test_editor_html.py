"""The desk editor's HTML ⇄ the content shape: only allowlisted shapes survive."""

import pytest

from jianbao.publishing.ingest.html import blocks_from_html, blocks_to_html
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
)

PHOTO = "0123456789abcdef0123456789abcdef.jpg"
CHART = "fedcba9876543210fedcba9876543210.png"


def src(name: str) -> str:
    return f"/pictures/{name}/960.jpg"


def round_trip(blocks):
    html = blocks_to_html(blocks, picture_src=src)
    back, warnings = blocks_from_html(html)
    assert warnings == ()
    return back


EVERY_SHAPE = [
    pytest.param((Block(PARAGRAPH, "联盟发布7项团体标准。"),), id="paragraph"),
    pytest.param(
        (
            Block(
                PARAGRAPH,
                "本次会议审议通过了《章程》，详见联盟网站。",
                (
                    Mark(BOLD, 2, 10),
                    Mark(ITALIC, 6, 12),
                    Mark(LINK, 15, 19, "https://example.org/a?b=1&c=2"),
                ),
            ),
        ),
        id="overlapping marks and a link",
    ),
    pytest.param((Block(PARAGRAPH, "第一行\n第二行"),), id="line break"),
    pytest.param(
        (Block(HEADING, "一、总体情况"), Block(HEADING, "（一）标准制定", (Mark(BOLD, 3, 5),))),
        id="headings of both levels",
    ),
    pytest.param(
        (Block(NOTE, "编者按：本期聚焦增材制造。", (Mark(BOLD, 0, 4),)), Block(NOTE, "第二段按语")),
        id="notes",
    ),
    pytest.param(
        (
            Block(IMAGE, file=PHOTO, caption="图为会议现场", alt="会场", width=1600, height=900),
            Block(IMAGE, file=CHART, width=800, height=600, print_width=0.6),
        ),
        id="pictures with and without caption",
    ),
    pytest.param(
        (
            Block(
                TABLE,
                rows=(
                    (Cell("序号"), Cell("标准名称"), Cell("状态")),
                    (Cell("1"), Cell("增材制造 粉末", (Mark(BOLD, 0, 4),)), Cell("发布")),
                    (Cell("2", rowspan=2), Cell("钼铌合金棒材\n第二部分", colspan=2)),
                    (Cell("（空）"), Cell("")),
                ),
                header_rows=1,
                caption="重点标准",
            ),
        ),
        id="table with marks, spans, header and caption",
    ),
    pytest.param(
        (Block(TABLE, rows=((Cell("a"), Cell("b")),), header_rows=0, caption="表1 数据"),),
        id="table with a numbered caption and no header",
    ),
]


@pytest.mark.parametrize("blocks", EVERY_SHAPE)
def test_round_trip_gives_the_same_blocks(blocks):
    assert round_trip(blocks) == blocks


def test_round_trip_of_a_whole_article():
    blocks = tuple(b for p in EVERY_SHAPE for b in p.values[0])
    assert round_trip(blocks) == blocks


def test_editor_html_loads_pictures_by_name_and_address():
    html = blocks_to_html(
        (Block(IMAGE, file=PHOTO, caption="图为会场", width=10, height=5),), picture_src=src
    )
    assert f'data-file="{PHOTO}"' in html
    assert f'src="{src(PHOTO)}"' in html
    assert "<figcaption>图为会场</figcaption>" in html


# A paste from Word 2016 (Windows), as the clipboard's text/html has it: a
# conditional-comment header, MsoNormal paragraphs with mso- styles and <o:p>,
# a bold span, Word's line wrapping inside Chinese text, a table with a merged
# cell, and a picture Word offers only as a local file.
WORD_PASTE = """<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document><meta name=Generator content="Microsoft Word 15">
<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>王</o:Author>
</o:DocumentProperties></xml><![endif]-->
<style><!-- p.MsoNormal {mso-style-parent:""; margin:0cm; font-size:10.5pt;} --></style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<!--StartFragment-->
<p class=MsoNormal align=center style='text-align:center'><b><span
style='font-size:16.0pt;font-family:黑体;mso-ascii-font-family:"Times New Roman"'
>一、会议概况<o:p></o:p></span></b></p>
<p class=MsoNormal style='text-indent:21.0pt;mso-char-indent-count:2.0'><span
style='font-family:仿宋_GB2312'>　　2024年3月，联盟在北京召开<span
style='mso-spacerun:yes'>&nbsp;</span>年度工作会议，
来自<span lang=EN-US>50</span>余家成员单位的代表参加会议。<span
style='font-weight:bold'>会议审议通过了
年度工作计划</span>。<o:p></o:p></span></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal><span lang=EN-US><!--[if gte vml 1]><v:shape id="图片_x0020_1"
style='width:300pt'>
<v:imagedata src="file:///C:/Users/wang/AppData/Local/Temp/msohtmlclip1/01/clip_image001.jpg"/>
</v:shape><![endif]--><![if !vml]><img width=400 height=300
src="file:///C:/Users/wang/AppData/Local/Temp/msohtmlclip1/01/clip_image002.jpg"
v:shapes="图片_x0020_1"><![endif]></span></p>
<p class=MsoCaption>图为会议现场</p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0
style='border-collapse:collapse;mso-yfti-tbllook:1184'>
 <tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'>
  <td width=60 valign=top style='width:45pt;border:solid windowtext 1.0pt'><p
  class=MsoNormal><b><span style='font-family:黑体'>序号<o:p></o:p></span></b></p></td>
  <td width=200 valign=top style='width:150pt'><p class=MsoNormal><b><span
  style='font-family:黑体'>标准名称<o:p></o:p></span></b></p></td>
  <td width=80 valign=top><p class=MsoNormal><b>状态<o:p></o:p></b></p></td>
 </tr>
 <tr style='mso-yfti-irow:1'>
  <td width=60 valign=top><p class=MsoNormal><span lang=EN-US>1<o:p></o:p></span></p></td>
  <td width=200 valign=top><p class=MsoNormal><span
  style='font-family:宋体'>增材制造用钛合金粉末<o:p></o:p></span></p></td>
  <td width=80 valign=top><p class=MsoNormal>已发布<o:p></o:p></p></td>
 </tr>
 <tr style='mso-yfti-irow:2;mso-yfti-lastrow:yes'>
  <td width=60 valign=top><p class=MsoNormal><span lang=EN-US>2<o:p></o:p></span></p></td>
  <td width=280 colspan=2 valign=top><p class=MsoNormal><font
  face=宋体>钼铌合金棒材（征求意见）</font><o:p></o:p></p></td>
 </tr>
</table>
<!--EndFragment-->
</body></html>"""


def test_word_paste_keeps_paragraphs_bold_and_the_table():
    blocks, _ = blocks_from_html(WORD_PASTE)
    assert [b.kind for b in blocks] == [HEADING, PARAGRAPH, PARAGRAPH, TABLE]
    assert blocks[0].text == "一、会议概况"
    body = blocks[1]
    # Word's source line wrapping inside Chinese text is not a space; the
    # typed 　　 indent goes (the outputs indent); the bold span is bold.
    assert body.text == (
        "2024年3月，联盟在北京召开 年度工作会议，来自50余家成员单位的代表参加会议。"
        "会议审议通过了年度工作计划。"
    )
    bold = body.text.index("会议审议")
    assert body.marks == (Mark(BOLD, bold, bold + len("会议审议通过了年度工作计划")),)
    assert blocks[2].text == "图为会议现场"
    table = blocks[3]
    assert [[c.text for c in row] for row in table.rows] == [
        ["序号", "标准名称", "状态"],
        ["1", "增材制造用钛合金粉末", "已发布"],
        ["2", "钼铌合金棒材（征求意见）"],
    ]
    assert table.rows[2][1].colspan == 2
    assert table.rows[0][0].marks == (Mark(BOLD, 0, 2),)


def test_word_paste_reports_the_picture_the_browser_could_not_paste():
    blocks, warnings = blocks_from_html(WORD_PASTE)
    assert not [b for b in blocks if b.kind == IMAGE]
    assert len(warnings) == 1
    assert "图片未上传" in warnings[0]
    assert "上传图片" in warnings[0]


def test_nothing_of_word_styles_survives_conversion():
    html = blocks_to_html(blocks_from_html(WORD_PASTE)[0], picture_src=src)
    for trace in ("mso-", "Mso", "o:p", "style", "font", "<span", "class", "v:"):
        assert trace not in html


def test_wps_bold_and_italic_spans_become_marks():
    blocks, _ = blocks_from_html(
        '<p><span style="font-weight: 700;">粗</span><span style="font-style:italic">斜</span>'
        '<span style="font-weight:bold;font-style:italic">粗斜</span>常</p>'
    )
    assert blocks == (
        Block(
            PARAGRAPH,
            "粗斜粗斜常",
            # The two italic spans touch: one italic run.
            (Mark(BOLD, 0, 1), Mark(ITALIC, 1, 4), Mark(BOLD, 2, 4)),
        ),
    )


def test_google_docs_wrapper_b_is_not_bold():
    blocks, _ = blocks_from_html(
        '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b">'
        '<p dir="ltr"><span style="font-weight:400">普通</span>'
        '<span style="font-weight:700">加粗</span></p></b>'
    )
    assert blocks == (Block(PARAGRAPH, "普通加粗", (Mark(BOLD, 2, 4),)),)


def test_stored_picture_is_named_by_data_file_or_address():
    blocks, warnings = blocks_from_html(
        f'<figure><img src="/elsewhere.jpg" data-file="{PHOTO}" width="4" height="3">'
        "<figcaption>图为<strong>会场</strong></figcaption></figure>"
        f'<p><img src="/pictures/{CHART}"></p>'
        f'<p><img src="/pictures/{PHOTO}/480.webp" alt="会场"></p>'
    )
    assert warnings == ()
    assert blocks == (
        Block(IMAGE, file=PHOTO, caption="图为会场", width=4, height=3),
        Block(IMAGE, file=CHART),
        Block(IMAGE, file=PHOTO, alt="会场"),
    )


@pytest.mark.parametrize(
    "img",
    [
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="https://lh7-us.googleusercontent.com/abc.png">',
        '<img src="file:///C:/tmp/clip_image001.png">',
        '<img data-file="../../etc/passwd" src="/pictures/../etc/passwd">',
        '<img src="/pictures/0123456789abcdef0123456789abcdef.exe">',
        '<img src="https://elsewhere.example/pictures/0123456789abcdef0123456789abcdef.jpg">',
        "<img>",
    ],
)
def test_picture_not_uploaded_is_left_out_with_a_warning(img):
    blocks, warnings = blocks_from_html(
        f"<p>前文</p><figure>{img}<figcaption>合影</figcaption></figure>"
    )
    assert blocks == (Block(PARAGRAPH, "前文"),)
    assert warnings == (
        "第1张图片未上传（合影），已略去：浏览器无法粘贴这张图片，请用“上传图片”重新添加",
    )


HOSTILE = [
    '<script>alert("x")</script><p>正文</p>',
    '<p onclick="alert(1)" onmouseover="alert(2)">正文</p>',
    '<p><a href="javascript:alert(1)">正文</a></p>',
    '<p><a href=" JaVaScRiPt:alert(1)">正文</a></p>',
    '<style>p{background:url(javascript:alert(1))}</style><p style="color:red">正文</p>',
    '<iframe src="https://evil.example/"></iframe><p>正文</p>',
    '<svg onload="alert(1)"><script>alert(1)</script><text>svg字</text></svg><p>正文</p>',
    '<p>正文<img src=x onerror="alert(1)"></p>',
    '<object data="x.swf"></object><embed src="x.swf"><p>正文</p>',
    "<p>正<!-- <script>alert(1)</script> -->文</p>",
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math><p>正文</p>',
    '<form action="/x"><input name="a" value="v"><button>按</button></form><p>正文</p>',
]


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_html_never_survives(html):
    blocks, _ = blocks_from_html(html)
    texts = [b.text for b in blocks]
    assert texts[-1] == "正文" or texts == ["按正文"] or texts == ["正文"]
    assert all(m.type != LINK for b in blocks for m in b.marks)
    assert not any(b.kind == IMAGE for b in blocks)
    out = blocks_to_html(blocks, picture_src=src).lower()
    for word in (
        "script",
        "alert",
        "javascript",
        "onclick",
        "onerror",
        "onload",
        "style",
        "iframe",
        "svg",
        "object",
        "embed",
    ):
        assert word not in out


def test_only_web_and_mail_links_are_kept():
    blocks, _ = blocks_from_html(
        '<p><a href="https://a.example/x">甲</a><a href="mailto:office@example.org">乙</a>'
        '<a href="data:text/html,<b>x</b>">丙</a><a href="vbscript:x">丁</a></p>'
    )
    assert blocks == (
        Block(
            PARAGRAPH,
            "甲乙丙丁",
            (
                Mark(LINK, 0, 1, "https://a.example/x"),
                Mark(LINK, 1, 2, "mailto:office@example.org"),
            ),
        ),
    )


def test_loose_text_and_lists_become_paragraphs():
    blocks, _ = blocks_from_html(
        "开头<b>粗</b><ul><li>第一项</li><li>第二项</li></ul><div>末行</div>"
    )
    assert blocks == (
        Block(PARAGRAPH, "开头粗", (Mark(BOLD, 2, 3),)),
        Block(PARAGRAPH, "第一项"),
        Block(PARAGRAPH, "第二项"),
        Block(PARAGRAPH, "末行"),
    )


def test_other_heading_levels_become_the_bulletins_headings():
    blocks, _ = blocks_from_html("<h1>一、总述</h1><h2>（一）分述</h2><h6>小节</h6>")
    assert [(b.kind, b.text, b.level) for b in blocks] == [
        (HEADING, "一、总述", 1),
        (HEADING, "（一）分述", 2),
        (HEADING, "小节", 1),
    ]


def test_empty_paragraphs_and_editor_placeholders_give_no_blocks():
    assert blocks_from_html("<p></p><p>&nbsp;</p><p>　</p><p><br></p>") == ((), ())
    assert blocks_from_html("") == ((), ())


def test_header_rows_are_the_leading_rows_of_header_cells():
    blocks, _ = blocks_from_html(
        "<table><thead><tr><td>甲</td></tr></thead><tbody><tr><th>乙</th></tr>"
        "<tr><td>丙</td></tr><tr><th>丁</th></tr></tbody></table>"
    )
    assert blocks[0].header_rows == 2
    assert [[c.text for c in r] for r in blocks[0].rows] == [["甲"], ["乙"], ["丙"], ["丁"]]


def test_silly_spans_are_clamped():
    blocks, _ = blocks_from_html('<table><tr><td colspan="99999" rowspan="-3">a</td></tr></table>')
    assert blocks[0].rows[0][0] == Cell("a", colspan=100, rowspan=1)


def test_a_note_in_aside_or_blockquote():
    blocks, _ = blocks_from_html(
        "<blockquote><p>编者按：</p><p>第二段</p></blockquote><aside>按语</aside><p>正文</p>"
    )
    assert [(b.kind, b.text) for b in blocks] == [
        (NOTE, "编者按："),
        (NOTE, "第二段"),
        (NOTE, "按语"),
        (PARAGRAPH, "正文"),
    ]
