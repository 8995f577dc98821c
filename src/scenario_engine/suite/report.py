"""What a suite leaves behind: one ``report.json`` and one JUnit XML for all its
scenarios, and the failures ``--lf`` runs again."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import orjson

from scenario_engine.report.junit import junit_xml
from scenario_engine.suite.model import FAILING, SuiteResult

__all__ = ["LASTFAILED", "read_lastfailed", "suite_junit", "suite_to_dict", "write_suite"]

#: under the report directory: the keys of the scenarios that failed last
LASTFAILED = ".lastfailed.json"


def suite_to_dict(suite: SuiteResult) -> dict[str, Any]:
    """The suite as plain data: counts, then one line per scenario pointing at its report."""
    return {
        "kind": "suite",
        "exit_code": suite.exit_code,
        "counts": suite.counts(),
        "not_run": suite.not_run,
        "wall_duration": round(suite.wall_duration, 3),
        "workers": suite.workers,
        "scenarios": [
            {
                "name": e.name,
                "source": e.source,
                "outcome": e.outcome,
                "status": e.result.status,
                "attempts": e.attempts,
                "xfail": e.xfail,
                "seed": e.result.seed,
                "wall_duration": round(e.result.wall_duration, 3),
                "failures": [a.label for a in e.result.failures],
                "error": e.result.error,
                "report_dir": e.result.report_dir,
                "replay": e.result.replay,
            }
            for e in suite.entries
        ],
    }


def suite_junit(suite: SuiteResult) -> bytes:
    """One JUnit document for the suite: a ``<testsuite>`` per scenario, with its outcome
    and attempts as properties; an expected failure's failures become ``<skipped>``."""
    root = ET.fromstring(junit_xml([e.result for e in suite.entries]))  # noqa: S314 - ours
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for entry, element in zip(suite.entries, root.findall("testsuite"), strict=True):
        props = element.find("properties")
        assert props is not None
        ET.SubElement(props, "property", name="outcome", value=entry.outcome)
        ET.SubElement(props, "property", name="attempts", value=str(entry.attempts))
        ET.SubElement(props, "property", name="source", value=entry.source)
        if entry.outcome == "xfailed":
            for case in element.findall("testcase"):
                for bad in [*case.findall("failure"), *case.findall("error")]:
                    case.remove(bad)
                    ET.SubElement(
                        case, "skipped", message=f"expected to fail: {bad.get('message', '')}"
                    )
        cases = element.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for name, value in counts.items():
            element.set(name, str(value))
            totals[name] += value
    for name, value in totals.items():
        root.set(name, str(value))
    root.set("time", f"{suite.wall_duration:.3f}")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def read_lastfailed(report_dir: Path) -> set[str]:
    """The keys (``/abs/path::name``) of the scenarios that failed in earlier suites."""
    path = report_dir / LASTFAILED
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return set()
    return {k for k in data if isinstance(k, str)} if isinstance(data, list) else set()


def write_suite(suite: SuiteResult, report_dir: Path, junit_path: Path | None = None) -> None:
    """``report.json`` and ``junit.xml`` at the top of ``report_dir``, and the failures:
    those of this suite replace what was known of the scenarios it ran."""
    report_dir.mkdir(parents=True, exist_ok=True)
    _atomic(
        report_dir / "report.json", orjson.dumps(suite_to_dict(suite), option=orjson.OPT_INDENT_2)
    )
    _atomic(junit_path or report_dir / "junit.xml", suite_junit(suite))
    ran = {e.key for e in suite.entries}
    failed = {e.key for e in suite.entries if e.outcome in FAILING or e.outcome == "interrupted"}
    known = (read_lastfailed(report_dir) - ran) | failed
    _atomic(report_dir / LASTFAILED, orjson.dumps(sorted(known), option=orjson.OPT_INDENT_2))


def _atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
