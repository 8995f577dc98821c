"""How to run a plan: the knobs of ``scenario play``, as one frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["RunOptions"]


@attrs.frozen(kw_only=True)
class RunOptions:
    """Overrides and output settings for one run.

    ``report_dir`` None writes no files; ``settle`` is how long (real
    seconds) a wall-clock run keeps listening after its last step for late
    replies; ``source`` (the playbook path) lets the report print the
    command that replays the run.
    """

    report_dir: Path | None = None
    bus: str | None = None
    clock: str | None = None
    speed: float | None = None
    seed: int | None = None
    variables: Mapping[str, Any] = attrs.field(factory=dict)
    fail_fast: bool = False
    #: False when the systems under test run elsewhere (``scenario host``)
    systems: bool = True
    settle: float = 0.5
    #: start the services of plan *files* too (a ``.py`` playbook's are started anyway)
    allow_services: bool = False
    source: Path | None = None
    #: the ``--trust`` modules, repeated in the command that replays the run
    trust: tuple[str, ...] = ()
    registry: Any = attrs.field(default=None, eq=False)
    #: a :class:`~scenario_engine.report.progress.ProgressObserver` shown the run as it goes
    progress: Any = attrs.field(default=None, eq=False)
    #: pauses replay steps on request (``scenario replay``: SIGUSR1 / SIGUSR2), see runtime.pausing
    pauser: Any = attrs.field(default=None, eq=False)
