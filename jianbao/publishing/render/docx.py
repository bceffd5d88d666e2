"""The bulletin as a Word file, built on real styles so that an editor can restyle it.

Word picks the Chinese face from ``w:eastAsia`` only (``font.name`` sets the
Latin ones), so every style names both. The body is written as WordprocessingML
in one piece rather than paragraph by paragraph through python-docx, which is
several times slower and would miss the 50 ms budget.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

import docx
from docx.oxml import parse_xml
from docx.shared import Mm
from lxml import etree

from jianbao.publishing.parsed import HEADING, ParsedBulletin, heading_level, printed_sections
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


_BUILTIN = {"Normal", "Title", "Heading1", "Heading2", "Heading3", "Heading4", "Heading5"}


def _styles(s: DocxSettings) -> list[str]:
    lat = s.latin_face
    pitch = round(s.line_pitch * 20)
    exact = f'<w:spacing w:before="0" w:after="0" w:line="{pitch}" w:lineRule="exact"/>'
    indent = f'<w:ind w:firstLine="{round(s.body_size * 2 * 20)}"/>'
    # Absolute indents: LibreOffice ignores character-based ones.
    em1 = round(s.small_size * 20)
    em15 = round(s.small_size * 1.5 * 20)
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


def _body(b: ParsedBulletin, s: DocxSettings) -> str:
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
                style = (
                    _HEADING_STYLE[heading_level(block.text)]
                    if block.kind == HEADING
                    else "BodyText"
                )
                add(_p(style, block.text))
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
    wrapper = parse_xml(f"<w:body {NSDECL}>{_body(bulletin, settings)}</w:body>")
    for el in list(wrapper):
        sect.addprevious(el)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
