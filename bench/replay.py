"""Replay speed on the virtual clock: how many times faster than real time a recording
plays back through ``scenario replay`` (target: at least 10,000x).

A recording of ``--events`` events (two topics, each every 200 ms: 10 events a
second of recorded time) is made each run;
then it is replayed ``--runs`` times in this process (the command's own code
path), and once as a fresh ``scenario replay`` process. The baseline is the
recording run itself: the same number of events generated on the virtual clock.

    python bench/replay.py [--events 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenario_engine import Scenario
from scenario_engine.plan.nodes import Plan, ReplayStep
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.testing import run

TARGET = 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", "-n", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        cycles = args.events // 2
        source = (
            Scenario("recorded", seed=1)
            .generator("counter", topic="order.new", every="200ms")
            .generator("counter", topic="price", every="200ms")
            .phase("p", cycles=cycles)
        )
        made: list[float] = []
        replayed: list[float] = []
        clock = 0.0
        log = Path()
        for i in range(args.runs):
            start = time.perf_counter()
            result = run(source, report_dir=base / f"rec{i}")
            made.append(time.perf_counter() - start)
            log = Path(result.events_path or "")
            plan = Plan(name="replay", steps=(ReplayStep(path=str(log)),))
            start = time.perf_counter()
            again = Run(plan, RunOptions(report_dir=base / f"out{i}")).execute()
            replayed.append(time.perf_counter() - start)
            clock = again.virtual_duration
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "scenario_engine.cli", "replay", str(log),
             "--report-dir", str(base / "cli")],
            check=True, stdout=subprocess.DEVNULL,
        )
        whole = time.perf_counter() - start
    rec, rep = statistics.median(made), statistics.median(replayed)
    print(f"{args.events} events, {clock:.0f}s of recorded time, median of {args.runs}")
    print(f"  recording run (baseline)   {rec:7.3f}s   {clock / rec:12,.0f}x real time")
    print(
        f"  replay                     {rep:7.3f}s   {clock / rep:12,.0f}x real time   "
        f"x{rec / rep:.2f} baseline, {args.events / rep:,.0f} events/s"
    )
    print(f"  scenario replay (process)  {whole:7.3f}s   {clock / whole:12,.0f}x real time")
    print(f"  target >= {TARGET:,}x: {'ok' if clock / whole >= TARGET else 'UNDER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
