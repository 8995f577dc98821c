"""Snapshots in a report: what a probe saw at each point, and how before and after differ.

The difference is a list of changes by JSON path, the way a person reads a
diff of two documents: ``$.balances.alice: 100 -> 90``, ``$.orders[3]: added 'o-3'``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = ["SnapshotResult", "json_diff"]


@attrs.frozen
class SnapshotResult:
    """One snapshot: the file of each point taken (``before``, ``after crash``, ``after``),
    the changes from ``before`` to ``after``, and an error if a probe failed."""

    name: str
    files: Mapping[str, str] = attrs.field(factory=dict)
    changes: tuple[str, ...] = ()
    error: str = ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _key(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def json_diff(before: Any, after: Any, path: str = "$") -> Iterator[str]:
    """The changes that turn ``before`` into ``after``, one line each, in key order."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted({*before, *after}, key=str):
            where = _key(path, key)
            if key not in after:
                yield f"{where}: removed {_short(before[key])}"
            elif key not in before:
                yield f"{where}: added {_short(after[key])}"
            else:
                yield from json_diff(before[key], after[key], where)
        return
    if isinstance(before, list) and isinstance(after, list):
        for i in range(max(len(before), len(after))):
            where = _key(path, i)
            if i >= len(after):
                yield f"{where}: removed {_short(before[i])}"
            elif i >= len(before):
                yield f"{where}: added {_short(after[i])}"
            else:
                yield from json_diff(before[i], after[i], where)
        return
    if before != after or type(before) is not type(after):
        yield f"{path}: {_short(before)} -> {_short(after)}"
