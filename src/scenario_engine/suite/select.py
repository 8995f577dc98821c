"""Choosing a suite's scenarios: ``-k`` by name, ``-m`` by tags, ``--lf`` the last
failures, and ``--xfail`` marking some as expected to fail."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import attrs

from scenario_engine.errors import UsageError
from scenario_engine.loaders.select import matches
from scenario_engine.suite.collect import CollectedPlan
from scenario_engine.suite.marks import compile_marks

__all__ = ["select_items"]


def select_items(
    items: Sequence[CollectedPlan],
    *,
    names: str | None = None,
    marks: str | None = None,
    xfail: Collection[str] = (),
    last_failed: Collection[str] | None = None,
) -> tuple[list[CollectedPlan], list[str]]:
    """The chosen items, and notes to print (``--lf`` with nothing recorded runs all)."""
    notes: list[str] = []
    chosen = list(items)
    if names is not None:
        chosen = [i for i in chosen if matches(i.plan.name, names)]
        if not chosen:
            found = ", ".join(sorted({i.plan.name for i in items})) or "none"
            raise UsageError(
                f"-k {names!r} matches no scenario (found: {found})",
                hint="give a name or a glob such as 'flash*'; several separated by commas",
            )
    if marks is not None:
        wanted = compile_marks(marks)
        before = chosen
        chosen = [i for i in chosen if wanted(i.plan.tags)]
        if not chosen:
            tags = ", ".join(sorted({t for i in before for t in i.plan.tags})) or "none"
            raise UsageError(
                f"-m {marks!r} matches no scenario (tags found: {tags})",
                hint="tag scenarios with Scenario(...).tags('smoke')",
            )
    if last_failed is not None:
        failed = [i for i in chosen if i.key in last_failed]
        if failed:
            notes.append(f"--lf: running the {len(failed)} scenario(s) that failed last")
            chosen = failed
        else:
            notes.append("--lf: no failure recorded among these scenarios; running them all")
    if xfail:
        chosen = [
            attrs.evolve(i, xfail=True) if any(matches(i.plan.name, p) for p in xfail) else i
            for i in chosen
        ]
    return chosen, notes
