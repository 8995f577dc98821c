"""Where in the playbook each part of a scenario was made: key path -> ``(file, line)``.

A builder call records the line of the code that called it (the first frame
outside ``scenario_engine``), so an error found later -- by ``build()``, by a
plugin rejecting its parameters, by ``check`` -- is reported at the line that
wrote the offending call, in the file that holds it (an included playbook
too), not only by its key path.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Made", "caller", "key_prefixes", "record"]

#: ``(absolute file name, line)`` of one builder call
Made = tuple[str, int]

_COLLECTIONS = (
    "systems", "services", "generators", "steps", "chaos", "relays", "expectations", "topics"
)


def caller() -> Made | None:
    """The file and line of the innermost frame outside the engine's own package."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not (name == "scenario_engine" or name.startswith("scenario_engine.")):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None  # pragma: no cover - a builder is always called from somewhere


def record(
    made: Mapping[str, Made],
    old: Any,
    changes: Mapping[str, Any],
    where: Made | None,
    given: Mapping[str, Made] | None = None,
) -> dict[str, Made]:
    """``made`` plus an entry for each field or new collection item in ``changes``.

    ``old`` is the plan before the change; an item appended to a collection is
    ``name[i]``; ``given`` carries entries made elsewhere (an included playbook's).
    """
    out = dict(made)
    for name, value in changes.items():
        if name in _COLLECTIONS:
            for i in range(len(getattr(old, name)), len(value)):
                key = f"{name}[{i}]"
                found = (given or {}).get(key, where)
                if found is not None:
                    out[key] = found
        elif where is not None:
            out[name] = where
    out.update((key, found) for key, found in (given or {}).items() if "." in key)
    return out


def key_prefixes(path: str) -> Iterator[str]:
    """``steps[0].profile.name``, ``steps[0].profile``, ``steps[0]``, ``steps``: longest first."""
    end = len(path)
    while end > 0:
        yield path[:end]
        cut = max(path.rfind(".", 0, end), path.rfind("[", 0, end))
        if cut <= 0:
            break
        end = cut
