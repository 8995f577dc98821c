"""Project settings from ``[tool.scenario]`` in the nearest ``pyproject.toml``, and from
``SCENARIO_*`` environment variables.

The nearest file is the first found walking up from the directory a command
runs in: the user's own project, never a file that travels with a plan. A
folder without one has the defaults. An environment variable wins over the
file (``SCENARIO_REPORT_DIR`` over ``report_dir``), a command-line option
over both. Every key is checked, and a bad value is a usage error that names
the file and the key, or the variable.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from scenario_engine.errors import UsageError

__all__ = ["ENV_PREFIX", "ProjectConfig", "find_pyproject", "load_project_config"]

_SECTION = "tool.scenario"
ENV_PREFIX = "SCENARIO_"


@attrs.frozen(kw_only=True)
class ProjectConfig:
    """The settings of ``[tool.scenario]``; ``path`` is the file they came from (None: defaults).

    ``trust``: modules whose callables plan files may name. ``report_dir``,
    ``bus``, ``reporters``, ``seed``, ``jobs``, ``retries`` and
    ``retry_backoff`` are the defaults of ``scenario play``'s options;
    ``keep`` / ``keep_days`` prune old runs (failed ones are kept
    ``keep_failed_factor`` times longer); ``ignore`` lists patterns that suite
    collection skips; ``schedule_store`` is the SQLite file of ``scenario
    schedule``. None means "not set": the command's own default applies.
    """

    path: Path | None = None
    trust: tuple[str, ...] = ()
    report_dir: Path | None = None
    bus: str | None = None
    reporters: tuple[str, ...] = ()
    seed: int | None = None
    jobs: int | str | None = None
    retries: int | None = None
    retry_backoff: float | None = None
    keep: int | None = None
    keep_days: float | None = None
    keep_failed_factor: float = 3.0
    ignore: tuple[str, ...] = ()
    schedule_store: Path | None = None


def find_pyproject(start_dir: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start_dir``."""
    start = start_dir.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


class _BadValueError(ValueError):
    def __init__(self, expected: str, hint: str) -> None:
        super().__init__(expected)
        self.expected, self.hint = expected, hint


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _BadValueError("must be a list of strings", '["a", "b"]')
    return tuple(value)


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _BadValueError("must be a non-empty string", '"memory://"')
    return value


def _path(value: Any) -> Path:
    return Path(_string(value))


def _integer(value: Any, minimum: int = 0) -> int:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise _BadValueError("must be an integer", "3") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _BadValueError(f"must be an integer >= {minimum}", str(max(minimum, 1)))
    return value


def _number(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _BadValueError("must be a number >= 0", "1.5") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _BadValueError("must be a number >= 0", "1.5")
    return float(value)


def _seconds(value: Any) -> float:
    """Seconds, or a duration with units (``"250ms"``)."""
    if isinstance(value, str):
        from scenario_engine.durations import DurationError, parse_duration

        try:
            return parse_duration(value)
        except DurationError:
            raise _BadValueError("must be a duration", '"1s"') from None
    return _number(value)


def _jobs(value: Any) -> int | str:
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        return _integer(value, 1)
    except _BadValueError:
        raise _BadValueError("must be 'auto' or an integer >= 1", '"auto"') from None


#: key -> how its value is read; a new setting is one more line here and a field above
_KEYS: Mapping[str, Callable[[Any], Any]] = {
    "trust": _strings,
    "report_dir": _path,
    "bus": _string,
    "reporters": _strings,
    "seed": _integer,
    "jobs": _jobs,
    "retries": _integer,
    "retry_backoff": _seconds,
    "keep": lambda v: _integer(v, 1),
    "keep_days": _number,
    "keep_failed_factor": _number,
    "ignore": _strings,
    "schedule_store": _path,
}
#: settings the environment may give (``SCENARIO_<KEY>``); trust only comes from a file
_ENV_KEYS = tuple(k for k in _KEYS if k != "trust")


#: examples for hints, where the reader's generic one says less
_EXAMPLES = {"trust": '["mypkg"]', "ignore": '["wip", "*_draft.py"]', "reporters": '["junit"]'}


def _read(key: str, value: Any, where: str) -> Any:
    try:
        return _KEYS[key](value)
    except _BadValueError as err:
        example = _EXAMPLES.get(key, err.hint)
        raise UsageError(
            f"{where} {err.expected} (got {value!r})", hint=f"{key} = {example}"
        ) from None


def load_project_config(start_dir: Path, environ: Mapping[str, str] | None = None) -> ProjectConfig:
    """The settings of the project ``start_dir`` belongs to, with ``SCENARIO_*`` variables
    of ``environ`` (default: the process environment) over them.

    Raises:
        UsageError: the file is not valid TOML, or a key is unknown or of the wrong type.
    """
    environ = os.environ if environ is None else environ
    path = find_pyproject(start_dir)
    values: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise UsageError(f"{path}: cannot read the [{_SECTION}] settings: {err}") from None
        section = data.get("tool", {}).get("scenario", {})
        if not isinstance(section, Mapping):
            raise UsageError(f"{path}: [{_SECTION}] must be a table (got {section!r})")
        for key, value in section.items():
            if key not in _KEYS:
                import difflib

                close = difflib.get_close_matches(key, list(_KEYS), n=1)
                raise UsageError(
                    f"{path}: [{_SECTION}] has no setting {key!r}",
                    hint=f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(_KEYS),
                )
            values[key] = _read(key, value, f"{path}: [{_SECTION}] {key}")
    for key in _ENV_KEYS:
        name = ENV_PREFIX + key.upper()
        if environ.get(name, "") != "":
            raw: Any = environ[name]
            if _KEYS[key] is _strings:  # a list, comma-separated
                raw = [v.strip() for v in raw.split(",") if v.strip()]
            values[key] = _read(key, raw, name)
    return ProjectConfig(path=path, **values)
