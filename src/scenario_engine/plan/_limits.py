"""Bounds on what a plan may hold, so that no input hangs, recurses or grows without end.

A plan file is data from anywhere: nesting a thousand arrays deep would
exhaust the parser's recursion, a 5,000-digit integer does not fit an event
log, an event every 1e-300 seconds never lets the clock move. Each bound
here is far above what a real scenario needs and is reported as a located
plan error naming the bound.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "MAX_COPIES",
    "MAX_EVENTS_PER_PHASE",
    "MAX_INT",
    "MAX_NAME",
    "MAX_NESTING",
    "MAX_REPEAT",
    "MAX_SPEED",
    "MAX_WINDOW",
    "MIN_EVERY",
    "MIN_INT",
    "int_in_range",
    "scan_nesting",
    "too_deep",
]

#: tables and arrays inside each other, counted from the top of the file
MAX_NESTING = 64
#: integers are 64-bit, as in TOML and in every event log reader
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
#: characters in a scenario name (it names a report folder)
MAX_NAME = 128
#: a generator's shortest period: 1 microsecond
MIN_EVERY = 1e-6
#: events one generator may emit in one phase
MAX_EVENTS_PER_PHASE = 10_000_000
#: publish repeat (every repetition is scheduled when the step starts)
MAX_REPEAT = 1_000_000
#: Duplicate copies per matched event
MAX_COPIES = 1_000
#: Reorder window
MAX_WINDOW = 100_000
#: clock speed multiplier
MAX_SPEED = 1_000_000.0


def int_in_range(value: int) -> bool:
    return MIN_INT <= value <= MAX_INT


def too_deep(data: Any, limit: int = MAX_NESTING) -> list[str | int] | None:
    """The key path of the first table or array nested deeper than ``limit``, else None.

    Iterative, so that the check itself cannot exhaust the recursion it guards.
    """
    stack: list[tuple[Any, list[str | int]]] = [(data, [])]
    while stack:
        node, path = stack.pop()
        children: Iterator[tuple[str | int, Any]]
        if isinstance(node, Mapping):
            children = iter(node.items())
        elif isinstance(node, list | tuple):
            children = enumerate(node)
        else:
            continue
        if len(path) >= limit:
            return path
        stack.extend((child, [*path, key]) for key, child in children)
    return None


def scan_nesting(text: str, fmt: str, limit: int = MAX_NESTING) -> tuple[int, int] | None:
    """``(line, column)`` of the first bracket that opens level ``limit + 1``, else None.

    A scan of the raw text before parsing (the parsers recurse per level):
    brackets inside strings and, in TOML, comments do not count.
    """
    depth = line = 1
    column = 0
    i, n = 0, len(text)
    toml = fmt == "toml"
    while i < n:
        char = text[i]
        column += 1
        if char == "\n":
            line, column = line + 1, 0
        elif char == '"' or (toml and char == "'"):
            i, line, column = _skip_string(text, i, line, column, toml)
            continue
        elif toml and char == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif char in "[{":
            depth += 1
            if depth > limit + 1:
                return line, column
        elif char in "]}":
            depth = max(1, depth - 1)
        i += 1
    return None


def _skip_string(text: str, i: int, line: int, column: int, toml: bool) -> tuple[int, int, int]:
    """Past the string starting at ``i`` (its position kept current for later errors)."""
    quote = text[i]
    triple = toml and text.startswith(quote * 3, i)
    delimiter = quote * 3 if triple else quote
    escapes = quote == '"'
    i += len(delimiter)
    column += len(delimiter) - 1
    n = len(text)
    while i < n:
        if escapes and text[i] == "\\":
            i += 2
            column += 2
            continue
        if text.startswith(delimiter, i):
            return i + len(delimiter), line, column + len(delimiter)
        if text[i] == "\n":
            if not triple:
                return i, line, column  # an unterminated string: the parser says so
            line, column = line + 1, 0
        else:
            column += 1
        i += 1
    return i, line, column
