"""Ctrl-C and SIGTERM that stop a run without losing what it recorded.

The first interrupt stops the run (a ``KeyboardInterrupt`` where it is);
the run then finishes its report. While that happens -- inside
:func:`shielded` -- an interrupt is held until the report is written, and
once an interrupt has been delivered, a second one is ignored: people press
Ctrl-C twice, and the second must not cost them the report. A third, while
the run is still shutting down, ends the process at once (exit 130).

:func:`handling` installs this for a command's whole duration (``scenario
play``); :func:`shielded` alone does it for the shutdown of a run started
from Python, when no other handler is installed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["handling", "shielded", "take_pending"]

#: the interrupts that give up waiting for the shutdown
_FORCE_AFTER = 3


class _State:
    def __init__(self) -> None:
        self.shields = 0
        self.pending = False
        self.delivered = False
        self.received = 0


#: the innermost :func:`handling` block's state is last
_states = [_State()]


def _handler(signum: int, frame: FrameType | None) -> None:
    _state = _states[-1]
    _state.received += 1
    if _state.delivered or _state.pending:
        if _state.received >= _FORCE_AFTER:
            sys.stderr.write("error: interrupted again; stopping without finishing the report\n")
            sys.stderr.flush()
            os._exit(130)
        return  # the run is already stopping: let it write its report
    if _state.shields:
        _state.pending = True
        return
    _state.delivered = True
    raise KeyboardInterrupt


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def handling(
    signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM), *, exiting: bool = False
) -> Iterator[None]:
    """Interrupts stop the run once, then wait for its report (see the module text).

    ``exiting``: the process ends after the block (a command); once interrupted, later
    interrupts are ignored until it has, instead of killing it while it says why.
    """
    if not _main_thread():
        yield
        return
    state = _State()
    _states.append(state)
    previous = {s: signal.signal(s, _handler) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_IGN if exiting and state.received else handler)
        _states.pop()


@contextmanager
def shielded() -> Iterator[None]:
    """Hold interrupts until the block is done (a run writing its report); one that came
    meanwhile is raised after it unless :func:`take_pending` consumed it."""
    install = _main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if install:
        with handling((signal.SIGINT,)), shielded():
            yield
        return
    _state = _states[-1]
    _state.shields += 1
    try:
        yield
    finally:
        _state.shields -= 1
    if not _state.shields and _state.pending and not _state.delivered:
        _state.pending = False
        _state.delivered = True
        raise KeyboardInterrupt


def take_pending() -> bool:
    """Whether an interrupt came during the shielded block; it is then handled (the run
    reports itself interrupted) and not raised afterwards."""
    _state = _states[-1]
    if _state.pending and not _state.delivered:
        _state.pending = False
        _state.delivered = True
        return True
    return False
