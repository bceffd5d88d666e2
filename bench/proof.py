"""Proofing benchmark: the checker's time per issue, 1x and 10x, against parsing it.

Run from the repository root:  .venv/bin/python bench/proof.py [--runs 20]

The 1x issue is samples/2023-01.md; the 10x issue is the same with every
section's articles ten times over (250 articles), written out as text by the
Markdown renderer so that both are parsed from text. For each, in one process:
parse_bulletin_text on the issue's text, then checker.proof on the parsed
issue with a full context (the shipped dictionary, the sample's alliances as
a registry, its sections and lists as the series', a previous issue and a
签发 date), so every rule family does its whole work. Times are warm (after one
run of each) medians of --runs runs (a fifth of them, at least 3, at 10x); the
ratio is proof time / parse time from the same run. No database is used.

Floor (issue 14): the whole sample proofed in under 50 ms. Exit status 1 when
it is missed. The machine should be otherwise idle; `uptime` shows whether it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "2023-01.md"
FLOOR_MS = 50.0


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianbao.settings")
    import django

    django.setup()


def issue_text(scale: int) -> str:
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from jianbao.publishing.render.markdown import render_markdown

    text = SAMPLE.read_text(encoding="utf-8")
    if scale == 1:
        return text
    parsed = parse_bulletin_text(text, source=SAMPLE.name)
    sections = tuple(dataclasses.replace(s, articles=s.articles * scale) for s in parsed.sections)
    return render_markdown(dataclasses.replace(parsed, sections=sections))


def context(bulletin):
    import datetime as dt

    from jianbao.network.names import alliance_stem
    from jianbao.proofing import dictionary
    from jianbao.proofing.context import Alliance, Numbering, ProofContext

    credited = dict.fromkeys(c for a in bulletin.articles for c in a.contributors)
    alliances = tuple(
        Alliance(name, (alliance_stem(name) + "联盟",)) for name in credited if alliance_stem(name)
    )
    return ProofContext(
        as_of=bulletin.date,
        dictionary=dictionary.shipped(),
        alliances=alliances,
        series_sections=tuple(s.title for s in bulletin.sections),
        distribution=dict(bulletin.distribution),
        previous=Numbering(bulletin.year - 1, 12, bulletin.running_number - 1),
        signed_on=bulletin.date - dt.timedelta(days=1) if bulletin.date else None,
    )


def timed(fn, runs: int) -> float:
    fn()  # warm-up: compiled patterns and caches, as in service
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup()
    from jianbao.proofing.checker import proof
    from jianbao.publishing.ingest.text import parse_bulletin_text

    rows = []
    for scale in (1, 10):
        text = issue_text(scale)
        runs = args.runs if scale == 1 else max(3, args.runs // 5)
        bulletin = parse_bulletin_text(text, source=f"{scale}x")
        ctx = context(bulletin)
        parse_s = timed(lambda text=text: parse_bulletin_text(text, source="bench"), runs)
        proof_s = timed(lambda b=bulletin, c=ctx: proof(b, c), runs)
        findings = len(proof(bulletin, ctx))
        rows.append((scale, len(bulletin.articles), findings, parse_s, proof_s))

    print("| issue | articles | findings | parse ms | proof ms | proof / parse |")
    print("|---|---|---|---|---|---|")
    for scale, articles, findings, parse_s, proof_s in rows:
        print(
            f"| {scale}x | {articles} | {findings} | {parse_s * 1000:.1f} | "
            f"{proof_s * 1000:.1f} | {proof_s / parse_s:.2f}× |"
        )
    one = rows[0][4] * 1000
    ten = rows[1][4] / rows[0][4]
    print(f"\n10x proof / 1x proof: {ten:.1f}×")
    ok = one < FLOOR_MS
    print(f"{'OK  ' if ok else 'MISS'} proof of the sample under {FLOOR_MS:.0f} ms: {one:.1f} ms")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
