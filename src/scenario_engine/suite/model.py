"""A suite's outcome: one entry per scenario (its last attempt) and the counts."""

from __future__ import annotations

from collections import Counter

import attrs

from scenario_engine.report.model import RunResult

__all__ = ["FAILING", "OUTCOMES", "SuiteEntry", "SuiteResult", "outcome_of"]

#: outcomes in the order the summary lists them
OUTCOMES = (
    "passed",
    "flaky",
    "xfailed",
    "xpassed",
    "failed",
    "precondition failed",
    "error",
    "interrupted",
)
#: outcomes that make the suite fail (exit 1)
FAILING = frozenset({"failed", "precondition failed", "error"})


def outcome_of(result: RunResult, attempts: int, xfail: bool) -> str:
    """A scenario's outcome in the suite: its status, unless retried into a pass
    (``flaky``, never silently ``passed``) or expected to fail (``xfailed``/``xpassed``)."""
    if result.status == "interrupted":
        return "interrupted"
    if xfail:
        return "xpassed" if result.passed else "xfailed"
    if result.passed:
        return "flaky" if attempts > 1 else "passed"
    return result.status


@attrs.frozen
class SuiteEntry:
    """One scenario of the suite: where it came from and how its last attempt went."""

    key: str
    source: str
    name: str
    outcome: str
    attempts: int
    result: RunResult
    xfail: bool = False


@attrs.frozen
class SuiteResult:
    """Every entry in collection order; ``not_run`` counts scenarios a stop left out."""

    entries: tuple[SuiteEntry, ...]
    wall_duration: float
    workers: int
    not_run: int = 0
    #: Ctrl-C stopped the suite (its running scenarios report "interrupted")
    interrupted: bool = False

    def counts(self) -> dict[str, int]:
        tally = Counter(e.outcome for e in self.entries)
        return {name: tally[name] for name in OUTCOMES if tally[name]}

    @property
    def exit_code(self) -> int:
        outcomes = {e.outcome for e in self.entries}
        if self.interrupted or "interrupted" in outcomes:
            return 130
        return 1 if outcomes & FAILING else 0

    def summary(self) -> str:
        """The closing line: ``6 passed, 3 failed (9 of 9 scenario(s) run)``, then the
        outcomes a plain count hides (``1 flaky``, ``2 xfailed``) and the workers."""
        passed = sum(e.result.passed for e in self.entries)
        planned = len(self.entries) + self.not_run
        notes = [
            f"{n} {name}"
            for name, n in self.counts().items()
            if name in ("flaky", "xfailed", "xpassed", "precondition failed")
        ]
        if self.workers > 1:
            notes.append(f"{self.workers} workers")
        extra = f"; {', '.join(notes)}" if notes else ""
        return (
            f"{passed} passed, {len(self.entries) - passed} failed "
            f"({len(self.entries)} of {planned} scenario(s) run{extra})"
        )
