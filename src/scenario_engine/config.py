"""Project settings from ``[tool.scenario]`` in the nearest ``pyproject.toml``.

The nearest file is the first found walking up from the directory a command
runs in: the user's own project, never a file that travels with a plan. A
folder without one has the defaults. Every key is checked, and a bad value
is a usage error that names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from scenario_engine.errors import UsageError

__all__ = ["ProjectConfig", "find_pyproject", "load_project_config"]

_SECTION = "tool.scenario"


@attrs.frozen(kw_only=True)
class ProjectConfig:
    """The settings of ``[tool.scenario]``; ``path`` is the file they came from (None: defaults).

    ``trust``: modules whose callables plan files may name (see
    :mod:`scenario_engine.plan.trust`).
    """

    path: Path | None = None
    trust: tuple[str, ...] = ()


def find_pyproject(start_dir: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start_dir``."""
    start = start_dir.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _strings(value: Any, path: Path, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(
            f"{path}: [{_SECTION}] {key} must be a list of strings (got {value!r})",
            hint=f'{key} = ["mypkg"]',
        )
    return tuple(value)


#: key -> how its value is read; a new setting is one more line here and a field above
_KEYS = {"trust": _strings}


def load_project_config(start_dir: Path) -> ProjectConfig:
    """The ``[tool.scenario]`` settings of the project ``start_dir`` belongs to.

    Raises:
        UsageError: the file is not valid TOML, or a key is unknown or of the wrong type.
    """
    path = find_pyproject(start_dir)
    if path is None:
        return ProjectConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise UsageError(f"{path}: cannot read the [{_SECTION}] settings: {err}") from None
    section = data.get("tool", {}).get("scenario", {})
    if not isinstance(section, Mapping):
        raise UsageError(f"{path}: [{_SECTION}] must be a table (got {section!r})")
    values: dict[str, Any] = {}
    for key, value in section.items():
        read = _KEYS.get(key)
        if read is None:
            import difflib

            close = difflib.get_close_matches(key, list(_KEYS), n=1)
            raise UsageError(
                f"{path}: [{_SECTION}] has no setting {key!r}",
                hint=f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(_KEYS),
            )
        values[key] = read(value, path, key)
    return ProjectConfig(path=path, **values)
