"""Engine throughput on the canonical workload, against a hand-written loop doing the same work.

Workload: a counter generator publishes requests on the memory bus; an
in-process echo system answers each with a reply; chaos drops 10% of the
requests, delays 20% (virtual time) and duplicates 1%; Count, Sequence-by-key
and Within-by-key monitors watch; every event is logged to disk.

The baseline is a loop written for exactly this job: a heap for delayed
events, orjson lines to a file, per-topic counts and per-key bookkeeping.
Both run in this process, alternately, and the ratio is what to read (the
machine is shared; absolute numbers drift).

    python bench/throughput.py [--events 200000] [--repeat 3] [--memory] [--progress]

``--progress`` attaches a progress observer that does nothing, to measure what
the snapshots cost the run (a terminal's live display adds its drawing).
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
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


class _Unwatched:
    """A progress observer that looks at nothing: the cost of the snapshots alone."""

    def __init__(self) -> None:
        self.snapshots = 0

    def on_progress(self, snapshot: Any) -> None:
        self.snapshots += 1


def run_engine(events: int, directory: Path, *, progress: bool = False) -> tuple[float, int]:
    plan = canonical(events).build()
    options = RunOptions(report_dir=directory)
    if progress:
        options = RunOptions(report_dir=directory, progress=_Unwatched())
    start = time.perf_counter()
    result = run_plan(plan, options)
    elapsed = time.perf_counter() - start
    return elapsed, result.events_recorded + result.events_dropped


class _Baseline:
    """The same delivery, logging and counting, written by hand for this job alone."""

    def __init__(self, log: Any) -> None:
        self.log_write = log.write
        self.counts: dict[str, int] = {}
        self.started: dict[Any, float] = {}  # Within: request time per key
        self.stage: dict[Any, int] = {}  # Sequence: next expected topic per key
        self.latencies: list[float] = []
        self.seq = 0
        self.ids = 0

    def deliver(self, event: dict[str, Any], now: float) -> None:
        self.seq += 1
        # the same fields as the engine's log lines, added to the event in place
        event["seq"] = self.seq
        event["t"] = round(now, 6)
        self.log_write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
        topic = event["topic"]
        self.counts[topic] = self.counts.get(topic, 0) + 1
        key = event["payload"]["index"]
        if topic == "request":
            self.stage[key] = 1
            self.started[key] = now
            # the echo system answers at once
            self.ids += 1
            reply = {
                "topic": "reply",
                "payload": {"index": key},
                "cycle": event["cycle"],
                "source": "system",
                "id": f"r-{self.ids}",
            }
            self.deliver(reply, now)
        else:
            if self.stage.pop(key, None) is None:
                self.stage[key] = -1
            start = self.started.pop(key, None)
            if start is not None:
                self.latencies.append(now - start)

    def drop(self, event: dict[str, Any]) -> None:
        self.seq += 1
        line = {
            "seq": self.seq,
            "topic": event["topic"],
            "id": event["id"],
            "payload": event["payload"],
            "status": "dropped",
        }
        self.log_write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))


def request(index: int) -> dict[str, Any]:
    return {
        "topic": "request",
        "payload": {"index": index, "value": index},
        "cycle": index,
        "source": "engine",
        "id": f"g-{index}",
    }


def run_baseline(events: int, directory: Path, *, heap_all: bool = True) -> tuple[float, int]:
    """The hand-written loop. ``heap_all``: every event is scheduled through one heap, as in
    any discrete-event loop (the reference design); otherwise only delayed events are."""
    start = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    rng_drop, rng_delay, rng_dup = random.Random(1), random.Random(2), random.Random(3)
    heap: list[tuple[float, int, dict[str, Any], bool]] = []
    order = 0
    push, pop = heapq.heappush, heapq.heappop
    with (directory / "events.jsonl").open("wb", buffering=1 << 16) as log:
        sink = _Baseline(log)

        def chaos(event: dict[str, Any], now: float) -> None:
            nonlocal order
            if rng_drop.random() < 0.10:
                sink.drop(event)
                return
            if rng_delay.random() < 0.20:
                order += 1
                push(heap, (now + 0.005, order, event, False))
                return
            sink.deliver(event, now)
            if rng_dup.random() < 0.01:
                sink.deliver(
                    {**event, "payload": dict(event["payload"]), "id": event["id"] + "d"}, now
                )

        if heap_all:
            order += 1
            push(heap, (0.0, order, request(0), True))
            while heap:
                now, _, event, fresh = pop(heap)
                if not fresh:
                    sink.deliver(event, now)
                    continue
                index = event["payload"]["index"]
                if index + 1 < events:
                    order += 1
                    push(heap, ((index + 1) * 0.001, order, request(index + 1), True))
                chaos(event, now)
        else:
            for i in range(events):
                now = i * 0.001
                while heap and heap[0][0] <= now:
                    when, _, delayed, _ = pop(heap)
                    sink.deliver(delayed, when)
                chaos(request(i), now)
            while heap:
                when, _, delayed, _ = pop(heap)
                sink.deliver(delayed, when)
    return time.perf_counter() - start, sink.seq


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
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--memory", action="store_true", help="also compare peak RSS at 100k and 1M"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--progress", action="store_true", help="attach a progress observer to the engine"
    )
    args = parser.parse_args()
    engine_rates, heap_rates, straight_rates = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            elapsed, recorded = run_engine(
                args.events, Path(tmp) / f"engine{n}", progress=args.progress
            )
            engine_rates.append(recorded / elapsed)
            elapsed, recorded = run_baseline(args.events, Path(tmp) / f"heap{n}")
            heap_rates.append(recorded / elapsed)
            elapsed, recorded = run_baseline(args.events, Path(tmp) / f"loop{n}", heap_all=False)
            straight_rates.append(recorded / elapsed)
    engine = statistics.median(engine_rates)
    base = statistics.median(heap_rates)
    straight = statistics.median(straight_rates)
    figures: dict[str, Any] = {
        "generated": args.events,
        "engine_events_per_s": round(engine),
        "heap_loop_events_per_s": round(base),
        "straight_loop_events_per_s": round(straight),
        "ratio": round(engine / base, 3),
        "ratio_vs_straight_loop": round(engine / straight, 3),
    }
    if args.memory:
        small, large = peak_rss_mb(100_000), peak_rss_mb(1_000_000)
        figures.update(
            rss_100k_mb=round(small, 1),
            rss_1m_mb=round(large, 1),
            rss_growth_mb=round(large - small, 1),
        )
    if args.json:
        print(json.dumps(figures))
        return
    print(f"generated events:               {args.events:,}  (median of {args.repeat} runs each)")
    print(f"engine           (events/s):    {engine:,.0f}   (target >= 150,000)")
    print(f"hand-written heap loop:         {base:,.0f}")
    print(f"hand-written straight loop:     {straight:,.0f}   (delays only through a heap)")
    print(f"ratio engine / heap loop:       {engine / base:.3f}   (target >= 0.35)")
    print(f"ratio engine / straight loop:   {engine / straight:.3f}")
    if args.memory:
        print(
            f"peak RSS 100k: {figures['rss_100k_mb']} MB, 1M: {figures['rss_1m_mb']} MB, "
            f"growth {figures['rss_growth_mb']} MB   (target < 50 MB)"
        )


if __name__ == "__main__":
    main()
