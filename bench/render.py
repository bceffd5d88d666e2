"""Render benchmark: cold and warm time and peak memory per format, 1x and 10x.

Run from the repository root:  .venv/bin/python bench/render.py [--quick]

The bulletin comes straight from samples/2023-01.md, so no database is needed.
Cold = a new process that loads the parsed bulletin (pickled beforehand),
imports the renderer and renders once: wall time seen by the parent, median of
5 (3 at 10x). Django is set up only for html, which needs its templates.
Warm = median of 10 (5 at 10x) renders in one fresh process after one
warm-up render, every paragraph changed each time, because Typst reuses work on
identical input. Peak memory = ru_maxrss of the cold child. Every measurement
runs in a child: Linux carries a parent's high-water mark across fork and exec,
and Typst's cache from one measurement would help or slow the next. The machine
should be otherwise idle; `uptime` shows whether it was.

The rich issue is bench/rich_issue.py's: the sample with 10 photos (2000×1500
JPEGs that compress like camera photos) and 3 tables, one after the first
paragraph of each of the first 13 body articles, read by the importer. Its
pictures are stored through publishing.pictures, as an import stores them, in a
throwaway data directory (JIANBAO_VAR_DIR, with its own
SQLite database), so the bench never touches the project's data. Its PDF warm
time is read against the text-only sample's from the same run (issue #11: at
most 2×), in pairs of children run one after the other, median of the pairs;
the CPU time ratio is shown beside it, as load on a shared machine moves wall
time more than pictures do. Print versions are made by the warm-up render and
reused after, as they are in service; captions and table cells change each run.

pdfa is the archive copy (PDF/A-2b); every format is also shown as a ratio to
the plain PDF of the same run. Titles change in every warm run too, so that
their word breaks (jieba and the balanced lines, issue #17: at most +20%) are
worked out afresh: priced against the plain PDF without them, in pairs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "2023-01.md"
FORMATS = ("pdf", "pdfa", "ofd", "docx", "html", "wechat", "md")
# Not a format: the plain PDF with titles left to Typst's own breaking, to price
# the title word breaks (jieba and the balancing) against the default.
NO_TITLE_WORDS = "pdf-no-title-words"
FLOORS = {("pdf", "warm"): 0.1, ("pdf", "cold"): 1.0, ("docx", "warm"): 0.05}
MAX_RATIO = 8.0
RICH_MAX_RATIO = 2.0  # rich PDF warm ≤ 2× the text-only sample (issue #11)
TITLE_WORDS_MAX = 1.2  # title word breaks add at most 20% to a warm PDF (issue #17)


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianbao.settings")
    import django

    django.setup()


def bulletin(scale: int):
    from jianbao.publishing.ingest.text import parse_bulletin_text

    parsed = parse_bulletin_text(SAMPLE.read_text(encoding="utf-8"), source=SAMPLE.name)
    if scale == 1:
        return parsed
    sections = tuple(dataclasses.replace(s, articles=s.articles * scale) for s in parsed.sections)
    return dataclasses.replace(parsed, sections=sections)


def varied(b, i: int):
    """The bulletin with every paragraph, caption and table cell changed, as a new
    issue would be."""
    from jianbao.publishing.parsed import IMAGE, TABLE

    p = str(i)

    def shift(marks):
        return tuple(
            dataclasses.replace(m, start=m.start + len(p), end=m.end + len(p)) for m in marks
        )

    def block(x):
        if x.kind == IMAGE:
            return dataclasses.replace(x, caption=f"{p}{x.caption}")
        if x.kind == TABLE:
            rows = tuple(
                tuple(dataclasses.replace(c, text=f"{p}{c.text}", marks=shift(c.marks)) for c in r)
                for r in x.rows
            )
            return dataclasses.replace(x, rows=rows, caption=f"{p}{x.caption}")
        return dataclasses.replace(x, text=f"{p}{x.text}", marks=shift(x.marks))

    def article(a):
        # The title too: a new issue's titles are segmented afresh.
        return dataclasses.replace(
            a, title=f"{p}{a.title}", blocks=tuple(block(x) for x in a.blocks)
        )

    return dataclasses.replace(
        b,
        sections=tuple(
            dataclasses.replace(s, articles=tuple(article(a) for a in s.articles))
            for s in b.sections
        ),
    )


def rich_bulletin():
    """The rich issue of bench/rich_issue.py (the sample with 10 photos and 3 tables),
    read by the ordinary importer and its photos stored, as ``jianbao import`` does."""
    import rich_issue  # bench/, beside this script
    from django.core.management import call_command

    from jianbao.bulletins.services import keep_pictures
    from jianbao.publishing.ingest import read_bulletin_file

    call_command("migrate", verbosity=0)  # the throwaway database the pictures are noted in
    with tempfile.TemporaryDirectory() as folder:
        return keep_pictures(read_bulletin_file(rich_issue.write(Path(folder))))


def prepare(directory: str) -> None:
    setup()
    for scale in (1, 10):
        Path(directory, f"{scale}.pickle").write_bytes(pickle.dumps(bulletin(scale)))
    Path(directory, "rich.pickle").write_bytes(pickle.dumps(rich_bulletin()))


def has_pictures(b) -> bool:
    return any(x.kind == "image" for a in b.articles for x in a.blocks)


def child(mode: str, fmt: str, pickled: str, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    b = pickle.loads(Path(pickled).read_bytes())
    # Django only where the renderer needs it: html's templates, stored pictures.
    if fmt == "html" or has_pictures(b):
        setup()
    from jianbao.publishing.render import render

    if fmt == NO_TITLE_WORDS:
        from jianbao.publishing.render.pdf import PdfSettings

        def render(b, _fmt, _render=render):
            return _render(b, "pdf", pdf_settings=PdfSettings(title_word_breaks=False))

    if mode == "cold":
        data = render(b, fmt)
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"bytes": len(data), "peak_mb": peak_kb / 1024}))
        return
    render(varied(b, -1), fmt)  # imports, fonts, template
    times, cpu = [], []
    for i in range(runs):
        v = varied(b, i)
        start, start_cpu = time.perf_counter(), time.process_time()
        render(v, fmt)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(json.dumps({"median": statistics.median(times), "cpu": statistics.median(cpu)}))


def run_child(mode: str, fmt: str, pickled: Path, runs: int = 1) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, fmt, str(pickled), str(runs)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def cold(fmt: str, pickled: Path, runs: int) -> tuple[float, float, int]:
    times, peaks, size = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        result = run_child("cold", fmt, pickled)
        times.append(time.perf_counter() - start)
        peaks.append(result["peak_mb"])
        size = result["bytes"]
    return statistics.median(times), max(peaks), size


def warm(fmt: str, pickled: Path, runs: int, *, cpu: bool = False):
    # A process of its own, so that one measurement's Typst cache cannot help or
    # slow the next.
    result = run_child("warm", fmt, pickled, runs)
    return (result["median"], result["cpu"]) if cpu else result["median"]


def libreoffice(docx_bytes: bytes) -> float | None:
    if not shutil.which("soffice"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "issue.docx"
        src.write_bytes(docx_bytes)
        cmd = [
            "soffice",
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(src),
        ]
        subprocess.run(cmd, check=True, capture_output=True)  # first run makes the profile
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    if args.child:
        mode, fmt, pickled, runs = args.child
        child(mode, fmt, pickled, int(runs))
        return
    if args.prepare:
        prepare(args.prepare)
        return

    formats = [f for f in args.formats.split(",") if f]
    cold_runs, warm_runs = (2, 3) if args.quick else (5, 10)
    rows, checks, rich, words = [], [], None, None
    with tempfile.TemporaryDirectory() as tmp:
        # Every child stores and reads in the throwaway data directory.
        os.environ["JIANBAO_VAR_DIR"] = str(Path(tmp, "var"))
        os.environ["JIANBAO_PICTURE_CACHE_DIR"] = str(Path(tmp, "var", "cache", "pictures"))
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp, 'var', 'bench.sqlite3')}"
        os.environ["JIANBAO_STORAGE"] = "local"
        subprocess.run([sys.executable, __file__, "--prepare", tmp], check=True)
        one, ten = Path(tmp, "1.pickle"), Path(tmp, "10.pickle")
        for fmt in formats:
            c1, p1, s1 = cold(fmt, one, cold_runs)
            c10, p10, s10 = cold(fmt, ten, max(cold_runs - 2, 1))
            w1 = warm(fmt, one, warm_runs)
            w10 = warm(fmt, ten, max(warm_runs // 2, 1))
            rows.append((fmt, c1, w1, p1, s1, c10, w10, p10, s10, w10 / w1))
            for kind, value in (("cold", c1), ("warm", w1)):
                if (fmt, kind) in FLOORS:
                    floor = FLOORS[fmt, kind]
                    checks.append((f"{fmt} 1x {kind} ≤ {floor} s", value, value <= floor))
            if fmt in ("pdf", "docx"):
                ratio = w10 / w1
                checks.append((f"{fmt} 10x warm ≤ {MAX_RATIO:g}× 1x", ratio, ratio <= MAX_RATIO))
            if fmt == "pdf":
                rich_pickle = Path(tmp, "rich.pickle")
                rc, rp, rs = cold(fmt, rich_pickle, max(cold_runs - 2, 1))
                # Text-only and rich children in turn, the ratio taken pair by pair:
                # a shared machine's load moves between children far more than
                # pictures cost, and a pair sees about the same load.
                pairs = []
                for _ in range(2 if args.quick else 3):
                    text_only = warm(fmt, one, warm_runs, cpu=True)
                    pairs.append((text_only, warm(fmt, rich_pickle, warm_runs, cpu=True)))
                ratio = statistics.median(r[0] / t[0] for t, r in pairs)
                rich = (rc, rp, rs, pairs, ratio)
                label = f"pdf rich 1x warm ≤ {RICH_MAX_RATIO:g}× text-only 1x"
                checks.append((label, ratio, ratio <= RICH_MAX_RATIO))
                # Title word breaks: with and without, in pairs as above.
                pairs = []
                for _ in range(2 if args.quick else 3):
                    without = warm(NO_TITLE_WORDS, one, warm_runs, cpu=True)
                    pairs.append((without, warm(fmt, one, warm_runs, cpu=True)))
                ratio = statistics.median(w[0] / o[0] for o, w in pairs)
                words = (pairs, ratio)
                label = f"pdf 1x warm with title word breaks ≤ {TITLE_WORDS_MAX:g}× without"
                checks.append((label, ratio, ratio <= TITLE_WORDS_MAX))

    head = (
        "| format | cold 1x | warm 1x | peak 1x | size 1x | cold 10x | warm 10x | peak 10x "
        "| size 10x | warm 10x/1x |"
    )
    print(head)
    print("|" + "---|" * 10)
    for fmt, c1, w1, p1, s1, c10, w10, p10, s10, ratio in rows:
        print(
            f"| {fmt} | {c1:.3f} s | {w1:.4f} s | {p1:.0f} MB | {s1 / 1024:.0f} KB "
            f"| {c10:.3f} s | {w10:.4f} s | {p10:.0f} MB | {s10 / 1024:.0f} KB | {ratio:.1f}× |"
        )
    if rich:
        import rich_issue  # Pillow with it: only the rich rows need it

        rc, rp, rs, pairs, ratio = rich
        rw = statistics.median(r[0] for _, r in pairs)
        print(
            f"| pdf, rich ({rich_issue.PHOTOS} photos, {rich_issue.TABLES} tables) "
            f"| {rc:.3f} s | {rw:.4f} s "
            f"| {rp:.0f} MB | {rs / 1024:.0f} KB | | | | | |"
        )
        print("\nRich PDF warm / text-only PDF warm, same run, pair by pair (rich / text-only):")
        for t, r in pairs:
            print(
                f"  wall {r[0]:.4f} / {t[0]:.4f} s = {r[0] / t[0]:.2f}×, "
                f"CPU {r[1]:.4f} / {t[1]:.4f} s = {r[1] / t[1]:.2f}×"
            )
        cpu_ratio = statistics.median(r[1] / t[1] for t, r in pairs)
        print(f"  median: wall {ratio:.2f}×, CPU {cpu_ratio:.2f}×")
    by_fmt = {r[0]: r for r in rows}
    if "pdf" in by_fmt and len(by_fmt) > 1:
        # Every format against the plain PDF of this same run (cold 1x, warm 1x).
        pdf_row = by_fmt["pdf"]
        print("\nAgainst the plain PDF, same run (cold 1x, warm 1x):")
        for fmt, c1, w1, *_ in rows:
            if fmt != "pdf":
                print(f"  {fmt}: cold {c1 / pdf_row[1]:.2f}×, warm {w1 / pdf_row[2]:.2f}×")
    if words:
        pairs, ratio = words
        print("\nTitle word breaks (jieba + balanced lines), warm 1x, with / without:")
        for o, w in pairs:
            print(
                f"  wall {w[0]:.4f} / {o[0]:.4f} s = {w[0] / o[0]:.2f}×, "
                f"CPU {w[1]:.4f} / {o[1]:.4f} s = {w[1] / o[1]:.2f}×"
            )
        cpu_ratio = statistics.median(w[1] / o[1] for o, w in pairs)
        print(f"  median: wall {ratio:.2f}×, CPU {cpu_ratio:.2f}×")
    print()
    for label, value, ok in checks:
        print(f"{'OK  ' if ok else 'MISS'} {label}: {value:.3f}")

    if "docx" in formats:
        setup()
        from jianbao.publishing.render import render

        lo = libreoffice(render(bulletin(1), "docx"))
        if lo is None:
            print("LibreOffice (soffice) not installed: DOCX→PDF conversion not timed")
        else:
            pdf_cold = next(r[1] for r in rows if r[0] == "pdf") if "pdf" in formats else None
            ratio = f" ({lo / pdf_cold:.1f}× our cold PDF)" if pdf_cold else ""
            print(f"LibreOffice DOCX→PDF, 1x: {lo:.2f} s{ratio}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")


if __name__ == "__main__":
    main()
