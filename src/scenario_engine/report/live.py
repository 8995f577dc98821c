"""The live status area of ``scenario play`` on a terminal, drawn with rich.

Imported only when standard output is a terminal and ``-q`` was not given:
rich costs its import time only to the person who is watching. The area
shows the scenario that runs (step, clock and wall time, events/s, events so
far), the chaos applied so far and the assertions already failing, and, when
several scenarios run, a bar of scenarios done. Summaries print above it; it
leaves no trace when it stops.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from scenario_engine.report.progress import Snapshot, chaos_line, failing_line, status_line

__all__ = ["LiveProgress"]


class LiveProgress:
    """A :class:`~scenario_engine.report.progress.ProgressObserver` that draws on a terminal.

    Use it as a context manager around the runs; :meth:`echo` prints above the area,
    :meth:`scenario_done` moves the suite bar (``planned`` None: runs until stopped, a
    count and no bar).
    """

    def __init__(self, planned: int | None, console: Console | None = None) -> None:
        self.planned = planned
        self.done = 0
        self.failed = 0
        self.snapshot: Snapshot | None = None
        # refreshed by the run's own snapshots (about ten a second): no drawing thread
        self._live = Live(
            console=console or Console(),
            auto_refresh=False,
            transient=True,
            redirect_stdout=True,
            # the log goes above the area only when it goes to the terminal too
            redirect_stderr=sys.stderr.isatty(),
        )

    def __enter__(self) -> LiveProgress:
        self._live.start()
        self._draw()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._live.stop()

    # ------------------------------------------------------------------ observer

    def on_progress(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._draw()

    def scenario_done(self, result: Any) -> None:
        self.done += 1
        if not result.passed:
            self.failed += 1
        self.snapshot = None
        self._draw()

    def echo(self, text: str) -> None:
        """Print ``text`` (ANSI colours allowed) above the live area, unwrapped."""
        self._live.console.print(Text.from_ansi(text), soft_wrap=True)

    # ------------------------------------------------------------------ drawing

    def _draw(self) -> None:
        self._live.update(self.render(), refresh=True)

    def render(self) -> RenderableType:
        rows: list[RenderableType] = []
        snapshot = self.snapshot
        if snapshot is not None:
            rows.append(_line(status_line(snapshot), "bold"))
            chaos = chaos_line(snapshot)
            if chaos:
                rows.append(_line("  " + chaos, "yellow"))
            failing = failing_line(snapshot)
            if failing:
                rows.append(_line("  " + failing, "bold red"))
        if self.planned is None or self.planned > 1:
            rows.append(self._suite_bar())
        return Group(*rows)

    def _suite_bar(self) -> RenderableType:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        failed = f", {self.failed} failed" if self.failed else ""
        style = "red" if self.failed else ""
        if self.planned is None:
            return Text(f"{self.done} scenario runs done{failed}", style=style)
        grid.add_row(
            ProgressBar(total=self.planned, completed=self.done, width=30),
            Text(f"{self.done}/{self.planned} scenarios done{failed}", style=style),
        )
        return grid


def _line(text: str, style: str) -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")
