"""Durations with units: ``"500ms"``, ``"5s"``, ``"2m"``, ``"1h"``, or plain seconds."""

from __future__ import annotations

import math
import re

__all__ = ["MAX_SECONDS", "DurationError", "format_duration", "parse_duration"]

#: the longest duration anything may last: 10 years (clock times stay printable dates)
MAX_SECONDS = 10 * 365 * 86400.0
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(us|ms|s|m|h)\s*$")


class DurationError(ValueError):
    """A value that is not a duration; the message says what is accepted."""


def parse_duration(value: object) -> float:
    """Return seconds for a number of seconds or a string with a unit."""
    if isinstance(value, bool):
        raise DurationError(f"expected a duration such as '500ms', '5s' or 2.5 (got {value!r})")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _PATTERN.match(value)
        if match is None:
            raise DurationError(
                f"expected a duration such as '500ms', '5s', '2m' or '1h' (got {value!r})"
            )
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise DurationError(f"expected a duration such as '500ms', '5s' or 2.5 (got {value!r})")
    if not math.isfinite(seconds):
        raise DurationError(f"a duration must be finite (got {value!r})")
    if seconds < 0:
        raise DurationError(f"a duration must be >= 0 (got {value!r})")
    if seconds > MAX_SECONDS:
        raise DurationError(f"a duration must be at most 10 years (got {value!r})")
    return seconds


def _plain(number: float) -> str:
    """A number without exponent notation or trailing zeros (``1e6`` → ``'1000000'``)."""
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def format_duration(seconds: float) -> str:
    """The shortest readable form that parses back: ``0.5`` → ``'500ms'``, ``90`` → ``'90s'``."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{_plain(seconds * 1000)}ms"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{_plain(seconds / 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{_plain(seconds / 60)}m"
    return f"{_plain(seconds)}s"
