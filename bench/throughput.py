"""Engine throughput on the canonical workload, against a hand-written loop doing the same work.

Workload: a counter generator publishes requests on the memory bus; an
in-process echo system answers each with a reply; chaos drops 10% of the
requests, delays 20% (virtual time) and duplicates 1%; Count, Sequence-by-key
and Within-by-key monitors watch; every event is logged to disk.

The baseline is a loop written for exactly this job: a heap for delayed
events, orjson lines to a file, per-topic counts and per-key bookkeeping.
Both run in this process, alternately, and the ratio is what to read (the
machine is shared; absolute numbers drift).

    python bench/throughput.py [--events 200000] [--repeat 3] [--memory]
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from scenario_engine import Count, Delay, Drop, Duplicate, Scenario, Sequence, Within
from scenario_engine.runtime import RunOptions, run_plan


class Echo:
    """Answers every request with a reply carrying the same index."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus
        bus.subscribe("request", self.on_request)

    def on_request(self, event: Any) -> None:
        self.bus.publish("reply", {"index": event.payload["index"]})


def canonical(events: int) -> Scenario:
    return (
        Scenario("throughput", seed=1)
        .system(Echo)
        .generator("counter", topic="request", every="1ms")
        .phase("load", cycles=events)
        .chaos(Drop("request", probability=0.10))
        .chaos(Delay("request", ms=5, probability=0.20))
        .chaos(Duplicate("request", probability=0.01))
        .expect(Count("request", min=1))
        .expect(Sequence("request", "reply", by="index"))
        .expect(Within("request", "reply", ms=50, by="index"))
    )


def run_engine(events: int, directory: Path) -> tuple[float, int]:
    plan = canonical(events).build()
    start = time.perf_counter()
    result = run_plan(plan, RunOptions(report_dir=directory))
    elapsed = time.perf_counter() - start
    return elapsed, result.events_recorded + result.events_dropped


def run_baseline(events: int, directory: Path) -> tuple[float, int]:
    """The same delivery, logging and counting, written by hand with no engine."""
    start = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    rng_drop, rng_delay, rng_dup = random.Random(1), random.Random(2), random.Random(3)
    heap: list[tuple[float, int, dict[str, Any]]] = []
    lines: list[bytes] = []
    counts: dict[str, int] = {}
    pending: dict[Any, float] = {}
    latencies: list[float] = []
    seq = 0
    order = 0
    dumps = orjson.dumps
    option = orjson.OPT_APPEND_NEWLINE
    with (directory / "events.jsonl").open("wb") as log:

        def deliver(event: dict[str, Any], now: float) -> None:
            nonlocal seq
            seq += 1
            event["seq"] = seq
            event["t"] = now
            lines.append(dumps(event, option=option))
            if len(lines) >= 256:
                log.write(b"".join(lines))
                lines.clear()
            topic = event["topic"]
            counts[topic] = counts.get(topic, 0) + 1
            key = event["payload"]["index"]
            if topic == "request":
                pending[key] = now
                deliver({"topic": "reply", "payload": {"index": key}}, now)
            elif key in pending:
                latencies.append(now - pending.pop(key))

        for i in range(events):
            now = i * 0.001
            while heap and heap[0][0] <= now:
                when, _, delayed = heapq.heappop(heap)
                deliver(delayed, when)
            event = {"topic": "request", "payload": {"index": i, "value": i}}
            if rng_drop.random() < 0.10:
                seq += 1
                event["status"] = "dropped"
                lines.append(dumps(event, option=option))
                continue
            if rng_delay.random() < 0.20:
                order += 1
                heapq.heappush(heap, (now + 0.005, order, event))
                continue
            deliver(event, now)
            if rng_dup.random() < 0.01:
                deliver({"topic": "request", "payload": dict(event["payload"])}, now)
        while heap:
            when, _, delayed = heapq.heappop(heap)
            deliver(delayed, when)
        log.write(b"".join(lines))
    return time.perf_counter() - start, seq


def peak_rss_mb(events: int) -> float:
    """Peak resident memory of a fresh process running the engine on ``events`` events."""
    code = (
        "import sys, resource, tempfile; sys.path.insert(0, sys.argv[2]);"
        "from pathlib import Path; import throughput as t;"
        "t.run_engine(int(sys.argv[1]), Path(tempfile.mkdtemp()));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(events), str(Path(__file__).parent)],
        check=True, capture_output=True, text=True,
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="also compare peak RSS at 100k and 1M")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    engine_rates, base_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            elapsed, recorded = run_engine(args.events, Path(tmp) / f"engine{n}")
            engine_rates.append(recorded / elapsed)
            elapsed, recorded = run_baseline(args.events, Path(tmp) / f"base{n}")
            base_rates.append(recorded / elapsed)
    engine, base = statistics.median(engine_rates), statistics.median(base_rates)
    figures: dict[str, Any] = {
        "generated": args.events,
        "engine_events_per_s": round(engine),
        "baseline_events_per_s": round(base),
        "ratio": round(engine / base, 3),
    }
    if args.memory:
        small, large = peak_rss_mb(100_000), peak_rss_mb(1_000_000)
        figures.update(rss_100k_mb=round(small, 1), rss_1m_mb=round(large, 1),
                       rss_growth_mb=round(large - small, 1))
    if args.json:
        print(json.dumps(figures))
        return
    print(f"generated events:           {args.events:,}  (median of {args.repeat} runs each)")
    print(f"engine   (events logged/s): {engine:,.0f}")
    print(f"baseline (events logged/s): {base:,.0f}")
    print(f"ratio engine/baseline:      {engine / base:.3f}   (target >= 0.35; engine >= 150,000/s)")
    if args.memory:
        print(f"peak RSS 100k: {figures['rss_100k_mb']} MB, 1M: {figures['rss_1m_mb']} MB, "
              f"growth {figures['rss_growth_mb']} MB   (target < 50 MB)")


if __name__ == "__main__":
    main()
