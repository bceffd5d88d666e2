"""A rich issue for the benchmarks: the sample plus 10 photos and 3 tables.

    .venv/bin/python bench/rich_issue.py DIR     writes DIR/2023-02.md and DIR/pictures/

The folder is what ``jianbao export --format md -o DIR`` writes, so
``jianbao import DIR/2023-02.md`` stores it through the ordinary import. It is
2023年第2期（总第67期）, so it sits beside the text-only sample (第1期) in one
archive and every figure can be read against that baseline in the same run.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "2023-01.md"
PHOTOS = 10
TABLES = 3


def photo(seed: int, width: int = 2000, height: int = 1500) -> bytes:
    """A camera-sized JPEG that compresses like a photo (noise over a gradient)."""
    noise = Image.effect_noise((width, height), 30 + seed).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture = Image.blend(noise, gradient, 0.6)
    x, y = seed * 97 % (width // 2), seed * 61 % (height // 2)
    ImageDraw.Draw(picture).ellipse((x, y, x + width // 3, y + height // 3), fill=(30, 90, 160))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def table(n: int) -> str:
    rows = ["| 序号 | 项目名称 | 牵头单位 | 经费（万元） |", "|---|---|---|---|"]
    rows += [
        f"| {i} | 第{n}批重点研发项目{i} | 联盟成员单位{i} | {120 * i + n} |" for i in range(1, 9)
    ]
    return f"表{n} 项目清单\n" + "\n".join(rows)


def rich_markdown(pictures: list[str]) -> str:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    in_body = False
    pending = False  # an article title was seen; insert after its first paragraph
    photos, tables = iter(pictures), iter(range(1, TABLES + 1))
    for line in lines:
        if line.startswith("2023年第1期（总第66期）"):
            line = "2023年第2期（总第67期）"
        out.append(line)
        if line.startswith("## ➤"):
            in_body = True
        elif in_body and line.startswith("#"):
            pending = True
        elif pending and line.strip() and not line.startswith("#"):
            pending = False
            name = next(photos, None)
            if name is not None:
                out += ["", f"![图为{line[:8]}活动现场](pictures/{name})"]
            elif (n := next(tables, None)) is not None:
                out += ["", table(n)]
    return "\n".join(out) + "\n"


def write(folder: Path) -> Path:
    (folder / "pictures").mkdir(parents=True, exist_ok=True)
    names = []
    for seed in range(PHOTOS):
        name = f"photo-{seed + 1}.jpg"
        (folder / "pictures" / name).write_bytes(photo(seed))
        names.append(name)
    path = folder / "2023-02.md"
    path.write_text(rich_markdown(names), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))
