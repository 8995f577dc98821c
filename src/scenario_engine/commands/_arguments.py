"""Command-line values checked before anything is loaded or run: speeds, bus URLs, folders.

A misused argument exits 2 with the value and a hint, never later as an
infrastructure error halfway through a run (a speed of ``nan`` that never
advances the clock, a report folder that turns out to be a file).
"""

from __future__ import annotations

import errno
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scenario_engine.errors import UsageError

__all__ = ["SpeedType", "check_bus_option", "writable_folder", "write_output"]

if TYPE_CHECKING:  # click >= 8.2 types ParamType by what it converts to; older click does not
    _FloatType = click.ParamType[float]
else:
    _FloatType = click.ParamType

#: the fastest wall clock a run may ask for
MAX_SPEED = 1_000_000.0


class SpeedType(_FloatType):
    """A finite speed multiplier > 0 (``nan`` and ``inf`` would stall or spin the clock)."""

    name = "FACTOR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"expected a number such as 2 or 0.5 (got {value!r})", param, ctx)
        if not math.isfinite(number) or number <= 0 or number > MAX_SPEED:
            self.fail(
                f"must be a finite number > 0 and <= {MAX_SPEED:g} (got {value!r})", param, ctx
            )
        return number


def check_bus_option(url: str | None) -> None:
    """``--bus ''`` or ``--bus localhost`` is a mistake, not a request for the memory bus."""
    if url is None:
        return
    if not url.strip():
        raise UsageError(
            f"--bus: expected a bus URL (got {url!r})",
            hint="memory://, redis://localhost:6379/0 or nats://localhost:4222; "
            "leave --bus out for the scenario's own bus",
        )
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise UsageError(
            f"--bus: expected a bus URL such as redis://{url}:6379/0 (got {url!r})",
            hint="a bus URL starts with its scheme: memory://, redis://, nats://",
        )


def _reason(err: OSError) -> str:
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "is not writable"
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return "is a file, or lies under one"
    if err.errno == errno.ENAMETOOLONG:
        return "has a name that is too long"
    return f"cannot be created: {err.strerror or err}"


def writable_folder(path: Path, option: str, *, create: bool = True) -> None:
    """Make sure files can be written in ``path`` (created if missing), or exit 2 saying why."""
    hint = f"give {option} a folder you can write to"
    try:
        if path.exists() and not path.is_dir():
            raise UsageError(f"{option} {path}: is a file, not a folder", hint=hint)
        if not path.exists() and not create:
            raise UsageError(
                f"{option} {path}: no such folder", hint=f"create it first (mkdir -p {path})"
            )
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise UsageError(f"{option} {path}: {_reason(err)}", hint=hint) from None
    if not os.access(path, os.W_OK | os.X_OK):  # pragma: no cover - TemporaryFile caught it
        raise UsageError(f"{option} {path}: is not writable", hint=hint)


def write_output(path: Path, text: str) -> None:
    """Write an output file the user named, or exit 2 saying why it cannot be written."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(
            f"-o {path}: {_reason(err)}", hint="give -o a file in a folder you can write to"
        ) from None
