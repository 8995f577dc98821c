"""Shrinking a failing run to a 1-minimal chaos schedule.

The run's chaos log is a list of applications; a forced run applies exactly a
subset of them. Delta debugging (Zeller's ddmin) removes applications while
the run still fails with the same :func:`~scenario_engine.explore.signature`;
then each one left is simplified (the shortest delay, the fewest copies that
still fail), and a last pass makes sure that removing any single remaining
application makes the failure go away: the result is 1-minimal.

Every test is one deterministic run on the virtual clock, cached by schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs

from scenario_engine.errors import UsageError
from scenario_engine.explore.signature import signature
from scenario_engine.plan.nodes import Plan
from scenario_engine.report.model import Application, RunResult
from scenario_engine.runtime.forced import simplified

__all__ = ["ShrinkResult", "ddmin", "shrink"]

Test = Callable[[Sequence[Application]], bool]


@attrs.frozen(kw_only=True)
class ShrinkResult:
    """A minimal failing schedule and how it was found."""

    plan: Plan
    seed: int
    signature: str
    original: tuple[Application, ...]
    schedule: tuple[Application, ...]
    runs: int
    seconds: float


def _chunks(items: Sequence[Application], n: int) -> list[list[Application]]:
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return [c for c in out if c]


def ddmin(items: Sequence[Application], fails: Test) -> list[Application]:
    """The classic ddmin: a subset of ``items`` that still fails, 1-minimal when ``fails``
    is deterministic (``items`` itself must fail)."""
    current = list(items)
    if fails([]):
        return []
    n = 2
    while len(current) >= 2:
        chunks = _chunks(current, n)
        for chunk in chunks:
            if fails(chunk):
                current, n = chunk, 2
                break
        else:
            for i in range(len(chunks)):
                rest = [a for j, c in enumerate(chunks) if j != i for a in c]
                if fails(rest):
                    current, n = rest, max(n - 1, 2)
                    break
            else:
                if n >= len(current):
                    break
                n = min(n * 2, len(current))
    return current


def _smallest(low: int, high: int, fails_at: Callable[[int], bool]) -> int:
    """The smallest value in ``[low, high]`` that fails, ``high`` known to fail (monotone)."""
    if fails_at(low):
        return low
    while high - low > 1:
        mid = (low + high) // 2
        if fails_at(mid):
            high = mid
        else:
            low = mid
    return high


def _simplify(schedule: list[Application], fails: Test) -> list[Application]:
    for i, app in enumerate(list(schedule)):

        def with_value(value: int, i: int = i, app: Application = app) -> bool:
            name = _PARAMETER[app.effect]
            trial = [*schedule[:i], simplified(app, **{name: value}), *schedule[i + 1 :]]
            return fails(trial)

        if app.effect == "delay":
            ms = float(app.params.get("ms", 0))
            whole = int(ms)
            if whole < ms and not with_value(whole):
                continue  # only the exact delay drawn fails; keep it
            best = _smallest(0, whole, with_value)
            schedule[i] = simplified(app, ms=best)
        elif app.effect == "duplicate":
            copies = int(app.params.get("copies", 1))
            best = _smallest(1, copies, with_value)
            schedule[i] = simplified(app, copies=best)
    return schedule


_PARAMETER = {"delay": "ms", "duplicate": "copies"}


def _one_minimal(schedule: list[Application], fails: Test) -> list[Application]:
    changed = True
    while changed:
        changed = False
        for i in range(len(schedule)):
            rest = schedule[:i] + schedule[i + 1 :]
            if fails(rest):
                schedule, changed = rest, True
                break
    return schedule


def shrink(
    plan: Plan,
    seed: int,
    *,
    run: Callable[[Plan, int, Sequence[Application] | None], RunResult] | None = None,
) -> ShrinkResult:
    """Shrink the failing run of ``plan`` with ``seed`` to a minimal forced schedule."""
    from scenario_engine.explore.target import run_plan

    execute = run or run_plan
    started = time.perf_counter()
    first = execute(plan, seed, None)
    wanted = signature(first)
    if wanted is None:
        raise UsageError(
            f"scenario {plan.name!r} passes with seed {seed}: there is nothing to shrink",
            hint="give a failing seed (scenario explore finds some)",
        )
    original = tuple(first.applications)
    cache: dict[tuple[object, ...], bool] = {}
    runs = 1

    def fails(schedule: Sequence[Application]) -> bool:
        nonlocal runs
        key = tuple((a.action, a.event, tuple(sorted(a.params.items()))) for a in schedule)
        hit = cache.get(key)
        if hit is None:
            runs += 1
            hit = cache[key] = signature(execute(plan, seed, schedule)) == wanted
        return hit

    if not fails(original):
        raise UsageError(
            f"seed {seed} of {plan.name!r} fails, but not when its own chaos log is forced "
            f"({len(original)} applications): its failure depends on more than chaos",
            hint="look for randomness outside the scenario's seed (a system reading the "
            "clock or the global random module)",
        )
    schedule = ddmin(original, fails)
    schedule = _simplify(schedule, fails)
    schedule = _one_minimal(schedule, fails)
    return ShrinkResult(
        plan=plan,
        seed=seed,
        signature=wanted,
        original=original,
        schedule=tuple(schedule),
        runs=runs,
        seconds=time.perf_counter() - started,
    )
