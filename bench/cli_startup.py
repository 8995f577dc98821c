"""Start-up of ``scenario --help`` against ``python -c "import click"``, in one run.

Both are fresh interpreters of this venv, run alternately (after one warm-up
each) so disk cache and machine load hit them alike; the ratio of the medians
is what to read. Target: at most 1.5 -- ``--help`` must import neither the
runtime, nor loguru, nor any plugin.

    python bench/cli_startup.py [--runs 15] [--script]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.5


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", "-n", type=int, default=15, help="runs of each (default 15)")
    parser.add_argument(
        "--script",
        action="store_true",
        help="time the installed `scenario` console script instead of `python -m`",
    )
    args = parser.parse_args()

    if args.script:
        help_command = [str(Path(sys.executable).with_name("scenario")), "--help"]
    else:
        help_command = [sys.executable, "-m", "scenario_engine.cli", "--help"]
    click_command = [sys.executable, "-c", "import click"]

    for command in (help_command, click_command):  # warm up: fill the disk cache
        _seconds(command)
    help_times, click_times = [], []
    for _ in range(args.runs):
        help_times.append(_seconds(help_command))
        click_times.append(_seconds(click_command))

    help_median = statistics.median(help_times)
    click_median = statistics.median(click_times)
    ratio = help_median / click_median
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"runs:                      {args.runs} each, alternating")
    print(f"scenario --help:           median {help_median * 1000:6.1f} ms")
    print(f'python -c "import click":  median {click_median * 1000:6.1f} ms')
    print(f"ratio:                     {ratio:.2f}  ({verdict} target {TARGET})")
    print(f"command timed:             {' '.join(help_command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
