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
FORMATS = ("pdf", "docx", "html", "wechat", "md")
FLOORS = {("pdf", "warm"): 0.1, ("pdf", "cold"): 1.0, ("docx", "warm"): 0.05}
MAX_RATIO = 8.0


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
    """The bulletin with every paragraph changed, as a new issue would be."""

    def article(a):
        blocks = tuple(dataclasses.replace(x, text=f"{i}{x.text}") for x in a.blocks)
        return dataclasses.replace(a, blocks=blocks)

    return dataclasses.replace(
        b,
        sections=tuple(
            dataclasses.replace(s, articles=tuple(article(a) for a in s.articles))
            for s in b.sections
        ),
    )


def prepare(directory: str) -> None:
    setup()
    for scale in (1, 10):
        Path(directory, f"{scale}.pickle").write_bytes(pickle.dumps(bulletin(scale)))


def child(mode: str, fmt: str, pickled: str, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    if fmt == "html":
        setup()
    from jianbao.publishing.render import render

    b = pickle.loads(Path(pickled).read_bytes())
    if mode == "cold":
        data = render(b, fmt)
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"bytes": len(data), "peak_mb": peak_kb / 1024}))
        return
    render(varied(b, -1), fmt)  # imports, fonts, template
    times = []
    for i in range(runs):
        v = varied(b, i)
        start = time.perf_counter()
        render(v, fmt)
        times.append(time.perf_counter() - start)
    print(json.dumps({"median": statistics.median(times)}))


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


def warm(fmt: str, pickled: Path, runs: int) -> float:
    # A process of its own, so that one measurement's Typst cache cannot help or
    # slow the next.
    return run_child("warm", fmt, pickled, runs)["median"]


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
    rows, checks = [], []
    with tempfile.TemporaryDirectory() as tmp:
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
