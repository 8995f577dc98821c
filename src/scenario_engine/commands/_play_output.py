"""What ``scenario play`` prints, by where its output goes and how quiet it was asked to be.

- a terminal: a live status area while scenarios run (see
  :mod:`scenario_engine.report.live`), each scenario's summary above it, then
  the totals and the replay lines;
- a pipe or a file, or ``-q``: the summaries, the totals and the replay lines;
- ``-qq``: only what failed: the failing scenarios' summaries and their replay
  lines; nothing at all when every scenario passed.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

import click

from scenario_engine.report.console import render_summary

__all__ = ["PlayOutput"]


class PlayOutput:
    """The output of one ``scenario play``; a context manager around the runs."""

    def __init__(self, planned: int | None, level: int) -> None:
        """``planned``: how many runs are to come (None: until stopped, ``--loop 0``)."""
        self.level = level
        self.color = sys.stdout.isatty()
        self.live: Any = None
        if self.color and level >= 0:
            from scenario_engine.report.live import LiveProgress

            self.live = LiveProgress(planned)

    @property
    def observer(self) -> Any:
        """What the runs report their progress to (None: nothing is shown, nothing costs)."""
        return self.live

    @property
    def only_failures(self) -> bool:
        return self.level <= -2

    def __enter__(self) -> PlayOutput:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.__exit__(kind, error, trace)

    def summary(self, result: Any) -> None:
        """One scenario's summary (under ``-qq`` only a failing one's)."""
        if self.live is not None:
            self.live.scenario_done(result)
        if result.passed and self.only_failures:
            return
        text = render_summary(result, color=self.color, verbose=self.level > 0)
        if self.live is not None:
            self.live.echo(text)
        else:
            click.echo(text)
