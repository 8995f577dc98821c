"""JUnit XML, so CI systems show each assertion and step as a test case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from scenario_engine.report.model import RunResult

__all__ = ["JUnitReporter", "junit_xml"]


def junit_xml(results: Iterable[RunResult]) -> bytes:
    """One ``<testsuite>`` per scenario; steps and assertions are its test cases."""
    suites = ET.Element("testsuites", name="scenario-engine")
    for result in results:
        cases = [
            (f"step {s.index}: {s.kind} {s.name}", s.status, s.message, s.detail)
            for s in result.steps
            if s.status != "passed"
        ]
        cases += [
            (
                f"{a.label} [{a.window}]" if a.window else a.label,
                "passed" if a.passed else "failed",
                f"expected {a.expected}; actual {a.actual}",
                a.explain(),
            )
            for a in result.assertions
        ]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=result.name,
            tests=str(len(cases)),
            failures=str(sum(1 for c in cases if c[1] == "failed")),
            errors=str(sum(1 for c in cases if c[1] == "error")),
            skipped=str(sum(1 for c in cases if c[1] == "skipped")),
            time=f"{result.wall_duration:.3f}",
        )
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="seed", value=str(result.seed))
        ET.SubElement(props, "property", name="replay", value=result.replay)
        for name, status, message, detail in cases:
            case = ET.SubElement(suite, "testcase", classname=result.name, name=name)
            if status in ("failed", "error"):
                tag = "failure" if status == "failed" else "error"
                ET.SubElement(case, tag, message=message).text = detail
            elif status == "skipped":
                ET.SubElement(case, "skipped")
    data: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return data


class JUnitReporter:
    """Reporter plugin: writes ``junit.xml`` under the run's directory."""

    def report(self, result: RunResult, directory: Path) -> Path | None:
        path = directory / "junit.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(junit_xml([result]))
        return path
