"""Load shapes on the wall clock: achieved against target rate, and scheduling lag.

For each rate (1,000 and 10,000 events/s by default) the engine runs a
constant-rate generator on the memory bus and the wall clock for a few
seconds, and reports the achieved/target ratio and the lag of each event
behind its due time (p50, p99). A baseline in the same run paces a bare loop
(due times, then ``time.sleep`` until each) at the same rate, so the engine's
lag reads against what this machine gives any Python loop. Medians over runs.
Targets: at least 0.99 of the target rate at 1k/s, lag p99 at most 1 ms.

    python bench/rate.py [--rates 1000 10000] [--seconds 3] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

from scenario_engine import Scenario
from scenario_engine.testing import run


def engine(rate: float, seconds: float) -> tuple[float, float, float]:
    scenario = (
        Scenario(f"rate-{rate:g}", seed=1)
        .clock("wall")
        .generator("counter", topic="t", rate=rate)
        .phase("load", duration=seconds)
    )
    with tempfile.TemporaryDirectory() as folder:
        result = run(scenario, report_dir=folder)
    [shaped] = result.generators["t"]["rates"]
    return shaped["achieved_rate"] / rate, shaped["lag_p50_ms"], shaped["lag_p99_ms"]


def bare_loop(rate: float, seconds: float) -> tuple[float, float, float]:
    start = time.monotonic()
    lags = []
    count = int(rate * seconds)
    for k in range(count):
        due = start + k / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        lags.append(max(0.0, time.monotonic() - due))
    elapsed = max(seconds, time.monotonic() - start)
    lags.sort()
    return count / elapsed / rate, lags[len(lags) // 2] * 1000, lags[int(0.99 * len(lags))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[1000.0, 10000.0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.runs} run(s) of {args.seconds:g}s each, alternating engine and bare loop")
    print(f"{'rate/s':>8} {'who':>10} {'achieved':>9} {'lag p50':>9} {'lag p99':>9}")
    for rate in args.rates:
        rows: dict[str, list[tuple[float, float, float]]] = {"engine": [], "bare loop": []}
        for _ in range(args.runs):
            rows["engine"].append(engine(rate, args.seconds))
            rows["bare loop"].append(bare_loop(rate, args.seconds))
        for who, samples in rows.items():
            ratio, p50, p99 = (statistics.median(column) for column in zip(*samples, strict=True))
            print(f"{rate:8.0f} {who:>10} {ratio:9.4f} {p50:7.3f}ms {p99:7.3f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
