"""The bulletin as a Word file, built on real styles so that an editor can restyle it.

Word picks the Chinese face from ``w:eastAsia`` only (``font.name`` sets the
Latin ones), so every style names both. The body is written as WordprocessingML
in one piece rather than paragraph by paragraph through python-docx, which is
several times slower and would miss the 50 ms budget; python-docx only adds the
parts a body needs beside it (picture files, the targets of links).

Pictures print inline and centred with their caption below (图题), tables as
Word tables with their caption above (表题), as Chinese documents set them.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
import pathlib
import re
from collections.abc import Callable

import docx
from docx.image.exceptions import UnrecognizedImageError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.shape import CT_Inline
from docx.shared import Emu, Mm
from lxml import etree

from jianbao.core.errors import JianbaoError
from jianbao.publishing.fonts import MissingFont
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    NOTE,
    TABLE,
    Block,
    Cell,
    Mark,
    ParsedBulletin,
    editor_note_paragraphs,
    heading_level,
    printed_sections,
)
from jianbao.publishing.render.markdown import EDITOR_NOTE_LEAD, format_date
from jianbao.publishing.render.pdf import (
    PdfSettings,
    RenderFailed,
    contact_lines,
    credit_line,
    credits_line,
    note_label_length,
    picture_width,
    runs,
    table_data,
    text_width,
    toc_pages,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NSDECL = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'


@dataclasses.dataclass(frozen=True)
class DocxSettings:
    title_face: str = "方正小标宋简体"
    body_face: str = "仿宋_GB2312"
    heading_face: str = "黑体"
    kai_face: str = "楷体_GB2312"
    number_face: str = "宋体"
    latin_face: str = "Times New Roman"
    body_size: float = 16  # pt, 三号
    small_size: float = 14  # pt, 四号
    line_pitch: float = 28.9  # pt, fixed: 22 lines in the text block
    masthead_color: str = "E60012"
    double_rule: bool = True
    margin_top: float = 37  # mm
    margin_bottom: float = 35
    margin_left: float = 28
    margin_right: float = 26
    footer_distance: float = 23  # mm from the page edge: the number sits 7 mm below the block
    # Emphasis as the PDF prints it (PdfSettings.bold_style, italic_style):
    # bold in 黑体 and bold, italic in 楷体, since Chinese faces have no italics.
    # w:b is written on the run itself, so any reader of the file (our importer
    # included) sees the bold; an empty bold_face keeps the body face.
    bold_face: str = "黑体"
    bold_weight: bool = True
    italic_style: str = "kai"  # "kai": 楷体 upright; "italic": slanted (w:i)
    # 编者按: its label in bold 黑体, printed when the note has none of its own.
    note_label: str = "编者按："
    # Pictures, with the PDF's rules (render.pdf.picture_width).
    picture_width: float = 0.8  # share of the text width, when a picture names none
    picture_min_dpi: float = 150  # a small picture prints no larger than this
    picture_max_height: float = 0.6  # share of the text block's height
    caption_size: float = 14  # pt, 四号: 图题 below the picture, in 楷体
    table_caption_size: float = 14  # pt: 表题 above the table, in 黑体
    table_size: float = 12  # pt, 小四
    table_rule: int = 4  # eighths of a point: every line of the grid (0.5 pt)

    @property
    def text_width(self) -> float:
        """mm across the text block of an A4 page."""
        return 210 - self.margin_left - self.margin_right

    @property
    def text_height(self) -> float:
        return 297 - self.margin_top - self.margin_bottom


# Customary faces are named first; w:altName in the font table gives Word and
# LibreOffice the usual Windows face when the GB2312-era one is absent.
ALT_NAMES = {
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "方正小标宋简体": "宋体",
    "黑体": "SimHei",
}

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: str) -> str:
    text = _INVALID_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _half_points(pt: float) -> int:
    return round(pt * 2)


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _rpr(face: str, latin: str, size: float, *, bold=False, color="", spacing=0) -> str:
    # Children in the order the schema requires; Word rejects files otherwise.
    return (
        "<w:rPr>"
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{face}" w:cs="{latin}"/>'
        + ("<w:b/><w:bCs/>" if bold else "")
        + (f'<w:color w:val="{color}"/>' if color else "")
        + (f'<w:spacing w:val="{spacing}"/>' if spacing else "")
        + f'<w:sz w:val="{_half_points(size)}"/><w:szCs w:val="{_half_points(size)}"/>'
        + '<w:lang w:val="en-US" w:eastAsia="zh-CN"/>'
        "</w:rPr>"
    )


def _style(sid: str, name: str, ppr: str, rpr: str, *, based_on="Normal", nxt=""):
    return (
        f'<w:style {NSDECL} w:type="paragraph" w:customStyle="{0 if sid in _BUILTIN else 1}" '
        + ('w:default="1" ' if sid == "Normal" else "")
        + f'w:styleId="{sid}"><w:name w:val="{name}"/>'
        + (f'<w:basedOn w:val="{based_on}"/>' if based_on else "")
        + (f'<w:next w:val="{nxt}"/>' if nxt else "")
        + "<w:qFormat/><w:pPr>"
        + ppr
        + "</w:pPr>"
        + rpr
        + "</w:style>"
    )


_BUILTIN = {
    "Normal",
    "Title",
    "Heading1",
    "Heading2",
    "Heading3",
    "Heading4",
    "Heading5",
    "Caption",
    "Strong",
    "Emphasis",
    "Hyperlink",
}


def _char_style(sid: str, name: str, rpr: str) -> str:
    return (
        f'<w:style {NSDECL} w:type="character" w:customStyle="{0 if sid in _BUILTIN else 1}" '
        f'w:styleId="{sid}"><w:name w:val="{name}"/>'
        '<w:basedOn w:val="DefaultParagraphFont"/><w:qFormat/>'
        f"{rpr}</w:style>"
    )


def _grid(s: DocxSettings) -> str:
    rule = f'w:val="single" w:sz="{s.table_rule}" w:space="0" w:color="000000"'
    return "".join(
        f"<w:{side} {rule}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )


def _table_style(s: DocxSettings) -> str:
    """Bulletin Table: the full grid of a Chinese official table, on the table
    style so that an editor restyles every table at once."""
    return (
        f'<w:style {NSDECL} w:type="table" w:customStyle="1" w:styleId="BulletinTable">'
        '<w:name w:val="Bulletin Table"/><w:basedOn w:val="TableNormal"/><w:qFormat/>'
        f'<w:tblPr><w:jc w:val="center"/><w:tblBorders>{_grid(s)}</w:tblBorders>'
        # The PDF's cell padding: 1.2 mm above and below, 1.5 mm at the sides.
        '<w:tblCellMar><w:top w:w="68" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="68" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr></w:style>"
    )


def _styles(s: DocxSettings) -> list[str]:
    lat = s.latin_face
    pitch = round(s.line_pitch * 20)
    exact = f'<w:spacing w:before="0" w:after="0" w:line="{pitch}" w:lineRule="exact"/>'
    indent = f'<w:ind w:firstLine="{round(s.body_size * 2 * 20)}"/>'
    # Absolute indents: LibreOffice ignores character-based ones.
    em1 = round(s.small_size * 20)
    em15 = round(s.small_size * 1.5 * 20)
    em2 = round(s.body_size * 2 * 20)
    auto = 'w:line="240" w:lineRule="auto"'
    # The 导读 at the PDF's pitch (typst's 0.5 em leading measures 1.55 lines of
    # the small size), so that the box holds the same groups on page 1.
    toc = f'w:line="{round(s.small_size * 1.55 * 20)}" w:lineRule="exact"'
    heading = '<w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="120"/>'
    return [
        _style(
            "Normal",
            "Normal",
            f'{exact}<w:jc w:val="both"/>',
            _rpr(s.body_face, lat, s.body_size),
            based_on="",
        ),
        _style("BodyText", "Body Text", f"{exact}{indent}", "", nxt="BodyText"),
        _style(
            "Masthead",
            "Masthead",
            # Lines as tall as their type: Normal's exact pitch would set the
            # 22 pt and 52 pt masthead over each other.
            f'<w:spacing w:before="0" w:after="240" {auto}/><w:jc w:val="center"/>',
            _rpr(s.title_face, lat, 22, bold=True, color=s.masthead_color),
        ),
        _style(
            "Title",
            "Title",
            f'<w:spacing w:before="120" w:after="240" {auto}/><w:jc w:val="center"/>',
            _rpr(s.title_face, lat, 52, bold=True, color=s.masthead_color, spacing=300),
        ),
        _style(
            "IssueLine",
            "Issue Line",
            f'<w:spacing w:before="0" w:after="120" {auto}/><w:jc w:val="center"/>',
            _rpr(s.body_face, lat, s.small_size),
        ),
        _style(
            "OfficeLine",
            "Office Line",
            _rule_ppr(s) + f'<w:tabs><w:tab w:val="right" w:pos="{_twips(156)}"/></w:tabs>'
            '<w:spacing w:before="0" w:after="360"/><w:jc w:val="left"/>',
            _rpr(s.body_face, lat, s.small_size),
        ),
        _style(
            "TOCHeading",
            "TOC Heading",
            '<w:spacing w:before="60" w:after="120"/><w:jc w:val="center"/>',
            _rpr(s.heading_face, lat, s.body_size, bold=True, spacing=160),
        ),
        _style(
            "TOCSection",
            "TOC Section",
            # No keepNext: its group's row does not split, and LibreOffice reads a
            # row's keepNext as "keep with the next row", pulling group after group.
            f'<w:spacing w:before="120" w:after="0" {toc}/>',
            _rpr(s.heading_face, lat, s.small_size, bold=True),
        ),
        _style(
            "TOCEntry",
            "TOC Entry",
            f'<w:spacing w:before="0" w:after="0" {toc}/>'
            f'<w:ind w:left="{em15}" w:hanging="{em15}"/>',
            _rpr(s.body_face, lat, s.small_size),
        ),
        _style(
            "Heading1",
            "heading 1",
            heading + '<w:outlineLvl w:val="0"/>',
            _rpr(s.heading_face, lat, s.body_size, bold=True),
            nxt="Heading2",
        ),
        _style(
            "Heading2",
            "heading 2",
            heading + '<w:jc w:val="center"/><w:outlineLvl w:val="1"/>',
            _rpr(s.title_face, lat, 18, bold=True),
            nxt="BodyText",
        ),
        _style(
            "Heading3",
            "heading 3",
            f'<w:keepNext/>{exact}{indent}<w:outlineLvl w:val="2"/>',
            _rpr(s.heading_face, lat, s.body_size),
            nxt="BodyText",
        ),
        _style(
            "Heading4",
            "heading 4",
            f'<w:keepNext/>{exact}{indent}<w:outlineLvl w:val="3"/>',
            _rpr(s.kai_face, lat, s.body_size),
            nxt="BodyText",
        ),
        _style(
            "Heading5",
            "heading 5",
            f'<w:keepNext/>{exact}{indent}<w:outlineLvl w:val="4"/>',
            _rpr(s.body_face, lat, s.body_size, bold=True),
            nxt="BodyText",
        ),
        _style(
            "Heading6",
            "heading 6",
            f'<w:keepNext/>{exact}{indent}<w:outlineLvl w:val="5"/>',
            _rpr(s.body_face, lat, s.body_size),
            nxt="BodyText",
        ),
        _style(
            "Credit",
            "Credit",
            f'<w:spacing w:before="0" w:after="240" w:line="{pitch}" w:lineRule="exact"/>'
            '<w:jc w:val="right"/>',
            _rpr(s.kai_face, lat, s.body_size),
        ),
        _style(
            "Closing",
            "Closing",
            '<w:keepNext/><w:spacing w:before="40" w:after="40" w:line="360" w:lineRule="auto"/>'
            # The label sits one character in; wrapped lines align under the first name.
            f'<w:ind w:left="{em1 * 3}" w:hanging="{em1 * 2}"/>',
            _rpr(s.body_face, lat, s.small_size),
        ),
        _style(
            "Contact",
            "Contact",
            '<w:keepNext/><w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/>',
            _rpr(s.body_face, lat, 12),
        ),
        _style(
            "Note",
            "Note",
            # 编者按: set in from both sides, in 楷体.
            f'{exact}<w:ind w:left="{em2}" w:right="{em2}" w:firstLine="{em2}"/>',
            _rpr(s.kai_face, lat, s.body_size),
            nxt="BodyText",
        ),
        _style(
            "Picture",
            "Picture",
            # Exact line spacing would crop the picture to one line.
            f'<w:keepNext/><w:spacing w:before="170" w:after="85" {auto}/><w:jc w:val="center"/>',
            "",
            nxt="Caption",
        ),
        _style(
            "Caption",
            "caption",
            f'<w:keepLines/><w:spacing w:before="0" w:after="170" {auto}/><w:jc w:val="center"/>',
            _rpr(s.kai_face, lat, s.caption_size),
            nxt="BodyText",
        ),
        _style(
            "TableCaption",
            "Table Caption",
            # 表题 above its table, kept with the table's first row.
            '<w:keepNext/><w:keepLines/><w:spacing w:before="170" w:after="85" '
            f'{auto}/><w:jc w:val="center"/>',
            _rpr(s.heading_face, lat, s.table_caption_size),
            based_on="Caption",
        ),
        _style(
            "TableText",
            "Table Text",
            '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
            '<w:jc w:val="left"/>',
            _rpr(s.body_face, lat, s.table_size),
        ),
        _style(
            "TableHeading",
            "Table Heading",
            '<w:keepNext/><w:jc w:val="center"/>',
            _rpr(s.heading_face, lat, s.table_size, bold=True),
            based_on="TableText",
        ),
        _char_style(
            "Strong",
            "Strong",
            "<w:rPr>"
            + (f'<w:rFonts w:eastAsia="{s.bold_face}"/>' if s.bold_face else "")
            + ("<w:b/><w:bCs/>" if s.bold_weight else "")
            + "</w:rPr>",
        ),
        _char_style(
            "Emphasis",
            "Emphasis",
            f'<w:rPr><w:rFonts w:eastAsia="{s.kai_face}"/></w:rPr>'
            if s.italic_style == "kai"
            else "<w:rPr><w:i/><w:iCs/></w:rPr>",
        ),
        _char_style(
            "Hyperlink",
            "Hyperlink",
            '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>',
        ),
        _table_style(s),
        _style(
            "Footer",
            "footer",
            '<w:jc w:val="center"/>',
            _rpr(s.number_face, lat, s.small_size),
        ),
    ]


def _rule_ppr(s: DocxSettings) -> str:
    kind, size = ("thickThinSmallGap", 24) if s.double_rule else ("single", 12)
    return (
        f'<w:pBdr><w:bottom w:val="{kind}" w:sz="{size}" w:space="4" '
        f'w:color="{s.masthead_color}"/></w:pBdr>'
    )


@functools.cache
def _template(s: DocxSettings) -> bytes:
    """An empty document with our styles, page set-up and footer, made once per process."""
    document = docx.Document()
    styles = document.styles.element
    new = [parse_xml(x) for x in _styles(s)]
    ids = {el.get(f"{{{W_NS}}}styleId") for el in new}
    for old in list(styles.findall(f"{{{W_NS}}}style")):
        if old.get(f"{{{W_NS}}}styleId") in ids:
            styles.remove(old)
    defaults = styles.find(f"{{{W_NS}}}docDefaults")
    if defaults is not None:
        styles.remove(defaults)
    styles.insert(
        0,
        parse_xml(
            f"<w:docDefaults {NSDECL}><w:rPrDefault>"
            + _rpr(s.body_face, s.latin_face, s.body_size)
            + "</w:rPrDefault><w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>"
        ),
    )
    for el in new:
        styles.append(el)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = (
        Mm(s.margin_top),
        Mm(s.margin_bottom),
    )
    section.left_margin, section.right_margin = (
        Mm(s.margin_left),
        Mm(s.margin_right),
    )
    section.footer_distance = Mm(s.footer_distance)
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["footer"]
    footer._p.append(
        parse_xml(
            f'<w:r {NSDECL}><w:t xml:space="preserve">— </w:t></w:r>',
        )
    )
    for xml in (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        "<w:r><w:t>1</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:r><w:t xml:space="preserve"> —</w:t></w:r>',
    ):
        footer._p.append(parse_xml(xml.replace("<w:r>", f"<w:r {NSDECL}>", 1)))
    _font_table(document)
    # The template's own empty paragraph would sit above the masthead.
    body = document.element.body
    for p in body.findall(f"{{{W_NS}}}p"):
        body.remove(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _font_table(document) -> None:
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            table = parse_xml(rel.target_part.blob)
            for name, alt in ALT_NAMES.items():
                table.append(
                    parse_xml(
                        f'<w:font {NSDECL} w:name="{name}"><w:altName w:val="{alt}"/>'
                        '<w:charset w:val="86"/><w:family w:val="auto"/></w:font>'
                    )
                )
            rel.target_part._blob = etree.tostring(
                table, xml_declaration=True, encoding="UTF-8", standalone=True
            )
            return


def _p(style: str, text: str = "", *, inner: str = "") -> str:
    run = f'<w:r><w:t xml:space="preserve">{esc(text)}</w:t></w:r>' if text else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{inner}{run}</w:p>'


def _bookmark(n: int, name: str, content: str) -> str:
    return f'<w:bookmarkStart w:id="{n}" w:name="{name}"/>{content}<w:bookmarkEnd w:id="{n}"/>'


_HEADING_STYLE = {1: "Heading3", 2: "Heading4", 3: "Heading5", 4: "Heading6"}
_EMU_PER_MM = 36000
_CELL_PADDING = 85 * 2  # twips, left and right (the table style's cell margins)


@dataclasses.dataclass
class _Writer:
    """What the body needs beside its XML: the document part, which holds the
    relationships of links and pictures, and a counter for drawing ids."""

    part: object
    settings: DocxSettings
    picture_file: Callable[[str], pathlib.Path]
    shapes: int = 0
    article: str = ""  # the title of the article being written, for messages


def _t(text: str) -> str:
    """Run content: text, with line breaks inside a block kept as breaks."""
    return "<w:br/>".join(
        f'<w:t xml:space="preserve">{line}</w:t>' for line in esc(text).split("\n")
    )


def _rpr_for(seg: dict, s: DocxSettings) -> str:
    """Run properties of one piece of marked text (a render.pdf.runs segment).

    A run has one character style: Hyperlink before Strong before Emphasis, and
    the face a style it cannot have would give is written on the run.
    """
    bold, italic, href = seg.get("bold"), seg.get("italic"), seg.get("href")
    style = "Hyperlink" if href else "Strong" if bold else "Emphasis" if italic else ""
    face = ""
    if href and bold and s.bold_face:
        face = s.bold_face
    elif (href and italic and s.italic_style == "kai") or (
        style == "Strong" and italic and not s.bold_face and s.italic_style == "kai"
    ):
        face = s.kai_face
    rpr = (
        (f'<w:rStyle w:val="{style}"/>' if style else "")
        + (f'<w:rFonts w:eastAsia="{face}"/>' if face else "")
        + ("<w:b/><w:bCs/>" if bold and s.bold_weight else "")
        + ("<w:i/><w:iCs/>" if italic and s.italic_style != "kai" else "")
    )
    return f"<w:rPr>{rpr}</w:rPr>" if rpr else ""


def _runs(text: str, marks, w: _Writer) -> str:
    """The runs of one paragraph or cell, cut where the emphasis changes, as the
    PDF cuts them; the pieces of one link are one w:hyperlink."""
    if not marks:
        return f"<w:r>{_t(text)}</w:r>" if text else ""
    # Neighbouring pieces that look alike are one run, as Word writes them.
    pieces: list[dict] = []
    for seg in runs(text, marks):
        if pieces and {**pieces[-1], "text": ""} == {**seg, "text": ""}:
            pieces[-1] = {**seg, "text": pieces[-1]["text"] + seg["text"]}
        else:
            pieces.append(seg)
    out: list[str] = []
    for href, group in itertools.groupby(pieces, key=lambda seg: seg.get("href", "")):
        xml = "".join(f"<w:r>{_rpr_for(seg, w.settings)}{_t(seg['text'])}</w:r>" for seg in group)
        if href:
            rid = w.part.relate_to(href, RT.HYPERLINK, is_external=True)
            xml = f'<w:hyperlink r:id="{rid}" w:history="1">{xml}</w:hyperlink>'
        out.append(xml)
    return "".join(out)


def _text_p(style: str, text: str, marks=(), w: _Writer | None = None, *, ppr: str = "") -> str:
    inner = _runs(text, marks, w) if w is not None else f"<w:r>{_t(text)}</w:r>" if text else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{inner}</w:p>'


def _block(block: Block, w: _Writer) -> str:
    if block.kind == IMAGE:
        return _picture(block, w)
    if block.kind == TABLE:
        return _table(block, w)
    if block.kind == NOTE:
        return _note(block, w)
    style = _HEADING_STYLE[heading_level(block.text)] if block.kind == HEADING else "BodyText"
    return _text_p(style, block.text, block.marks, w)


def _note(block: Block, w: _Writer) -> str:
    """编者按 in the Note style, its label in bold 黑体 as the PDF prints it."""
    text, marks = block.text, block.marks
    n = note_label_length(text)
    if not n and w.settings.note_label:
        n = len(w.settings.note_label)
        text = w.settings.note_label + text
        marks = tuple(Mark(m.type, m.start + n, m.end + n, m.href) for m in marks)
    if n:
        marks = (Mark(BOLD, 0, n), *marks)
    return _text_p("Note", text, marks, w)


def _picture(block: Block, w: _Writer) -> str:
    """An inline picture in a centred paragraph kept with its caption below."""
    s = w.settings
    try:
        path = pathlib.Path(w.picture_file(block.file))
        rid, image = w.part.get_or_add_image(str(path))
    except (JianbaoError, OSError, UnrecognizedImageError) as exc:
        where = f"《{w.article}》的图片" + (f"“{block.caption}”" if block.caption else "")
        raise RenderFailed(f"Word 文件生成失败：{where}（{block.file}）无法读取：{exc}") from exc
    if block.width <= 0 or block.height <= 0:
        block = dataclasses.replace(block, width=image.px_width, height=image.px_height)
    width = picture_width(
        block,
        PdfSettings(
            block_width=s.text_width,
            block_height=s.text_height,
            picture_width=s.picture_width,
            picture_min_dpi=s.picture_min_dpi,
            picture_max_height=s.picture_max_height,
        ),
    )
    cx = round(width * _EMU_PER_MM)
    cy = round(cx * block.height / block.width)
    w.shapes += 1
    inline = CT_Inline.new_pic_inline(w.shapes, rid, path.name, Emu(cx), Emu(cy))
    # Alt text for screen readers, and what Word shows in its place.
    description = _INVALID_XML.sub("", block.alt or block.caption)
    if description:
        for el in inline.xpath(".//wp:docPr | .//pic:cNvPr"):
            el.set("descr", description)
    drawing = etree.tostring(inline, encoding="unicode")
    # Without a caption the picture need not pull the next paragraph along.
    ppr = "" if block.caption else '<w:keepNext w:val="0"/><w:spacing w:after="170"/>'
    out = (
        f'<w:p><w:pPr><w:pStyle w:val="Picture"/>{ppr}</w:pPr>'
        f"<w:r><w:drawing>{drawing}</w:drawing></w:r></w:p>"
    )
    if block.caption:
        out += _text_p("Caption", block.caption)
    return out


def _column_widths(cells: list[dict], ncols: int, s: DocxSettings) -> list[int]:
    """Twips per column, as the PDF shares them: a narrow column (序号, 年份) is as
    wide as its cells, the others share the rest of the text width."""
    total = _twips(s.text_width)
    widest = [0.0] * ncols
    for c in cells:
        if c["colspan"] == 1:
            widest[c["x"]] = max(widest[c["x"]], text_width(c["text"]))
    auto_chars = PdfSettings().table_auto_chars

    def natural(chars: float) -> int:
        return round(max(chars, 1) * s.table_size * 20) + _CELL_PADDING

    fixed = {x: natural(w) for x, w in enumerate(widest) if w <= auto_chars}
    weights = {x: min(w, 40) for x, w in enumerate(widest) if x not in fixed}
    rest = total - sum(fixed.values())
    share = sum(weights.values())
    if rest >= natural(4) * len(weights):
        return [
            fixed[x] if x in fixed else (int(rest * weights[x] // share) if share else 0)
            for x in range(ncols)
        ]
    # Too many columns for the page: every column gives up width in proportion.
    wanted = [fixed.get(x) or natural(weights[x]) for x in range(ncols)]
    return [total * x // sum(wanted) for x in wanted]


def _table(block: Block, w: _Writer) -> str:
    """A Word table on the Bulletin Table style, its caption (表题) above.

    The cells are placed on the grid by the PDF's rules (render.pdf.table_data).
    Word wants every grid position written: a cell under a vertical span is the
    span's continuation (w:vMerge), a hole in a ragged row an empty cell.
    """
    s = w.settings
    data = table_data(block, PdfSettings())
    caption = _text_p("TableCaption", block.caption) if block.caption else ""
    placed = data["cells"]
    if not placed:
        return caption
    # table_data keeps the cells in the order of the rows: pair them with their marks.
    sources = [cell for row in block.rows for cell in row]
    ncols = max(c["x"] + c["colspan"] for c in placed)
    cols = _column_widths(placed, ncols, s)
    covered: dict[tuple[int, int], tuple[dict, Cell | None]] = {}
    for c, source in zip(placed, sources, strict=True):
        for dy in range(c["rowspan"]):
            covered[(c["x"], c["y"] + dy)] = (c, source)
    header_rows = data["header_rows"]

    rows = []
    for y in range(len(block.rows)):
        header = y < header_rows
        style = "TableHeading" if header else "TableText"
        cells = []
        x = 0
        while x < ncols:
            c, source = covered.get((x, y), (None, None))
            span = c["colspan"] if c else 1
            merge = ""
            if c is None:  # a hole in a ragged row
                content = _text_p(style, "")
            elif c["y"] == y:
                if c["rowspan"] > 1:
                    merge = '<w:vMerge w:val="restart"/>'
                jc = '<w:jc w:val="right"/>' if c["align"] == "right" else ""
                content = _text_p(style, source.text, source.marks, w, ppr=jc)
            else:
                merge = "<w:vMerge/>"
                content = _text_p(style, "")
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{sum(cols[x : x + span])}" w:type="dxa"/>'
                + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
                + f'{merge}<w:vAlign w:val="center"/></w:tcPr>{content}</w:tc>'
            )
            x += span
        # Header rows repeat on every page; no row breaks across pages.
        trpr = "<w:cantSplit/><w:tblHeader/>" if header else "<w:cantSplit/>"
        rows.append(f"<w:tr><w:trPr>{trpr}</w:trPr>{''.join(cells)}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{x}"/>' for x in cols)
    return (
        f'{caption}<w:tbl><w:tblPr><w:tblStyle w:val="BulletinTable"/>'
        f'<w:tblW w:w="{sum(cols)}" w:type="dxa"/><w:jc w:val="center"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
        # Word joins two tables that touch; this keeps the next block apart.
        '<w:p><w:pPr><w:pStyle w:val="TableText"/><w:spacing w:after="85"/></w:pPr></w:p>'
    )


def _body(b: ParsedBulletin, w: _Writer, *, toc_pages: list[int], pdf: PdfSettings) -> str:
    out: list[str] = []
    add = out.append
    add(_p("Masthead", b.series_title))
    add(_p("Title", b.series_name or "简报"))
    add(_p("IssueLine", b.label))
    add(
        _p(
            "OfficeLine",
            inner=f'<w:r><w:t xml:space="preserve">{esc(b.office)}</w:t></w:r>'
            f"<w:r><w:tab/><w:t>{esc(format_date(b))}</w:t></w:r>",
        )
    )

    # The 编者按 below the masthead rule, before the 导读: in the Note
    # style (楷体, set in), the label in bold 黑体 as the PDF prints it.
    for i, paragraph in enumerate(editor_note_paragraphs(b)):
        if i == 0:
            n = len(EDITOR_NOTE_LEAD)
            add(_text_p("Note", EDITOR_NOTE_LEAD + paragraph, (Mark(BOLD, 0, n),), w))
        else:
            add(_text_p("Note", paragraph, (), w))

    sections = printed_sections(b)
    anchors: list[list[str]] = []
    n = 0
    for section in sections:
        names = []
        for _ in section.articles:
            n += 1
            names.append(f"article_{n}")
        anchors.append(names)

    if n:
        # One row per group that may not split, as the PDF keeps each group whole;
        # the heading shares the first group's row, so it never stands alone.
        # Where the PDF's 导读 runs on to a new page, so does this one, in a box
        # of its own that opens with 本期导读（续）.
        pages = toc_pages if len(toc_pages) == len(sections) else [1] * len(sections)
        heading = pdf.toc_heading
        boxes: list[list[str]] = []
        for i, (section, names) in enumerate(zip(sections, anchors, strict=True)):
            toc = []
            if i == 0:
                boxes.append([])
                toc.append(_p("TOCHeading", heading))
            elif pages[i] != pages[i - 1]:
                boxes.append([])
                toc.append(_p("TOCHeading", heading + pdf.toc_continued))
            toc.append(_p("TOCSection", section.toc_title or section.title))
            for article, name in zip(section.articles, names, strict=True):
                toc.append(
                    _p(
                        "TOCEntry",
                        inner=f'<w:r><w:t xml:space="preserve">◆ </w:t></w:r>'
                        f'<w:hyperlink w:anchor="{name}" w:history="1"><w:r>'
                        f'<w:t xml:space="preserve">{esc(article.toc_title or article.title)}'
                        "</w:t></w:r></w:hyperlink>",
                    )
                )
            boxes[-1].append(
                '<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="5000" '
                f'w:type="pct"/></w:tcPr>{"".join(toc)}</w:tc></w:tr>'
            )
        border = "".join(
            f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right")
        )
        for i, rows in enumerate(boxes):
            if i:
                # Two tables need a paragraph between them (Word would join
                # them): this one, a point high, holds the page break.
                add(
                    '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" '
                    'w:lineRule="exact"/></w:pPr><w:r><w:br w:type="page"/></w:r></w:p>'
                )
            add(
                '<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/>'
                f"<w:tblBorders>{border}</w:tblBorders>"
                '<w:tblCellMar><w:top w:w="113" w:type="dxa"/><w:left w:w="227" w:type="dxa"/>'
                '<w:bottom w:w="170" w:type="dxa"/><w:right w:w="227" w:type="dxa"/>'
                '</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
                f'<w:tblGrid><w:gridCol w:w="{_twips(156)}"/></w:tblGrid>'
                f"{''.join(rows)}</w:tbl>"
            )

    bookmark_id = 0
    for section, names in zip(sections, anchors, strict=True):
        add(_p("Heading1", f"➤ {section.title}"))
        for article, name in zip(section.articles, names, strict=True):
            bookmark_id += 1
            title_run = f'<w:r><w:t xml:space="preserve">{esc(article.title)}</w:t></w:r>'
            add(_p("Heading2", inner=_bookmark(bookmark_id, name, title_run)))
            w.article = article.title
            for block in article.blocks:
                add(_block(block, w))
            if article.credit:
                add(_p("Credit", credit_line(article.credit)))

    add(_closing(b))
    return "".join(out)


def _closing(b: ParsedBulletin) -> str:
    """版记 as a table anchored to the foot of the text block, rules as its borders."""
    rows: list[str] = []
    dist = [
        _p("Closing", f"{label}：{'、'.join(names)}")
        for label, names in b.distribution.items()
        if names
    ]
    if dist:
        rows.append("".join(dist))
    if credits_line(b):
        rows.append(_p("Closing", credits_line(b)))
    contacts = contact_lines(b)
    if contacts:
        rows.append("".join(_p("Contact", line) for line in contacts))
    if not rows:
        return ""
    borders = (
        '<w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
        '<w:left w:val="nil"/>'
        '<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
        '<w:right w:val="nil"/>'
        '<w:insideH w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
        '<w:insideV w:val="nil"/>'
    )
    body = "".join(
        # The 版记 is one block at the foot of a page: no row splits, and each row
        # keeps with the next (its paragraphs' keepNext, Word's way for rows).
        '<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="5000" '
        f'w:type="pct"/></w:tcPr>{r}</w:tc></w:tr>'
        for r in rows
    )
    return (
        "<w:p/>"
        '<w:tbl><w:tblPr><w:tblpPr w:vertAnchor="margin" w:horzAnchor="margin" '
        'w:tblpYSpec="bottom"/><w:tblW w:w="5000" w:type="pct"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/>'
        "</w:tblCellMar>"
        '<w:tblLook w:val="0000"/></w:tblPr>'
        f'<w:tblGrid><w:gridCol w:w="{_twips(156)}"/></w:tblGrid>{body}</w:tbl>'
        "<w:p/>"
    )


def _print_file(name: str) -> pathlib.Path:
    # Imported here: pictures reads Django's storage, which a text-only Word
    # file does not need.
    from jianbao.publishing import pictures

    return pictures.print_file(name)


def render_docx(
    bulletin: ParsedBulletin,
    settings: DocxSettings | None = None,
    *,
    picture_file: Callable[[str], pathlib.Path] | None = None,
    pdf_settings: PdfSettings | None = None,
) -> bytes:
    """The Word file. ``picture_file`` maps a picture's name to a local file to
    embed (publishing.pictures.print_file unless given), as for the PDF;
    ``pdf_settings``, the series' PDF whose 导读 this one parts where it does."""
    settings = settings or DocxSettings()
    pdf_settings = pdf_settings or PdfSettings()
    try:
        pages = toc_pages(bulletin, pdf_settings)
    except MissingFont:
        pages = []  # no PDF can be set here: the 导读 stays one box
    document = docx.Document(io.BytesIO(_template(settings)))
    core = document.core_properties
    core.title = f"{bulletin.series_title}{bulletin.series_name} {bulletin.label}"
    core.author = bulletin.office
    core.subject = f"{bulletin.year}年第{bulletin.number}期"
    core.keywords = f"{bulletin.year}年第{bulletin.number}期, 总第{bulletin.running_number}期"
    core.language = "zh-CN"
    body = document.element.body
    sect = body.find(f"{{{W_NS}}}sectPr")
    writer = _Writer(document.part, settings, picture_file or _print_file)
    content = _body(bulletin, writer, toc_pages=pages, pdf=pdf_settings)
    wrapper = parse_xml(f"<w:body {NSDECL}>{content}</w:body>")
    for el in list(wrapper):
        sect.addprevious(el)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
