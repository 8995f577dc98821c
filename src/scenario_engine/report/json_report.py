"""``report.json``: the whole RunResult as plain JSON, for machines and for diffing runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import orjson

from scenario_engine.report.model import RunResult

__all__ = ["JsonReporter", "result_to_dict", "write_report"]


def result_to_dict(result: RunResult) -> dict[str, Any]:
    """Plain data for a result (witnesses and stats included)."""
    data = attrs.asdict(result, recurse=True)
    data["passed"] = result.passed
    data["exit_code"] = result.exit_code
    return data


def write_report(result: RunResult, path: Path) -> Path:
    """Write ``report.json`` atomically (a crash never leaves half a report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_bytes(
        orjson.dumps(
            result_to_dict(result),
            option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
            default=str,
        )
    )
    tmp.replace(path)
    return path


class JsonReporter:
    """Reporter plugin: writes ``report.json`` under the run's directory."""

    def report(self, result: RunResult, directory: Path) -> Path | None:
        return write_report(result, directory / "report.json")
