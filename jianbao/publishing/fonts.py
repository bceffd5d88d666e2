"""The fonts the PDF renderer needs, and where the system keeps them.

Typst silently draws boxes for characters no font covers, so we look the
fonts up ourselves before compiling and stop with the Debian package to install.

Each role of GB/T 9704 (titles 小标宋, body 仿宋, 楷体, 黑体) is set in the
office's own face when its file is in JIANBAO_FONT_DIR, and in a free Debian
face otherwise; the free faces stay behind them for the characters an office
face lacks (仿宋_GB2312 covers GB 2312 only).
"""

from __future__ import annotations

import bisect
import functools
import os
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
# LXGW WenKai over AR PL UKai: mainland punctuation (UKai centres its ，。) and
# an even, modern hand.
KAI = FontSpec(
    "LXGW WenKai",
    "fonts-lxgw-wenkai",
    ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",),
)
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


# The office's faces, by role.

FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
OFFICE = "office"
FALLBACK = "fallback"
SOURCE_LABELS = {OFFICE: "单位字体", FALLBACK: "免费替代"}


@dataclass(frozen=True)
class Role:
    key: str
    label: str  # what it sets, in Chinese
    customary: str  # the face GB/T 9704 and FORMAT.md ask for
    # Family names an office's file may carry (typst reads the English name
    # first), most wanted first; compared without case, spaces, _ or -.
    families: tuple[str, ...]
    fallback: FontSpec
    fallback_weight: int


ROLES = (
    Role(
        "title",
        "报头和标题",
        "方正小标宋简体",
        (
            "方正小标宋简体",
            "FZXiaoBiaoSong-B05S",
            "方正小标宋_GBK",
            "FZXiaoBiaoSong-B05",
            "方正小标宋",
        ),
        SERIF,
        700,
    ),
    Role(
        "body",
        "正文和版记",
        "仿宋_GB2312",
        (
            "仿宋_GB2312",
            "FangSong_GB2312",
            "方正仿宋简体",
            "FZFangSong-Z02S",
            "方正仿宋_GBK",
            "FZFangSong-Z02",
            "仿宋",
            "FangSong",
            "SimFang",
        ),
        SERIF,
        400,
    ),
    Role(
        "kai",
        "署名、编者按和二级标题",
        "楷体_GB2312",
        (
            "楷体_GB2312",
            "KaiTi_GB2312",
            "方正楷体简体",
            "FZKai-Z03S",
            "方正楷体_GBK",
            "FZKai-Z03",
            "楷体",
            "KaiTi",
            "SimKai",
        ),
        KAI,
        400,
    ),
    Role(
        "hei",
        "栏目名和一级标题",
        "黑体",
        ("黑体", "SimHei", "方正黑体简体", "FZHei-B01S", "方正黑体_GBK", "FZHei-B01"),
        SANS,
        700,
    ),
)


@dataclass(frozen=True)
class Face:
    role: Role
    family: str  # as typst names it
    weight: int
    file: str
    source: str  # OFFICE or FALLBACK

    @property
    def office(self) -> bool:
        return self.source == OFFICE

    @property
    def name(self) -> str:
        """The family, with the cut where a free collection is asked for its bold."""
        bold = " Bold" if not self.office and self.weight >= 600 else ""
        return f"{self.family}{bold}"


def _key(family: str) -> str:
    return "".join(c for c in family.casefold() if c not in " _-")


def font_dir_setting() -> str:
    """JIANBAO_FONT_DIR, from Django's settings when they are in use, from the
    environment otherwise (the bench renders without Django)."""
    from django.conf import settings

    if settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE"):
        return str(getattr(settings, "JIANBAO_FONT_DIR", "") or "")
    return os.environ.get("JIANBAO_FONT_DIR", "")


def office_font_dir() -> Path | None:
    """JIANBAO_FONT_DIR when it names a folder."""
    value = font_dir_setting()
    path = Path(value) if value else None
    return path if path and path.is_dir() else None


def _font_files_in(folder: Path) -> tuple[tuple[str, int, int], ...]:
    found = []
    for f in folder.rglob("*"):
        if f.suffix.lower() in FONT_SUFFIXES and f.is_file():
            st = f.stat()
            found.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


@functools.cache
def _office_faces(folder: str, files: tuple) -> dict[str, Face]:
    """role key → the office's face, from the font files of ``folder``; ``files``
    (names, sizes, times) makes a changed folder a new cache entry."""
    import typst

    if not files:
        return {}
    infos = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[folder]
    ).fonts()
    by_key: dict[str, list] = {}
    for info in infos:
        if info.style == "normal":
            by_key.setdefault(_key(info.family), []).append(info)
    faces = {}
    for role in ROLES:
        for wanted in role.families:
            candidates = by_key.get(_key(wanted))
            if candidates:
                # The regular cut where there are several.
                info = min(candidates, key=lambda i: abs(i.weight - 400))
                faces[role.key] = Face(role, info.family, info.weight, info.path or "", OFFICE)
                break
    return faces


def _fallback_face(role: Role) -> Face:
    files = font_files(role.fallback)
    bold = [f for f in files if "bold" in f.name.lower()]
    regular = [f for f in files if "bold" not in f.name.lower()]
    chosen = (bold if role.fallback_weight >= 600 else regular) or list(files)
    file = str(chosen[0]) if chosen else ""
    return Face(role, role.fallback.family, role.fallback_weight, file, FALLBACK)


def faces() -> dict[str, Face]:
    """role key → the face that sets it: the office's where JIANBAO_FONT_DIR has
    it, the free fallback otherwise."""
    folder = office_font_dir()
    office = _office_faces(str(folder), _font_files_in(folder)) if folder else {}
    return {role.key: office.get(role.key) or _fallback_face(role) for role in ROLES}


def typst_font_paths() -> tuple[str, ...]:
    """The folders typst is given: the office's first, then the free faces'."""
    folder = office_font_dir()
    return ((str(folder),) if folder else ()) + font_dirs()
