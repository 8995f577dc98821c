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
    assert page.count('<svg id="timeline"') == 1
    assert page.count('class="topic"') == 2  # one lane per topic: ask, answer
    assert page.count('class="chaos-marker" data-action="Delay(&#x27;answer&#x27;') == 1
    assert '<a href="#failure-1" class="failure-marker">' in page
    assert '<div class=failure id="failure-1">' in page
    assert page.count('class="latency-chart"') == 1
    assert "latency-histogram" in page
    assert "Replay:" not in page  # no source file: nothing to replay from
    assert "http://" not in page  # self-contained
    assert "https://" not in page


def test_the_html_page_draws_phases_and_says_when_nothing_is_asserted(tmp_path: Path) -> None:
    from scenario_engine import Drop
    from scenario_engine.testing import run

    scenario = (
        Scenario("phased", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("calm", cycles=5)
        .phase("storm", cycles=5)
        .chaos(Drop("tick", every=3))
    )
    result = run(scenario, report_dir=tmp_path)
    page = HtmlReporter().report(result, Path(result.report_dir)).read_text()
    assert page.count('<g class="phase-band">') == 2
    assert "<title>phase storm: 5.000s to 10.000s</title>" in page
    assert "this scenario states no assertions" in page
    assert "Drop(&#x27;tick&#x27;, every=3)</code> x3" in page  # the legend counts applications


def test_a_suite_page_links_every_scenario(tmp_path: Path) -> None:
    from scenario_engine.testing import run

    reporter = HtmlReporter()
    for name, exact in (("one", 2), ("two", 3)):
        scenario = (
            Scenario(name, seed=1)
            .generator("counter", topic="t", every="1s")
            .phase("p", cycles=2)
            .expect(Count("t", exact=exact))
        )
        result = run(scenario, report_dir=tmp_path)
        reporter.report(result, Path(result.report_dir))
    index = reporter.suite(tmp_path)
    assert index == tmp_path / "index.html"
    text = index.read_text()
    assert "1 of 2 passed" in text
    for name in ("one", "two"):
        [page] = (tmp_path / name).glob("*-seed*/report.html")
        assert f'href="{page.relative_to(tmp_path)}"' in text
