"""Command-line benchmark: how long `jianbao issues --format json` takes, cold.

Run from the repository root:  .venv/bin/python bench/cli.py [--runs 7]

A throwaway data directory (JIANBAO_VAR_DIR, its own SQLite database) is
migrated and given the sample issue (samples/2023-01.md). Then each of three
commands runs --runs times in a new process, interleaved so that load on the
machine falls on all three alike, and the median wall time is kept (after a
first run that writes the bytecode, as an installed jianbao has it):

  python -c pass          the interpreter alone
  django.setup()          Django and every installed app, nothing more
  jianbao issues --format json

Every figure is also shown as a ratio to the first two. Floor (issue #18):
`jianbao issues --format json` in at most 0.5 s; exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "2023-01.md"
PYTHON = sys.executable
JIANBAO = str(Path(PYTHON).with_name("jianbao"))
FLOOR = 0.5

SETUP = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jianbao.settings'); "
    "django.setup()"
)
COMMANDS = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "django.setup()": [PYTHON, "-c", SETUP],
    "jianbao issues --format json": [JIANBAO, "issues", "--format", "json"],
}


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, timeout=60)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jianbao-bench-cli-") as var:
        # Bytecode is written (and then read), as an installed jianbao has it.
        drop = ("DATABASE_URL", "PYTHONDONTWRITEBYTECODE")
        env = {k: v for k, v in os.environ.items() if k not in drop} | {"JIANBAO_VAR_DIR": var}
        for step in (["migrate", "--noinput", "-v", "0"], ["import", str(SAMPLE)]):
            subprocess.run([JIANBAO, *step], env=env, cwd=ROOT, check=True, capture_output=True)
        listed = subprocess.run(
            COMMANDS["jianbao issues --format json"], env=env, capture_output=True, check=True
        )
        assert len(json.loads(listed.stdout)) == 1, "the sample issue is listed"
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(args.runs):
            for name, argv in COMMANDS.items():
                times[name].append(timed(argv, env))
    median = {name: statistics.median(values) for name, values in times.items()}
    bare, setup = median["python -c pass"], median["django.setup()"]
    print(f"cold wall time, median of {args.runs}:")
    for name, value in median.items():
        print(
            f"  {name:30} {value:6.3f} s  {value / bare:6.1f}× python  {value / setup:5.2f}× setup"
        )
    issues = median["jianbao issues --format json"]
    ok = issues <= FLOOR
    print(f"\n{'OK  ' if ok else 'MISS'} jianbao issues --format json ≤ {FLOOR} s: {issues:.3f}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
