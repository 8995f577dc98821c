"""Wall time of a 40-scenario suite run serially and with ``-n 2``, in one run.

The suite is written to a temporary folder: 40 playbooks, each a scenario of
a few thousand events through chaos and monitors (about a tenth of a second
of engine work), so worker start-up is paid against real work. Both
commands are fresh ``scenario play DIR`` processes, run alternately (after
one warm-up each); the ratio of the medians is what to read. Target: at most
0.65 on a 2-core machine.

    python bench/suite.py [--runs 5] [--scenarios 40] [--cycles 12000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.65

PLAYBOOK = """
from scenario_engine import Count, Delay, Drop, Scenario

scenario = (
    Scenario("bench-{index}", seed={index})
    .generator("counter", topic="tick", every="10ms")
    .generator("template", topic="order", payload={{"orderId": "o-{{{{index}}}}"}}, every="20ms")
    .phase("calm", cycles={cycles})
    .phase("storm", cycles={cycles})
    .chaos(Drop("tick", probability=0.05), during="storm")
    .chaos(Delay("order", ms=5, probability=0.2))
    .expect(Count("tick", min=1))
    .expect(Count("order", min=1))
)
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (the process and its workers) of one command."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--scenarios", type=int, default=40, help="suite size (default 40)")
    parser.add_argument(
        "--cycles", type=int, default=12000, help="cycles per phase (default 12000)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "suite"
        folder.mkdir()
        for i in range(args.scenarios):
            text = PLAYBOOK.format(index=i, cycles=args.cycles)
            (folder / f"bench_{i:02d}.py").write_text(text)
        base = [sys.executable, "-m", "scenario_engine.cli", "play", str(folder)]
        serial = [*base, "--report-dir", str(Path(tmp) / "serial")]
        parallel = [*base, "-n", "2", "--report-dir", str(Path(tmp) / "parallel")]
        for command in (serial, parallel):  # warm up: fill the disk cache
            _seconds(command)
        serial_times, parallel_times = [], []
        for _ in range(args.runs):
            serial_times.append(_seconds(serial))
            parallel_times.append(_seconds(parallel))

    serial_median = statistics.median(t for t, _ in serial_times)
    parallel_median = statistics.median(t for t, _ in parallel_times)
    serial_cpu = statistics.median(c for _, c in serial_times)
    parallel_cpu = statistics.median(c for _, c in parallel_times)
    ratio = parallel_median / serial_median
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"suite:          {args.scenarios} scenarios, {args.runs} runs each, alternating")
    print(f"serial:         median {serial_median:6.2f} s wall, {serial_cpu:6.2f} s CPU")
    print(f"-n 2:           median {parallel_median:6.2f} s wall, {parallel_cpu:6.2f} s CPU")
    print(f"ratio:          {ratio:.2f}  ({verdict} target {TARGET})")
    print(f"CPU ratio:      {parallel_cpu / serial_cpu:.2f}  (the work -n 2 adds)")
    print(f"load average:   {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (others' work)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
