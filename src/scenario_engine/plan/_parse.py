"""A plan file's text to plain data, every failure a located plan error in the file's format.

Private to :mod:`scenario_engine.plan.codec`. Before the parser runs, the text
is scanned for nesting deeper than the bound (the parsers recurse per level);
after it, the data is checked for tables nested too deeply by dotted keys and,
in JSON, for keys given twice (TOML refuses those itself).
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan._fields import key_path
from scenario_engine.plan._limits import MAX_NESTING, scan_nesting, too_deep

__all__ = ["parse"]

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_DIGITS = re.compile(r"value has (\d+) digits")
_NESTING_HINT = "a plan needs a few levels; generate deep data in a system or a template"


def _syntax_problem(err: ValueError, fmt: str, source: str) -> Problem:
    name = fmt.upper()
    if isinstance(err, json.JSONDecodeError):
        return Problem(f"{source}:{err.lineno}:{err.colno}", f"invalid JSON: {err.msg}")
    text = str(err)
    digits = _DIGITS.search(text)
    if digits is not None:  # Python's guard against quadratic int parsing
        return Problem(
            source,
            f"invalid {name}: an integer with {digits.group(1)} digits",
            "integers in a plan are 64-bit: at most 19 digits",
        )
    match = _TOML_POSITION.search(text) if fmt == "toml" else None
    where = f"{source}:{match.group(1)}:{match.group(2)}" if match else source
    return Problem(where, f"invalid {name}: {_TOML_POSITION.sub('', text)}")


def _pairs(duplicates: list[str]) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    return hook


def parse(text: str, fmt: str, source: str) -> Any:
    """The plain data of a TOML or JSON plan file; raises :class:`PlanError`, located."""
    deep = scan_nesting(text, fmt)
    if deep is not None:
        raise PlanError([Problem(
            f"{source}:{deep[0]}:{deep[1]}",
            f"invalid {fmt.upper()}: nested more than {MAX_NESTING} levels deep",
            _NESTING_HINT,
        )])
    duplicates: list[str] = []
    try:
        data = (
            tomllib.loads(text)
            if fmt == "toml"
            else json.loads(text, object_pairs_hook=_pairs(duplicates))
        )
    except RecursionError:  # pragma: no cover - the scan above bounds the nesting
        raise PlanError([Problem(source, f"invalid {fmt.upper()}: nested too deeply")]) from None
    except ValueError as err:
        raise PlanError([_syntax_problem(err, fmt, source)]) from None
    if duplicates:
        raise PlanError([
            Problem(source, f"invalid JSON: the key {key!r} is given twice in one object",
                    "keep one of them")
            for key in dict.fromkeys(duplicates)
        ])
    path = too_deep(data)
    if path is not None:
        where = ""
        for key in path:
            where = key_path(where, key)
        prefix = f"{source}:" if source else ""
        raise PlanError([Problem(
            prefix + where, f"nested more than {MAX_NESTING} levels deep", _NESTING_HINT
        )])
    return data
