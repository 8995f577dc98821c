"""Explore and shrink on the planted settlement bug: seeds/s and the time to a minimal schedule.

In one run, alternately, medians of ``--runs`` repetitions:

- baseline: the seeds run one by one through the interpreter, nothing else;
- sweep: the same seeds through ``explore``'s sweep (signatures, chaos log), one
  job and two worker processes; the ratio to the baseline is the sweep's overhead;
- time to a minimal schedule: seeds in order until the first failure, then
  shrinking it (two drops of one closing auction);
- the whole ``scenario explore playbooks/settlement_hunt.py --seeds 1000``
  (sweep, grouping, shrink, reproducer) as a fresh process. Target: under 10 s.

    python bench/explore.py [--runs 3] [--seeds 1000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenario_engine.explore.shrink import shrink
from scenario_engine.explore.signature import signature
from scenario_engine.explore.sweep import sweep
from scenario_engine.explore.target import Target, run_plan

REPO = Path(__file__).resolve().parents[1]
HUNT = REPO / "playbooks" / "settlement_hunt.py"
TARGET_SECONDS = 10.0


def baseline(target: Target, seeds: range) -> float:
    plan = target.plan()
    start = time.perf_counter()
    for seed in seeds:
        run_plan(plan, seed)
    return time.perf_counter() - start


def to_minimal(target: Target) -> tuple[float, int, int]:
    start = time.perf_counter()
    seed = 1
    while signature(target.run(seed)) is None:
        seed += 1
    result = shrink(target.plan(), seed)
    return time.perf_counter() - start, seed, len(result.schedule)


def whole_explore(seeds: int) -> float:
    with tempfile.TemporaryDirectory() as reports:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "scenario_engine.cli", "explore", str(HUNT),
             "--seeds", str(seeds), "--report-dir", reports],
            check=False, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", "-n", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=1000)
    args = parser.parse_args()
    target = Target.choose(str(HUNT), None)
    target.run(1)  # warm-up: load the playbook and every component once
    seeds = range(1, args.seeds + 1)
    rows: dict[str, list[float]] = {k: [] for k in ("base", "one", "two", "min", "cli")}
    found = (0, 0)
    for _ in range(args.runs):
        rows["base"].append(baseline(target, seeds))
        rows["one"].append(sweep(target, seeds).seconds)
        rows["two"].append(sweep(target, seeds, jobs=2).seconds)
        seconds, seed, kept = to_minimal(target)
        rows["min"].append(seconds)
        found = (seed, kept)
        rows["cli"].append(whole_explore(args.seeds))
    med = {k: statistics.median(v) for k, v in rows.items()}
    n = len(seeds)
    print(f"{n} seeds, median of {args.runs} runs")
    print(f"  baseline (interpreter alone)  {n / med['base']:8.0f} seeds/s")
    for key, name in (("one", "sweep, 1 job"), ("two", "sweep, 2 jobs")):
        print(
            f"  {name:<29} {n / med[key]:8.0f} seeds/s   x{med['base'] / med[key]:.2f} baseline"
        )
    print(
        f"  time to a minimal schedule    {med['min']:8.2f} s       "
        f"(first failing seed {found[0]}, {found[1]} applications left)"
    )
    verdict = "ok" if med["cli"] < TARGET_SECONDS else "OVER"
    print(
        f"  scenario explore --seeds {n}  {med['cli']:8.2f} s       "
        f"target < {TARGET_SECONDS:g} s: {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
