"""A failure's signature: which assertions failed and what kind of witness showed it.

Two seeds that fail the same way have the same signature, whatever the
times, sequence numbers or payloads of their witnesses; exploring groups
seeds by it, and shrinking keeps it while it removes chaos.
"""

from __future__ import annotations

from scenario_engine.report.model import RunResult

__all__ = ["signature"]


def signature(result: RunResult) -> str | None:
    """``None`` for a passing run; else one line per failure, joined by ``; ``.

    An assertion contributes ``label [witness topics]`` (``[no witness]`` when it
    quotes none); a step that failed or erred contributes ``kind 'name' status``.
    """
    if result.status == "passed":
        return None
    parts = []
    for failure in result.failures:
        topics = sorted({w.topic for w in failure.witnesses})
        parts.append(f"{failure.label} [{', '.join(topics) or 'no witness'}]")
    parts += [
        f"{step.kind} {step.name!r} {step.status}"
        for step in result.steps
        if step.status in ("failed", "error")
    ]
    if not parts:
        parts.append(result.status)
    return "; ".join(parts)
