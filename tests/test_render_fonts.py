"""The office's own fonts (JIANBAO_FONT_DIR): the PDF sets each role in them,
falls back to the free faces without them, records which, and `jianbao fonts`
says so. No office font is committed: free faces renamed with fontTools stand
in for 仿宋_GB2312 and 方正小标宋简体."""

from __future__ import annotations

import io
import json
import shutil

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from jianbao.publishing import fonts
from jianbao.publishing.render.pdf import render_pdf
from tests.test_render_pdf import pdffonts

WENKAI_LIGHT = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Light.ttf"
HANAMIN_A = "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"
# (source file, family, PostScript name): the names the offices' files carry.
STAND_INS = (
    (WENKAI_LIGHT, "FangSong_GB2312", "FangSong_GB2312"),
    (HANAMIN_A, "FZXiaoBiaoSong-B05S", "FZXBSJW--GB1-0"),
)


def renamed(source: str, family: str, postscript: str, target) -> None:
    font = TTFont(source, lazy=True)
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=record.nameID)
    for name_id, value in ((1, family), (2, "Regular"), (3, postscript), (4, family)):
        name.setName(value, name_id, 3, 1, 0x409)
    name.setName(postscript, 6, 3, 1, 0x409)
    font["OS/2"].usWeightClass = 400
    font.save(str(target))


@pytest.fixture(scope="session")
def office_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office-fonts")
    for source, family, postscript in STAND_INS:
        renamed(source, family, postscript, folder / f"{postscript}.ttf")
    return folder


@pytest.fixture
def with_office_fonts(settings, office_dir):
    settings.JIANBAO_FONT_DIR = str(office_dir)
    return office_dir


@pytest.fixture
def without_office_fonts(settings):
    settings.JIANBAO_FONT_DIR = ""


@pytest.fixture(scope="session")
def office_pdf(parsed, office_dir):
    from django.test import override_settings

    with override_settings(JIANBAO_FONT_DIR=str(office_dir)):
        return render_pdf(parsed)


@pytest.fixture(scope="session")
def free_pdf(parsed):
    from django.test import override_settings

    with override_settings(JIANBAO_FONT_DIR=""):
        return render_pdf(parsed)


def names(pdf: bytes) -> list[str]:
    return [r["name"].partition("+")[2] for r in pdffonts(pdf)]


def page_fonts(pdf: bytes, page: int) -> list[tuple[str, str]]:
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font:
            found.append((str(font.get("/BaseFont")), text))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def test_faces_come_from_the_font_folder_by_role(with_office_fonts):
    faces = fonts.faces()
    assert (faces["body"].family, faces["body"].source) == ("FangSong_GB2312", "office")
    assert (faces["title"].family, faces["title"].source) == ("FZXiaoBiaoSong-B05S", "office")
    assert faces["body"].file == str(with_office_fonts / "FangSong_GB2312.ttf")
    # The folder has no 楷体 or 黑体: those stay free.
    assert (faces["kai"].family, faces["kai"].source) == ("LXGW WenKai", "fallback")
    assert (faces["hei"].family, faces["hei"].source) == ("Noto Sans CJK SC", "fallback")


def test_without_a_font_folder_every_role_falls_back_to_a_free_face(without_office_fonts):
    faces = fonts.faces()
    assert {k: (f.name, f.source) for k, f in faces.items()} == {
        "title": ("Noto Serif CJK SC Bold", "fallback"),
        "body": ("Noto Serif CJK SC", "fallback"),
        "kai": ("LXGW WenKai", "fallback"),
        "hei": ("Noto Sans CJK SC Bold", "fallback"),
    }


def test_a_missing_font_folder_falls_back_too(settings, tmp_path):
    settings.JIANBAO_FONT_DIR = str(tmp_path / "nowhere")
    assert all(f.source == "fallback" for f in fonts.faces().values())


def test_office_names_are_matched_without_case_spaces_or_underscores(settings, tmp_path):
    renamed(WENKAI_LIGHT, "simhei", "SimHei", tmp_path / "simhei.ttf")
    settings.JIANBAO_FONT_DIR = str(tmp_path)
    face = fonts.faces()["hei"]
    assert (face.family, face.source) == ("simhei", "office")


def test_pdffonts_shows_the_office_faces_for_body_and_masthead(office_pdf):
    used = names(office_pdf)
    assert "FangSong_GB2312" in used
    assert "FZXBSJW--GB1-0" in used
    assert not any(n.startswith("NotoSerifCJKsc-Bold") for n in used)  # no free title face
    for row in pdffonts(office_pdf):
        assert (row["emb"], row["sub"]) == ("yes", "yes"), row
    first = page_fonts(office_pdf, 0)
    masthead = [f for f, t in first if t.strip() in ("产业技术创新战略联盟试点工作", "简", "报")]
    assert len(masthead) == 3 and all("FZXBSJW" in f for f in masthead), first
    body = [f for f, t in page_fonts(office_pdf, 2) if "组建中央科技委员会" in t]
    assert body and all("FangSong_GB2312" in f for f in body)


def test_without_office_fonts_pdffonts_shows_the_free_faces(free_pdf):
    used = names(free_pdf)
    assert not any("FangSong" in n or "FZXBSJW" in n for n in used)
    for free in ("NotoSerifCJKsc-Regular", "NotoSerifCJKsc-Bold", "LXGWWenKai-Regular"):
        assert any(n.startswith(free) for n in used), used


def test_the_pdf_records_its_faces_in_keywords_and_xmp(office_pdf, free_pdf):
    office = PdfReader(io.BytesIO(office_pdf)).metadata["/Keywords"]
    assert "字体：仿宋_GB2312=FangSong_GB2312（单位字体）" in office
    assert "字体：方正小标宋简体=FZXiaoBiaoSong-B05S（单位字体）" in office
    assert "字体：楷体_GB2312=LXGW WenKai（免费替代）" in office
    free = PdfReader(io.BytesIO(free_pdf)).metadata["/Keywords"]
    assert "字体：仿宋_GB2312=Noto Serif CJK SC（免费替代）" in free
    assert "字体：方正小标宋简体=Noto Serif CJK SC Bold（免费替代）" in free
    with pikepdf.open(io.BytesIO(office_pdf)) as pdf:
        xmp = pdf.open_metadata()
        assert "FangSong_GB2312（单位字体）" in xmp["pdf:Keywords"]


def test_jianbao_fonts_lists_office_and_fallback_faces(cli, with_office_fonts):
    result = cli("fonts")
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"单位字体目录：{with_office_fonts}"
    assert any(
        line.startswith("正文和版记（仿宋_GB2312）→ FangSong_GB2312（单位字体）")
        and line.endswith("FangSong_GB2312.ttf")
        for line in lines
    ), lines
    assert any(
        line.startswith("署名、编者按和二级标题（楷体_GB2312）→ LXGW WenKai（免费替代）")
        for line in lines
    ), lines
    assert lines[-1] == "单位字体目录中没有：楷体_GB2312、黑体，这些角色用免费替代字体"


def test_jianbao_fonts_json_without_office_fonts(cli, without_office_fonts):
    result = cli("fonts", "--format", "json")
    assert result.status == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["font_dir"] is None
    rows = {r["role"]: r for r in data["roles"]}
    assert set(rows) == {"title", "body", "kai", "hei"}
    assert all(r["source"] == "fallback" for r in rows.values())
    assert rows["title"]["face"] == "Noto Serif CJK SC Bold"
    assert rows["title"]["file"].endswith("NotoSerifCJK-Bold.ttc")
    assert rows["kai"]["file"].endswith("LXGWWenKai-Regular.ttf")


def test_jianbao_fonts_json_with_office_fonts(cli, with_office_fonts):
    data = json.loads(cli("fonts", "--format", "json").stdout)
    assert data["font_dir"] == str(with_office_fonts)
    rows = {r["role"]: r for r in data["roles"]}
    assert (rows["body"]["face"], rows["body"]["source"]) == ("FangSong_GB2312", "office")
    assert (rows["title"]["face"], rows["title"]["source"]) == ("FZXiaoBiaoSong-B05S", "office")


def test_a_changed_font_folder_is_read_again(settings, tmp_path):
    settings.JIANBAO_FONT_DIR = str(tmp_path)
    assert fonts.faces()["body"].source == "fallback"
    shutil.copy(WENKAI_LIGHT, tmp_path / "plain.ttf")  # not an office name
    assert fonts.faces()["body"].source == "fallback"
    renamed(WENKAI_LIGHT, "仿宋", "FangSong", tmp_path / "fs.ttf")
    assert fonts.faces()["body"].family == "仿宋"
