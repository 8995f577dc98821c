"""Suites: folders collected, selected by name and tags, run in parallel, retried,
re-run from their last failures, reported as one JUnit file and one report.json."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest
import xmlschema
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.errors import UsageError
from scenario_engine.suite.collect import collect_files
from scenario_engine.suite.marks import compile_marks

REPO = Path(__file__).resolve().parents[1]
JUNIT_XSD = Path(__file__).parent / "fixtures" / "junit.xsd"

PASSING = """
from scenario_engine import Count, Scenario

calm = (Scenario("calm", seed=1).tags("smoke").generator("counter", topic="tick")
        .phase("p", cycles=3).expect(Count("tick", exact=3)))
"""
FAILING = """
from scenario_engine import Count, Scenario

off_by_one = (Scenario("off-by-one", seed=2).tags("slow").generator("counter", topic="tick")
              .phase("p", cycles=3).expect(Count("tick", exact=4)))
also_wrong = (Scenario("also-wrong", seed=3).tags("smoke", "slow")
              .generator("counter", topic="tick").phase("p", cycles=2)
              .expect(Count("tick", exact=1)))
"""
TAGGED = """
from scenario_engine import Count, Scenario

tagged = (Scenario("tagged").tags("xfail").generator("counter", topic="tick")
          .phase("p", cycles=1).expect(Count("tick", exact=2)))
"""
#: a wall-clock scenario whose do step fails until it has been called ``fails`` times
FLAKY = """
from pathlib import Path
from scenario_engine import Scenario

def touchy(ctx):
    counter = Path(ctx.vars["counter"])
    seen = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(seen + 1))
    if seen < int(ctx.vars["fails"]):
        raise RuntimeError(f"attempt {seen + 1} fails")

flaky = (Scenario("flaky").clock("wall", speed=100).generator("counter", topic="tick")
         .phase("p", cycles=2).do(touchy))
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def play(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["play", *args])
    return result.exit_code, result.output


def suite_report(report_dir: Path) -> dict:
    return orjson.loads((report_dir / "report.json").read_bytes())


def outcomes(report_dir: Path) -> dict[str, tuple[str, int]]:
    return {s["name"]: (s["outcome"], s["attempts"]) for s in suite_report(report_dir)["scenarios"]}


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "suite"
    write(folder, "good_book.py", PASSING)
    write(folder, "nested/bad_book.py", FAILING)
    return folder


# ----------------------------------------------------------------------------- collection


def test_collection_follows_the_rules(tmp_path: Path) -> None:
    write(tmp_path, "a_book.py", PASSING)
    write(tmp_path, "helpers.py", "VALUE = 1\n")  # never mentions the engine: not even run
    write(tmp_path, "deep/b_book.py", PASSING)
    write(tmp_path, "deep/plan.toml", 'format = 1\n[[plans]]\nname = "p"\n')
    write(tmp_path, "deep/data.json", '{"not": "a plan"}')
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path, ".hidden/c_book.py", PASSING)
    write(tmp_path, "_private/d_book.py", PASSING)
    write(tmp_path, "wip/e_book.py", PASSING)
    write(tmp_path, "__init__.py", "import scenario_engine\n")
    found = [p.relative_to(tmp_path).as_posix() for p, _ in collect_files([tmp_path], ["wip"])]
    assert found == ["a_book.py", "deep/b_book.py", "deep/plan.toml"]


def test_play_collects_a_folder_and_passes_over_helpers(tmp_path: Path) -> None:
    write(tmp_path, "book.py", PASSING)
    write(tmp_path, "support.py", "import scenario_engine\nHELPER = 1\n")
    code, output = play(str(tmp_path), "--report-dir", str(tmp_path / "out"))
    assert code == 0, output
    assert output.splitlines()[-1] == "1 passed, 0 failed (1 of 1 scenario(s) run)"


def test_a_broken_playbook_in_a_folder_is_exit_2_with_its_location(tmp_path: Path) -> None:
    write(tmp_path, "book.py", PASSING)
    write(tmp_path, "broken.py", "import scenario_engine\nraise ValueError('nope')\n")
    code, output = play(str(tmp_path), "--report-dir", str(tmp_path / "out"))
    assert code == 2
    assert f"error: {tmp_path / 'broken.py'}:2: ValueError: nope" in output


def test_a_folder_without_scenarios_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "helpers.py", "VALUE = 1\n")
    code, output = play(str(tmp_path), "--report-dir", str(tmp_path / "out"))
    assert code == 2
    assert f"error: no scenario found in {tmp_path}" in output


# ----------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("expression", "tags", "chosen"),
    [
        ("smoke", {"smoke"}, True),
        ("smoke and not slow", {"smoke", "slow"}, False),
        ("smoke or slow", {"slow"}, True),
        ("not (smoke or slow)", set(), True),
        ("nightly and (smoke or slow)", {"nightly", "slow"}, True),
    ],
)
def test_mark_expressions(expression: str, tags: set[str], chosen: bool) -> None:
    assert compile_marks(expression)(tags) is chosen


def test_a_malformed_mark_expression_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as err:
        compile_marks("smoke and (slow")
    assert str(err.value) == (
        "-m 'smoke and (slow': ends too early\n"
        "  hint: tags joined by and, or, not and parentheses: -m 'smoke and not slow'"
    )


def test_m_and_k_select(suite_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = play(str(suite_dir), "-m", "smoke and not slow", "--report-dir", str(out))
    assert code == 0, output
    assert list(outcomes(out)) == ["calm"]
    code, output = play(str(suite_dir), "-k", "*wrong", "--report-dir", str(out))
    assert code == 1
    assert list(outcomes(out)) == ["also-wrong"]
    code, output = play(str(suite_dir), "-m", "nightly", "--report-dir", str(out))
    assert code == 2
    assert "error: -m 'nightly' matches no scenario (tags found: slow, smoke)" in output


# ----------------------------------------------------------------------------- parallel


def test_playbooks_in_parallel_log_what_a_serial_run_logs(tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    code_serial, out_serial = play(str(REPO / "playbooks"), "--report-dir", str(serial))
    code_parallel, out_parallel = play(
        str(REPO / "playbooks"), "-n", "2", "--report-dir", str(parallel)
    )
    assert (code_serial, code_parallel) == (1, 1), out_serial + out_parallel
    logs = {
        folder: {
            s["name"]: Path(s["report_dir"]) / "events.jsonl"
            for s in suite_report(folder)["scenarios"]
        }
        for folder in (serial, parallel)
    }
    assert len(logs[serial]) >= 9
    assert logs[serial].keys() == logs[parallel].keys()
    for name, log in logs[serial].items():
        assert log.read_bytes() == logs[parallel][name].read_bytes(), name
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    for folder in (serial, parallel):
        schema.validate(folder / "junit.xml")
    assert outcomes(serial) == outcomes(parallel)
    report = suite_report(parallel)
    assert report["workers"] == 2
    assert report["exit_code"] == 1
    on_purpose = [  # the playbooks that fail on purpose say so
        e for e in report["scenarios"] if "EXPECTED_EXIT = 1" in Path(e["source"]).read_text()
    ]
    assert {e["outcome"] for e in on_purpose} == {"failed"}
    assert report["counts"] == {
        "passed": len(logs[serial]) - len(on_purpose),
        "failed": len(on_purpose),
    }


def test_jobs_must_be_auto_or_a_positive_number(suite_dir: Path) -> None:
    code, output = play(str(suite_dir), "-n", "zero")
    assert code == 2
    assert "expected 'auto' or a number >= 1 (got 'zero')" in output


# ----------------------------------------------------------------------------- last failures


def test_lf_runs_exactly_the_last_failures(suite_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _ = play(str(suite_dir), "--report-dir", str(out))
    assert code == 1
    assert outcomes(out) == {
        "calm": ("passed", 1),
        "off-by-one": ("failed", 1),
        "also-wrong": ("failed", 1),
    }
    code, output = play(str(suite_dir), "--lf", "--report-dir", str(out))
    assert code == 1
    assert "--lf: running the 2 scenario(s) that failed last" in output
    assert list(outcomes(out)) == ["off-by-one", "also-wrong"]
    # fix one: --lf now runs only the other
    write(suite_dir, "nested/bad_book.py", FAILING.replace("exact=4", "exact=3"))
    code, _ = play(str(suite_dir), "--lf", "--report-dir", str(out))
    assert code == 1
    code, _ = play(str(suite_dir), "--lf", "--report-dir", str(out))
    assert list(outcomes(out)) == ["also-wrong"]


def test_lf_with_nothing_recorded_runs_everything(suite_dir: Path, tmp_path: Path) -> None:
    code, output = play(str(suite_dir), "--lf", "--report-dir", str(tmp_path / "fresh"))
    assert code == 1
    assert "--lf: no failure recorded among these scenarios; running them all" in output
    assert len(outcomes(tmp_path / "fresh")) == 3


# ----------------------------------------------------------------------------- retries


def test_a_pass_after_a_retry_is_flaky(tmp_path: Path) -> None:
    book = write(tmp_path, "flaky_book.py", FLAKY)
    out = tmp_path / "out"
    code, output = play(
        str(book),
        "--retries",
        "2",
        "--retry-backoff",
        "10ms",
        "--var",
        f"counter={tmp_path / 'n'}",
        "--var",
        "fails=1",
        "--report-dir",
        str(out),
    )
    assert code == 0, output
    assert outcomes(out) == {"flaky": ("flaky", 2)}
    assert "outcome: flaky after 2 attempt(s)" in output
    assert "1 passed, 0 failed (1 of 1 scenario(s) run; 1 flaky)" in output.splitlines()
    assert "WARNING attempt 1 error; retrying in 0.01s [scenario=flaky]" in output.splitlines()


def test_retries_give_up_after_n(tmp_path: Path) -> None:
    book = write(tmp_path, "flaky_book.py", FLAKY)
    out = tmp_path / "out"
    code, _ = play(
        str(book),
        "--retries",
        "2",
        "--retry-backoff",
        "10ms",
        "--var",
        f"counter={tmp_path / 'n'}",
        "--var",
        "fails=5",
        "--report-dir",
        str(out),
    )
    assert code == 1
    assert outcomes(out) == {"flaky": ("error", 3)}
    assert (tmp_path / "n").read_text() == "3"


def test_a_virtual_clock_run_is_not_retried(suite_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _ = play(
        str(suite_dir), "--retries", "3", "--retry-backoff", "10ms", "--report-dir", str(out)
    )
    assert code == 1
    assert outcomes(out)["off-by-one"] == ("failed", 1)  # deterministic: the same again


# ----------------------------------------------------------------------------- expected outcomes


def test_expected_failures_do_not_fail_the_suite(tmp_path: Path) -> None:
    write(tmp_path, "good_book.py", PASSING)
    write(tmp_path, "known_book.py", 'EXPECTED = "fail"\n' + textwrap.dedent(FAILING))
    out = tmp_path / "out"
    code, output = play(str(tmp_path), "--report-dir", str(out))
    assert code == 0, output
    assert outcomes(out) == {
        "calm": ("passed", 1),
        "off-by-one": ("xfailed", 1),
        "also-wrong": ("xfailed", 1),
    }
    assert "replay" not in output
    xmlschema.XMLSchema(JUNIT_XSD).validate(out / "junit.xml")
    junit = (out / "junit.xml").read_text()
    assert "<failure" not in junit
    assert 'skipped message="expected to fail: expected exactly 4' in junit


def test_xfail_option_and_tag_mark_expected_failures(suite_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _ = play(
        str(suite_dir), "--xfail", "off-by-one", "--xfail", "calm", "--report-dir", str(out)
    )
    assert code == 1  # also-wrong still fails
    assert outcomes(out) == {
        "calm": ("xpassed", 1),
        "off-by-one": ("xfailed", 1),
        "also-wrong": ("failed", 1),
    }
    tagged = write(suite_dir, "tagged_book.py", TAGGED)
    code, _ = play(str(tagged), "--report-dir", str(out))
    assert code == 0
    assert outcomes(out) == {"tagged": ("xfailed", 1)}


ENDLESS = """
from scenario_engine import Count, Scenario

endless_{i} = (Scenario("endless-{i}", seed={i}).clock("wall", speed=20)
               .generator("counter", topic="tick", every="100ms")
               .phase("long", cycles=100000).expect(Count("tick", min=1)))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_parallel_suite_exits_130_with_partial_reports(
    signum: int, tmp_path: Path
) -> None:
    for i in range(3):
        write(tmp_path / "books", f"endless_{i}.py", ENDLESS.format(i=i))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            str(tmp_path / "books"),
            "-n",
            "2",
            "--report-dir",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline
        and len([p for p in out.rglob("events.jsonl") if p.stat().st_size > 300]) < 2
    ):
        time.sleep(0.05)
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Traceback" not in output
    assert output.count("INTERRUPTED endless-") == 2
    report = suite_report(out)
    assert report["exit_code"] == 130
    assert [s["outcome"] for s in report["scenarios"]] == ["interrupted", "interrupted"]
    assert report["not_run"] == 1
