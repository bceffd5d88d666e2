"""Back-catalogue import benchmark: a folder of past issues, and OCR of a scan.

Run from the repository root:  .venv/bin/python bench/import.py [--issues 66] [--jobs 2]

1. Text-layer PDFs. The sample (samples/2023-01.md) is numbered as 总第1…N期
   and each issue is rendered to PDF by jianbao's own typesetter (kept in
   var/bench-import/ and reused while the sample and the count are the same).
   The baseline is reading one of them (``read_bulletin_file``, warm median of 3,
   in this process). Then ``jianbao import FOLDER --jobs J`` runs as a command on
   a fresh SQLite database (migrated before the clock starts): its wall time,
   seconds per issue, and their ratio to reading one.
2. OCR. The sample's PDF is scanned as the tests do (tests/scans.py: 150 dpi,
   each page turned by up to 1.5°, speckled) and read with JIANBAO_OCR_JOBS=J:
   seconds per page, and the ratio to reading the same pages' text layer.

Peak memory is the largest resident set of any one process (the command and its
workers, or the OCR run with its tesseract children), from getrusage.

Floors (issue 15): the folder imports in at most 30 s; OCR takes at most 10 s per
page with --jobs 2. Exit status 1 when one is missed. The machine should be
otherwise idle; `uptime` shows whether it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "2023-01.md"
CACHE = ROOT / "var" / "bench-import"
FOLDER_FLOOR_S = 30.0
OCR_FLOOR_S = 10.0


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianbao.settings")
    import django

    django.setup()


def numbered(parsed, running: int):
    """The sample as issue 总第``running``期: a year of 12 issues from 2018 on."""
    year, number = 2018 + (running - 1) // 12, (running - 1) % 12 + 1
    return dataclasses.replace(parsed, year=year, number=number, running_number=running)


def text_pdfs(count: int) -> Path:
    """A folder of ``count`` PDFs, made once for this sample and count."""
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from jianbao.publishing.render.pdf import render_pdf

    text = SAMPLE.read_text(encoding="utf-8")
    key = hashlib.sha256(f"{count}\n{text}".encode()).hexdigest()[:12]
    folder = CACHE / f"pdf-{key}"
    if len(list(folder.glob("*.pdf"))) == count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    parsed = parse_bulletin_text(text, source=SAMPLE.name)
    started = time.perf_counter()
    for running in range(1, count + 1):
        path = folder / f"第{running}期.pdf"
        path.write_bytes(render_pdf(numbered(parsed, running)))
    print(f"made {count} PDFs in {time.perf_counter() - started:.0f} s (kept in {folder})")
    return folder


def median_seconds(fn, runs: int = 3) -> float:
    fn()  # warm: fonts, jieba, pdfminer
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_jianbao(args: list[str], env: dict) -> tuple[float, int]:
    """Wall seconds of ``jianbao ARGS`` and the peak RSS (KiB) of it or its workers."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "jianbao"), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"jianbao {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before)


def folder_figures(count: int, jobs: int) -> bool:
    from jianbao.publishing.ingest import read_bulletin_file

    folder = text_pdfs(count)
    one = next(iter(sorted(folder.glob("*.pdf"))))
    parse = median_seconds(lambda: read_bulletin_file(one))
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "JIANBAO_VAR_DIR": var}
        env.pop("DATABASE_URL", None)
        run_jianbao(["migrate", "-v0"], env)
        wall, peak = run_jianbao(["import", "-q", "--jobs", str(jobs), str(folder)], env)
    per_issue = wall / count
    ok = wall <= FOLDER_FLOOR_S
    print(f"\ntext-layer PDFs: {count} issues, --jobs {jobs}")
    print(f"  read one (baseline)     {parse * 1000:8.0f} ms")
    print(
        f"  import the folder       {wall:8.1f} s   (floor {FOLDER_FLOOR_S:.0f} s: "
        f"{'met' if ok else 'MISSED'})"
    )
    print(
        f"  per issue               {per_issue * 1000:8.0f} ms"
        f"  = {per_issue / parse:.2f}x reading one"
    )
    print(f"  peak memory (one process) {peak / 1024:6.0f} MiB")
    return ok


def ocr_figures(jobs: int) -> bool:
    from django.test import override_settings

    from jianbao.publishing.ingest import parse_bulletin_bytes
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from jianbao.publishing.render.pdf import render_pdf
    from tests.scans import image_pdf, scan_pages

    pdf = render_pdf(parse_bulletin_text(SAMPLE.read_text(encoding="utf-8"), source=SAMPLE.name))
    scan = image_pdf(scan_pages(pdf))
    text_layer = median_seconds(lambda: parse_bulletin_bytes(pdf, "sample.pdf"), runs=1)
    with override_settings(JIANBAO_OCR_JOBS=jobs):
        started = time.perf_counter()
        read = parse_bulletin_bytes(scan, "scan.pdf")
        seconds = time.perf_counter() - started
    pages = len(read.ocr_pages)
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    per_page = seconds / pages
    ok = per_page <= OCR_FLOOR_S
    mean = statistics.fmean(p.confidence for p in read.ocr_pages)
    print(f"\nOCR: the sample scanned at 150 dpi, {pages} pages, JIANBAO_OCR_JOBS={jobs}")
    print(f"  text layer (baseline)   {text_layer:8.2f} s for the same pages")
    print(
        f"  OCR, whole scan         {seconds:8.1f} s   = {seconds / text_layer:.0f}x the text layer"
    )
    print(
        f"  per page                {per_page:8.2f} s   (floor {OCR_FLOOR_S:.0f} s: "
        f"{'met' if ok else 'MISSED'})"
    )
    print(f"  mean page confidence    {mean:8.1f}; {len(read.articles)} articles found")
    print(f"  peak memory (one process) {peak / 1024:6.0f} MiB")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=66)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-ocr", action="store_true")
    args = parser.parse_args()
    setup()
    print(f"load: {os.getloadavg()[0]:.2f}, cores: {os.cpu_count()}")
    ok = folder_figures(args.issues, args.jobs)
    if not args.no_ocr:
        ok = ocr_figures(args.jobs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
