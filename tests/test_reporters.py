"""Reporters: console summary, report.json, JUnit XML and the HTML page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import orjson

from scenario_engine import Count, Delay, Scenario, Within
from scenario_engine.report.console import render_summary
from scenario_engine.report.html import HtmlReporter
from scenario_engine.report.junit import JUnitReporter
from scenario_engine.testing import run


class Answer:
    def __init__(self, bus):
        bus.subscribe("ask", lambda e: bus.publish("answer", {"n": e.payload["n"]}))


def failing(tmp_path: Path):
    scenario = (
        Scenario("reported", seed=2)
        .system(Answer)
        .publish("ask", {"n": "{{index}}"}, repeat=3, interval="1s")
        .chaos(Delay("answer", ms=400, max_times=1))
        .expect(Count("answer", exact=3))
        .expect(Within("ask", "answer", ms=100, by="n"))
    )
    return run(scenario, report_dir=tmp_path)


def test_report_json_holds_steps_assertions_chaos_and_statistics(tmp_path: Path) -> None:
    result = failing(tmp_path)
    report = orjson.loads((tmp_path / "reported" / "latest" / "report.json").read_bytes())
    assert report["status"] == "failed"
    assert report["exit_code"] == 1
    assert report["topics"] == {"ask": 3, "answer": 3}
    assert [a["passed"] for a in report["assertions"]] == [True, False]
    assert report["chaos"][0]["label"] == "Delay('answer', ms=400, max_times=1)"
    assert report["chaos"][0]["applied"] == 1
    assert report["virtual_duration"] == result.virtual_duration
    assert report["wall_duration"] > 0
    assert report["assertions"][1]["witnesses"][0]["topic"] == "ask"


def test_the_console_summary_leads_with_the_verdict_and_explains_failures(tmp_path: Path) -> None:
    lines = render_summary(failing(tmp_path)).splitlines()
    assert lines[0].startswith("FAIL reported (seed 2, memory://, virtual clock): 6 events")
    assert "  FAIL Within('ask', 'answer', ms=100, by='n') at 0.400s" in lines
    assert "       expected: every 'ask' followed by 'answer' within 100ms with the same n" in lines


def test_junit_xml_has_a_failure_per_failed_assertion(tmp_path: Path) -> None:
    result = failing(tmp_path)
    path = JUnitReporter().report(result, tmp_path)
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert "within 100ms" in failure.get("message", "")


def test_the_html_page_shows_verdict_assertions_chaos_and_a_timeline(tmp_path: Path) -> None:
    result = failing(tmp_path)
    page = HtmlReporter().report(result, tmp_path).read_text()
    assert "<span class='verdict failed'>FAILED</span>" in page
    assert "Within(&#x27;ask&#x27;, &#x27;answer&#x27;, ms=100, by=&#x27;n&#x27;)" in page
    assert "<h2>Timeline</h2>" in page
    assert page.count("<svg") == 2  # one lane per topic
    assert "Replay: <code>" not in page  # no source file: nothing to replay from
