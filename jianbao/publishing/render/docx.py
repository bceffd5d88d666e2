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

import functools
import io
import itertools
import re
from dataclasses import dataclass

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.shape import CT_Inline
from docx.shared import Emu, Mm
from lxml import etree

from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    TABLE,
    Block,
    Cell,
    Mark,
    ParsedBulletin,
    heading_level,
    printed_sections,
)
from jianbao.publishing.render.markdown import format_date
from jianbao.publishing.render.pdf import contact_lines, credit_line, credits_line

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NSDECL = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'


@dataclass(frozen=True)
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
    # Bold prints in 黑体, as in the PDF. w:b as well, so that any reader of the
    # file (our own importer included) sees the run as bold; Word synthesises
    # the weight, as it does for every 黑体 heading an office types by hand.
    bold_face: str = "黑体"
    bold_weight: bool = True
    picture_width: float = 0.8  # share of the text width, when a picture names none
    picture_max_height: float = 150  # mm: a tall photo shrinks rather than fill the page
    caption_size: float = 14  # pt, 四号
    table_size: float = 14  # pt, 四号
    table_rule: int = 6  # eighths of a point: the grid of a table (0.75 pt)

    @property
    def text_width(self) -> float:
        """mm across the text block of an A4 page."""
        return 210 - self.margin_left - self.margin_right


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
        '<w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="57" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
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
            '<w:spacing w:before="0" w:after="240"/><w:jc w:val="center"/>',
            _rpr(s.title_face, lat, 22, bold=True, color=s.masthead_color),
        ),
        _style(
            "Title",
            "Title",
            '<w:spacing w:before="120" w:after="240"/><w:jc w:val="center"/>',
            _rpr(s.title_face, lat, 52, bold=True, color=s.masthead_color, spacing=300),
        ),
        _style(
            "IssueLine",
            "Issue Line",
            '<w:spacing w:before="0" w:after="120"/><w:jc w:val="center"/>',
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
            '<w:keepNext/><w:spacing w:before="120" w:after="40"/>',
            _rpr(s.heading_face, lat, s.small_size, bold=True),
        ),
        _style(
            "TOCEntry",
            "TOC Entry",
            f'<w:spacing w:before="0" w:after="20"/><w:ind w:left="{em15}" w:hanging="{em15}"/>',
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
            '<w:spacing w:before="40" w:after="40" w:line="360" w:lineRule="auto"/>'
            # The label sits one character in; wrapped lines align under the first name.
            f'<w:ind w:left="{em1 * 3}" w:hanging="{em1 * 2}"/>',
            _rpr(s.body_face, lat, s.small_size),
        ),
        _style(
            "Contact",
            "Contact",
            '<w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/>',
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
            f'<w:keepNext/><w:spacing w:before="120" w:after="60" {auto}/><w:jc w:val="center"/>',
            "",
            nxt="Caption",
        ),
        _style(
            "Caption",
            "caption",
            f'<w:keepLines/><w:spacing w:before="0" w:after="180" {auto}/><w:jc w:val="center"/>',
            _rpr(s.kai_face, lat, s.caption_size),
            nxt="BodyText",
        ),
        _style(
            "TableCaption",
            "Table Caption",
            # 表题 above its table, kept with the table's first row.
            '<w:keepNext/><w:keepLines/><w:spacing w:before="120" w:after="60" '
            'w:line="240" w:lineRule="auto"/><w:jc w:val="center"/>',
            "",
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
            _rpr(s.heading_face, lat, s.table_size),
            based_on="TableText",
        ),
        _char_style(
            "Strong",
            "Strong",
            f'<w:rPr><w:rFonts w:eastAsia="{s.bold_face}"/>'
            + ("<w:b/><w:bCs/>" if s.bold_weight else "")
            + "</w:rPr>",
        ),
        _char_style("Emphasis", "Emphasis", "<w:rPr><w:i/><w:iCs/></w:rPr>"),
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
# Links Word may open: anything else prints as its text.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# A figure, alone in its cell: 1,234.5 / 12% / −3 / ６０ are right-aligned.
_NUMBER = re.compile(r"[-+−±]?(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:[.．]\d+)?\s*[%％‰]?")
_EMU_PER_MM = 36000


@dataclass
class _Writer:
    """What the body needs beside its XML: the document part, which holds the
    relationships of links and pictures, and a counter for drawing ids."""

    part: object
    settings: DocxSettings
    shapes: int = 0


def _t(text: str) -> str:
    """Run content: text, with line breaks inside a block kept as breaks."""
    parts = esc(text).split("\n")
    return "<w:br/>".join(f'<w:t xml:space="preserve">{p}</w:t>' for p in parts)


def _runs(text: str, marks: tuple[Mark, ...], w: _Writer) -> str:
    """The runs of one paragraph or cell: the text cut wherever a mark starts or ends."""
    size = len(text)
    marks = tuple(
        m
        for m in (Mark(m.type, max(0, m.start), min(size, m.end), m.href) for m in marks or ())
        if m.start < m.end and m.type in (BOLD, ITALIC, LINK)
    )
    if not marks:
        return f"<w:r>{_t(text)}</w:r>" if text else ""
    cuts = sorted({0, size, *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    link_href, link_runs = "", []

    def close_link():
        if link_runs:
            rid = w.part.relate_to(link_href, RT.HYPERLINK, is_external=True)
            out.append(
                f'<w:hyperlink r:id="{rid}" w:history="1">{"".join(link_runs)}</w:hyperlink>'
            )
            link_runs.clear()

    # Neighbouring pieces that look alike are one run, as Word would write them.
    pieces: list[tuple[tuple[bool, bool, str], str]] = []
    for start, end in itertools.pairwise(cuts):
        over = [m for m in marks if m.start <= start and end <= m.end]
        key = (
            any(m.type == BOLD for m in over),
            any(m.type == ITALIC for m in over),
            next(
                (
                    m.href.strip()
                    for m in over
                    if m.type == LINK and m.href.strip().lower().startswith(_LINK_SCHEMES)
                ),
                "",
            ),
        )
        if pieces and pieces[-1][0] == key:
            pieces[-1] = (key, pieces[-1][1] + text[start:end])
        else:
            pieces.append((key, text[start:end]))
    for (bold, italic, href), piece in pieces:
        # One run style only: a bold link is Hyperlink plus the bold face by hand.
        rpr = ""
        if href:
            rpr += '<w:rStyle w:val="Hyperlink"/>'
            if bold:
                rpr += f'<w:rFonts w:eastAsia="{w.settings.bold_face}"/>'
        elif bold:
            rpr += '<w:rStyle w:val="Strong"/>'
        if bold and w.settings.bold_weight:
            rpr += "<w:b/><w:bCs/>"
        if italic:
            rpr += "<w:i/><w:iCs/>"
        run = f"<w:r>{f'<w:rPr>{rpr}</w:rPr>' if rpr else ''}{_t(piece)}</w:r>"
        if href != link_href:
            close_link()
            link_href = href
        (link_runs if href else out).append(run)
    close_link()
    return "".join(out)


def _text_p(style: str, text: str, marks=(), w: _Writer | None = None, *, ppr: str = "") -> str:
    inner = (
        _runs(text, marks, w)
        if w is not None and marks
        else (f"<w:r>{_t(text)}</w:r>" if text else "")
    )
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{inner}</w:p>'


def _block(block: Block, w: _Writer) -> str:
    if block.kind == IMAGE:
        return _picture(block, w)
    if block.kind == TABLE:
        return _table(block, w)
    if block.kind == HEADING:
        style = _HEADING_STYLE[heading_level(block.text)]
    elif block.kind == NOTE:
        style = "Note"
    else:
        style = "BodyText"
    return _text_p(style, block.text, block.marks, w)


def _picture(block: Block, w: _Writer) -> str:
    """An inline picture in a centred paragraph kept with its caption below."""
    # Imported here: pictures reads Django's storage, which the rest of the
    # Word file does not need.
    from jianbao.publishing import pictures

    s = w.settings
    path = pictures.print_file(block.file)
    rid, image = w.part.get_or_add_image(str(path))
    share = block.print_width if 0 < block.print_width <= 1 else s.picture_width
    px_w, px_h = (
        (block.width, block.height)
        if block.width > 0 and block.height > 0
        else (
            image.px_width,
            image.px_height,
        )
    )
    cx = round(s.text_width * share * _EMU_PER_MM)
    cy = round(cx * px_h / px_w)
    limit = round(s.picture_max_height * _EMU_PER_MM)
    if cy > limit:
        cx, cy = round(cx * limit / cy), limit
    w.shapes += 1
    inline = CT_Inline.new_pic_inline(w.shapes, rid, path.name, Emu(cx), Emu(cy))
    description = block.alt or block.caption
    if description:
        for tag in ("wp:docPr", "pic:nvPicPr/pic:cNvPr"):
            for el in inline.xpath(f".//{tag}"):
                el.set("descr", description)
    drawing = etree.tostring(inline, encoding="unicode")
    ppr = "" if block.caption else '<w:keepNext w:val="0"/>'
    out = (
        f'<w:p><w:pPr><w:pStyle w:val="Picture"/>{ppr}</w:pPr>'
        f"<w:r><w:drawing>{drawing}</w:drawing></w:r></w:p>"
    )
    if block.caption:
        out += _text_p("Caption", block.caption)
    return out


def _width(text: str) -> int:
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _table(block: Block, w: _Writer) -> str:
    """A Word table on the Bulletin Table style, its caption (表题) above.

    Merged cells come as the shape keeps them (the covering cell spans, the
    covered ones are left out); Word wants every grid position written, so the
    cells under a vertical span are written as its continuation (w:vMerge).
    """
    rows = block.rows
    if not rows:
        return _text_p("TableCaption", block.caption) if block.caption else ""
    # (row, col) -> (origin row, origin col, colspan, rowspan, cell)
    grid: dict[tuple[int, int], tuple[int, int, int, int, Cell]] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in grid:
                c += 1
            cs = max(1, cell.colspan)
            # A span never runs into a cell a span from above already covers.
            cs = next((k for k in range(1, cs) if (r, c + k) in grid), cs)
            rs = max(1, min(cell.rowspan, len(rows) - r))
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = (r, c, cs, rs, cell)
            c += cs
    ncols = max(c for _, c in grid) + 1
    # Columns share the width by the longest single cell in each, within limits,
    # so a 序号 column stays narrow.
    weights = [4] * ncols
    for (r, c), (orow, ocol, cs, _, cell) in grid.items():
        if (r, c) == (orow, ocol) and cs == 1:
            longest = max((_width(line) for line in cell.text.split("\n")), default=0)
            weights[c] = max(weights[c], min(longest, 30))
    total = _twips(w.settings.text_width)
    cols = [total * wt // sum(weights) for wt in weights]
    header_rows = max(0, min(block.header_rows, len(rows)))

    out_rows = []
    for r in range(len(rows)):
        header = r < header_rows
        cells = []
        c = 0
        while c < ncols:
            origin = grid.get((r, c))
            if origin is None:  # a ragged row: the grid is filled with empty cells
                cs, merge, content = 1, "", _text_p("TableText", "")
            else:
                orow, _, cs, rs, cell = origin
                if orow == r:
                    merge = '<w:vMerge w:val="restart"/>' if rs > 1 else ""
                    style = "TableHeading" if header else "TableText"
                    ppr = (
                        '<w:jc w:val="right"/>'
                        if not header and _NUMBER.fullmatch(cell.text.strip())
                        else ""
                    )
                    content = _text_p(style, cell.text, cell.marks, w, ppr=ppr)
                else:
                    merge = "<w:vMerge/>"
                    content = _text_p("TableHeading" if header else "TableText", "")
            width = sum(cols[c : c + cs])
            span = f'<w:gridSpan w:val="{cs}"/>' if cs > 1 else ""
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{merge}'
                f'<w:vAlign w:val="center"/></w:tcPr>{content}</w:tc>'
            )
            c += cs
        trpr = (
            "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
            if header
            else ("<w:trPr><w:cantSplit/></w:trPr>")
        )
        out_rows.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
    grid_cols = "".join(f'<w:gridCol w:w="{x}"/>' for x in cols)
    caption = _text_p("TableCaption", block.caption) if block.caption else ""
    return (
        f'{caption}<w:tbl><w:tblPr><w:tblStyle w:val="BulletinTable"/>'
        f'<w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000"/></w:tblPr>'
        f"<w:tblGrid>{grid_cols}</w:tblGrid>{''.join(out_rows)}</w:tbl>"
        # Word joins two tables that touch; a paragraph keeps the next block apart.
        '<w:p><w:pPr><w:pStyle w:val="TableText"/><w:spacing w:before="0" w:after="120"/>'
        "</w:pPr></w:p>"
    )


def _body(b: ParsedBulletin, w: _Writer) -> str:
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
        toc = [_p("TOCHeading", "本期导读")]
        for section, names in zip(sections, anchors, strict=True):
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
        border = "".join(
            f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right")
        )
        add(
            '<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/>'
            f"<w:tblBorders>{border}</w:tblBorders>"
            '<w:tblCellMar><w:top w:w="113" w:type="dxa"/><w:left w:w="227" w:type="dxa"/>'
            '<w:bottom w:w="170" w:type="dxa"/><w:right w:w="227" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="0000"/></w:tblPr>'
            f'<w:tblGrid><w:gridCol w:w="{_twips(156)}"/></w:tblGrid>'
            f'<w:tr><w:tc><w:tcPr><w:tcW w:w="5000" w:type="pct"/></w:tcPr>{"".join(toc)}'
            "</w:tc></w:tr></w:tbl>"
        )

    bookmark_id = 0
    for section, names in zip(sections, anchors, strict=True):
        add(_p("Heading1", f"➤ {section.title}"))
        for article, name in zip(section.articles, names, strict=True):
            bookmark_id += 1
            title_run = f'<w:r><w:t xml:space="preserve">{esc(article.title)}</w:t></w:r>'
            add(_p("Heading2", inner=_bookmark(bookmark_id, name, title_run)))
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
        f'<w:tr><w:tc><w:tcPr><w:tcW w:w="5000" w:type="pct"/></w:tcPr>{r}</w:tc></w:tr>'
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


def render_docx(bulletin: ParsedBulletin, settings: DocxSettings | None = None) -> bytes:
    settings = settings or DocxSettings()
    document = docx.Document(io.BytesIO(_template(settings)))
    core = document.core_properties
    core.title = f"{bulletin.series_title}{bulletin.series_name} {bulletin.label}"
    core.author = bulletin.office
    core.subject = f"{bulletin.year}年第{bulletin.number}期"
    core.keywords = f"{bulletin.year}年第{bulletin.number}期, 总第{bulletin.running_number}期"
    core.language = "zh-CN"
    body = document.element.body
    sect = body.find(f"{{{W_NS}}}sectPr")
    writer = _Writer(document.part, settings)
    wrapper = parse_xml(f"<w:body {NSDECL}>{_body(bulletin, writer)}</w:body>")
    for el in list(wrapper):
        sect.addprevious(el)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
