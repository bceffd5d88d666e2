"""Rich material as the office receives it: photos, and a bulletin in Word with
two captioned photos, a 4×3 table and a bold run. Built here, in the test run,
with Pillow and python-docx: nothing binary is checked in."""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.shared import Cm
from PIL import Image, ImageDraw

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "2023-01.md"

# The article the rich parts go into, and what they are.
RICH_ARTICLE = "粉末冶金联盟发布7项团体标准"
BOLD_TEXT = "联盟将继续加强标准体系建设"
CAPTIONS = ("图为会议现场", "图2 与会代表合影")
TABLE = (
    ("序号", "标准名称", "状态"),
    ("1", "钼铌合金棒材", "发布"),
    ("2", "铁基粉末冶金零件用渗铜粉", "发布"),
    ("3", "粉末冶金用还原铁粉", "征求意见"),
)


def photo(width: int = 1600, height: int = 1200, *, seed: int = 0, fmt: str = "JPEG") -> bytes:
    """A photo-like picture: a gradient under noise, different for every seed."""
    noise = Image.effect_noise((width, height), 40 + seed % 20).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture = Image.blend(noise, gradient, 0.5)
    ImageDraw.Draw(picture).rectangle(
        (seed * 37 % width, seed * 53 % height, width // 3, height // 3), fill=(200, 30, 30)
    )
    out = io.BytesIO()
    picture.save(out, fmt, quality=88) if fmt == "JPEG" else picture.save(out, fmt)
    return out.getvalue()


def _add_markdown_line(document, line: str) -> None:
    line = re.sub(r"</?sub>", "", line).strip()
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    if not line or line == "---":
        return
    if m := re.match(r"^(#{1,4})\s+(.*)$", line):
        document.add_heading(m.group(2).replace("**", ""), level=len(m.group(1)))
    elif line.startswith("- "):
        document.add_paragraph(line[2:], style="List Bullet")
    else:
        document.add_paragraph(line.replace("**", ""))


def add_rich_parts(document) -> None:
    """A bold run, two captioned photos and a 4×3 table, as a secretariat sends them."""
    paragraph = document.add_paragraph("会上，")
    paragraph.add_run(BOLD_TEXT).bold = True
    paragraph.add_run("，推动行业高质量发展。")
    for seed, caption in enumerate(CAPTIONS):
        document.add_picture(io.BytesIO(photo(seed=seed + 1)), width=Cm(12))
        document.add_paragraph(caption)
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    table.style = "Table Grid"
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("下一步，联盟将组织标准宣贯。")


def rich_bulletin_docx() -> bytes:
    """The sample issue as a Word file, with the rich parts in RICH_ARTICLE."""
    document = Document()
    in_article = False
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        # The rich parts go at the end of the article's body, before its credit line.
        if in_article and line.startswith(("（", "(")):
            add_rich_parts(document)
            in_article = False
        _add_markdown_line(document, line)
        if line.startswith("#") and line.lstrip("#").strip() == RICH_ARTICLE:
            in_article = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rich_submission_docx() -> bytes:
    """A secretariat's news item: a title, a paragraph and the rich parts."""
    document = Document()
    document.add_paragraph("粉末冶金联盟召开标准工作会议")
    document.add_paragraph("粉末冶金产业技术创新战略联盟在北京召开标准工作会议。")
    add_rich_parts(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
