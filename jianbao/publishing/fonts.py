"""The fonts the PDF renderer needs, and where the system keeps them.

Typst silently draws boxes for characters no font covers, so we look the
fonts up ourselves before compiling and stop with the Debian package to install.
"""

from __future__ import annotations

import bisect
import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jianbao.core.errors import JianbaoError


@dataclass(frozen=True)
class FontSpec:
    family: str  # as typst and fontconfig name it
    package: str  # the Debian package that ships it
    paths: tuple[str, ...]  # where Debian puts it; fc-list is asked otherwise


SERIF = FontSpec(
    "Noto Serif CJK SC",
    "fonts-noto-cjk",
    (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    ),
)
SANS = FontSpec(
    "Noto Sans CJK SC",
    "fonts-noto-cjk",
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
)
KAI = FontSpec("AR PL UKai", "fonts-arphic-ukai", ("/usr/share/fonts/truetype/arphic/ukai.ttc",))
# CJK Extension B and beyond (𠀀 U+20000): Noto CJK stops at the BMP.
EXT_B = FontSpec("HanaMinB", "fonts-hanazono", ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",))
EXT_A = FontSpec("HanaMinA", "fonts-hanazono", ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",))
# Symbols such as the section mark ➤ that Noto CJK lacks.
SYMBOLS = FontSpec(
    "DejaVu Sans", "fonts-dejavu-core", ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
)

REQUIRED = (SERIF, SANS, KAI)
SUPPLEMENTARY = (EXT_A, EXT_B, SYMBOLS)


class MissingFont(JianbaoError):
    def __init__(self, spec: FontSpec, reason: str = ""):
        self.spec = spec
        why = f"（{reason}）" if reason else ""
        super().__init__(
            f"缺少字体 {spec.family}{why}，无法生成 PDF：请安装 Debian 软件包 {spec.package}"
            f"（apt-get install {spec.package}）"
        )


class MissingGlyph(JianbaoError):
    def __init__(self, chars: str, package: str | None):
        listed = "、".join(f"“{c}”(U+{ord(c):04X})" for c in chars[:5])
        more = f"等{len(chars)}个字符" if len(chars) > 5 else ""
        hint = f"请安装 Debian 软件包 {package}" if package else "请换用常用字或改写该处文字"
        super().__init__(f"已安装的字体都没有字符 {listed}{more}，无法生成 PDF：{hint}")


@functools.cache
def _fc_list() -> dict[str, tuple[str, ...]]:
    """family → font files, from fontconfig; empty when fontconfig is absent."""
    if not shutil.which("fc-list"):
        return {}
    out = subprocess.run(
        ["fc-list", "--format", "%{family}\t%{file}\n"], capture_output=True, text=True, check=False
    ).stdout
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        families, _, file = line.partition("\t")
        for family in families.split(","):
            found.setdefault(family.strip(), []).append(file)
    return {k: tuple(sorted(set(v))) for k, v in found.items()}


def font_files(spec: FontSpec) -> tuple[Path, ...]:
    present = tuple(Path(p) for p in spec.paths if Path(p).is_file())
    if present:
        return present
    # "AR PL UKai" is "AR PL UKai CN" to fontconfig.
    for family, files in _fc_list().items():
        if family == spec.family or family.startswith(spec.family + " "):
            return tuple(Path(f) for f in files)
    return ()


@functools.cache
def font_dirs() -> tuple[str, ...]:
    """Directories to hand to typst; raises MissingFont for a required family."""
    dirs: list[str] = []
    for spec in REQUIRED:
        files = font_files(spec)
        if not files:
            raise MissingFont(spec)
        dirs += [str(f.parent) for f in files]
    for spec in SUPPLEMENTARY:
        dirs += [str(f.parent) for f in font_files(spec)]
    return tuple(dict.fromkeys(dirs))


def _surely_covered(cp: int) -> bool:
    # Ranges Noto CJK SC covers completely, so that ordinary text needs no lookup.
    return (
        0x20 <= cp <= 0x7E
        or 0xA0 <= cp <= 0xFF
        or 0x2010 <= cp <= 0x2027
        or 0x3000 <= cp <= 0x303F
        or 0x4E00 <= cp <= 0x9FEF
        or 0xFF01 <= cp <= 0xFF5E
        or cp in (0x0A, 0x0D, 0x09)
    )


@functools.cache
def _coverage() -> tuple[list[int], list[int]]:
    """Code-point ranges (starts, ends) of every font in the directories typst is given."""
    ranges: list[tuple[int, int]] = []
    if shutil.which("fc-query"):
        files = [
            str(f)
            for d in font_dirs()
            for f in sorted(Path(d).iterdir())
            if f.suffix.lower() in (".ttf", ".ttc", ".otf", ".otc")
        ]
        out = subprocess.run(
            # Face 0 only: the faces of a CJK collection share their glyphs.
            ["fc-query", "--index", "0", "--format", "%{charset}\n", *files],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        for token in out.split():
            lo, _, hi = token.partition("-")
            ranges.append((int(lo, 16), int(hi or lo, 16)))
    ranges.sort()
    merged: list[list[int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [r[0] for r in merged], [r[1] for r in merged]


def _covered_by_installed(cp: int) -> bool:
    starts, ends = _coverage()
    i = bisect.bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ends[i]


def check_coverage(text: str) -> None:
    """Raise MissingGlyph for characters none of the fonts we hand to typst has."""
    unusual = {c for c in set(text) if not _surely_covered(ord(c))}
    missing = "".join(sorted(c for c in unusual if not _covered_by_installed(ord(c))))
    if missing:
        supplementary = any(ord(c) >= 0x20000 for c in missing)
        hanazono = not font_files(EXT_B)
        raise MissingGlyph(missing, EXT_B.package if supplementary and hanazono else None)
