"""``play --loop``: the same scenarios again and again, each iteration with moved seeds."""

from __future__ import annotations

import itertools
import time
from typing import Any

import attrs
import click

__all__ = ["play_looped", "ran_text"]


def play_looped(
    items: list[Any], options: Any, show: Any, loop: int | None, interval: float
) -> tuple[list[Any], bool]:
    """Play ``items`` once, ``loop`` times, or (``loop == 0``) until interrupted; also say
    whether an interrupt ended it.

    Iteration k (from 0) runs with every seed moved by k, so a soak test sends
    fresh data each time and any iteration replays alone with its ``--seed``.
    """
    from scenario_engine.runtime.session import play_all

    results: list[Any] = []
    for k in itertools.count():
        batch, opts = items, options
        if k and options.seed is not None:
            opts = attrs.evolve(options, seed=options.seed + k)
        elif k:
            batch = [(path, attrs.evolve(plan, seed=plan.seed + k)) for path, plan in items]
        if loop is not None:
            click.echo(f"loop {k + 1}" + (f" of {loop}" if loop else " (until stopped)"))
        results += play_all(batch, opts, on_result=show)
        if any(r.status == "interrupted" for r in results):
            return results, True
        failed = options.fail_fast and not all(r.passed for r in results)
        if loop is None or (loop and k + 1 >= loop) or failed:
            break
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("interrupted between loop iterations", err=True)
            return results, True
    return results, False


def ran_text(results: list[Any], planned: int, loop: int | None) -> str:
    """How many runs of how many scenarios, for the closing line."""
    if loop is None:
        return f"{len(results)} of {planned} scenario(s) run"
    loops = -(-len(results) // max(1, planned))
    return f"{len(results)} run(s) of {planned} scenario(s) in {loops} loop(s)"
