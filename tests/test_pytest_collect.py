"""``pytest playbooks/``: each scenario of each playbook is a test item (pytester runs)."""

from __future__ import annotations

import re

import pytest

# imported before pytester's in-process runs, which drop modules first imported inside a run:
# the facade's cached classes and the loader's must stay the same objects
from scenario_engine import Count, Never, Scenario  # noqa: F401

PASSING = """
from scenario_engine import Count, Scenario

ticks = (Scenario("ticks", seed=1).tags("smoke").generator("counter", topic="tick", every="1s")
         .phase("p", cycles=3).expect(Count("tick", exact=3)))
quiet = (Scenario("quiet", seed=2).generator("counter", topic="tick", every="1s")
         .phase("p", cycles=2).expect(Count("tick", min=1)))
"""
FAILING = """
from scenario_engine import Count, Scenario

short = (Scenario("short", seed=7).tags("smoke", "nightly")
         .generator("counter", topic="tick", every="1s")
         .phase("p", cycles=3).expect(Count("tick", exact=4)))
"""
EXPECTED = """
from scenario_engine import Never, Scenario

EXPECTED_EXIT = 1

broken = (Scenario("broken-on-purpose", seed=3).generator("counter", topic="tick", every="1s")
          .phase("p", cycles=2).expect(Never("tick")))
"""
SYSTEM = """
class Echo:  # a system under test, no scenarios: not collected
    def __init__(self, bus):
        self.bus = bus
"""


@pytest.fixture
def playbooks(pytester: pytest.Pytester) -> pytest.Pytester:
    folder = pytester.mkdir("playbooks")
    (folder / "passing.py").write_text(PASSING)
    (folder / "failing.py").write_text(FAILING)
    (folder / "expected.py").write_text(EXPECTED)
    (folder / "systems").mkdir()
    (folder / "systems" / "echo.py").write_text(SYSTEM)
    (folder / "test_not_a_playbook.py").write_text("def test_plain():\n    assert True\n")
    return pytester


def test_each_scenario_is_an_item_and_outcomes_follow_the_verdicts(playbooks) -> None:
    result = playbooks.runpytest("playbooks", "-v", "-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "playbooks/expected.py::broken-on-purpose XFAIL*",
            "playbooks/failing.py::short FAILED*",
            "playbooks/passing.py::ticks PASSED*",
            "playbooks/passing.py::quiet PASSED*",
        ]
    )


def test_a_failure_reads_like_the_console_summary(playbooks) -> None:
    result = playbooks.runpytest("playbooks/failing.py")
    text = re.sub(r"in \d+\.\d+s, [\d,.]+ events/s", "in Xs, R events/s", result.stdout.str())
    text = re.sub(r"report: \S+", "report: DIR", text)
    block = text[text.index("_ scenario short _") : text.index("short test summary")]
    assert block.splitlines()[1:11] == [
        (
            "FAIL short (seed 7, memory://, virtual clock): 3 events delivered, 0 dropped, "
            "3s clock time in Xs, R events/s"
        ),
        "  FAIL Count('tick', exact=4)",
        "       expected: exactly 4 'tick' events",
        "       actual:   saw 3",
        "         #1 t=0.000s tick {'index': 0, 'value': 0}",
        "         #2 t=1.000s tick {'index': 1, 'value': 1}",
        "         #3 t=2.000s tick {'index': 2, 'value': 2}",
        "  assertions: 0/1 held",
        "  report: DIR",
        f"replay: scenario play {playbooks.path / 'playbooks' / 'failing.py'} -k short --seed 7",
    ]
    assert "Traceback" not in text


def test_tags_are_markers_and_k_selects_by_name(playbooks) -> None:
    smoke = playbooks.runpytest("playbooks", "-m", "smoke")
    smoke.assert_outcomes(passed=1, failed=1, deselected=3)
    nightly = playbooks.runpytest("playbooks", "-m", "nightly and not smoke")
    nightly.assert_outcomes(deselected=5)
    named = playbooks.runpytest("playbooks", "-k", "quiet")
    named.assert_outcomes(passed=1, deselected=4)


def test_last_failed_reruns_exactly_the_failures(playbooks) -> None:
    playbooks.runpytest("playbooks").assert_outcomes(passed=3, failed=1, xfailed=1)
    again = playbooks.runpytest("playbooks", "--lf", "-v")
    again.assert_outcomes(failed=1)  # the other files are skipped whole
    again.stdout.fnmatch_lines(["playbooks/failing.py::short FAILED*"])


def test_xdist_runs_the_items_in_two_workers(playbooks) -> None:
    result = playbooks.runpytest_subprocess("playbooks", "-n", "2")
    result.assert_outcomes(passed=3, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_a_broken_playbook_is_a_located_collection_error(pytester: pytest.Pytester) -> None:
    folder = pytester.mkdir("playbooks")
    (folder / "bad.py").write_text(
        "from scenario_engine import Scenario\n\ns = Scenario('s').phase('p', cycles=0)\n"
    )
    result = pytester.runpytest("playbooks")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bad.py:3: *cycles must be an integer >= 1 (got 0)*"])
    assert "Traceback" not in result.stdout.str()


def test_glob_collects_playbooks_outside_a_playbooks_folder(pytester: pytest.Pytester) -> None:
    (pytester.mkdir("scenarios") / "one.py").write_text(PASSING)
    pytester.runpytest("scenarios").assert_outcomes()
    pytester.runpytest("scenarios", "--scenario-glob", "scenarios/*.py").assert_outcomes(passed=2)


def test_the_assertion_helper_renders_the_summary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_helper="""
        from scenario_engine import Count, Scenario
        from scenario_engine.testing import assert_passed

        def test_short(scenario_run):
            result = scenario_run(Scenario("helper", seed=4)
                                  .generator("counter", topic="tick", every="1s")
                                  .phase("p", cycles=2).expect(Count("tick", exact=5)))
            assert_passed(result)
    """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: FAIL helper (seed 4, memory://, virtual clock): *",
            "E         FAIL Count('tick', exact=5)",
            "E              expected: exactly 5 'tick' events",
            "E              actual:   saw 2",
            "E         assertions: 0/1 held",
        ]
    )


PLAN_CALLING_CODE = """
format = 1
[[plans]]
name = "planned"
steps = [{ type = "do", fn = { callable = "helpers:note" } }]
"""


def test_a_plan_file_calls_only_what_the_project_trusts(pytester: pytest.Pytester) -> None:
    folder = pytester.mkdir("playbooks")
    (folder / "planned.toml").write_text(PLAN_CALLING_CODE)
    (folder / "helpers.py").write_text("def note(ctx):\n    ctx.publish('noted', {})\n")
    refused = pytester.runpytest("playbooks", "-p", "no:randomly")
    refused.assert_outcomes(errors=1)
    refused.stdout.fnmatch_lines(["*untrusted reference 'helpers:note'*--trust helpers*"])
    pytester.makepyprojecttoml('[tool.scenario]\ntrust = ["helpers"]\n')
    trusted = pytester.runpytest("playbooks", "-p", "no:randomly")
    trusted.assert_outcomes(passed=1)
