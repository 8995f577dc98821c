"""``[tool.scenario]`` and ``SCENARIO_*`` variables default ``scenario play``'s options;
the command line wins; global flags are accepted after the subcommand too."""

from __future__ import annotations

import textwrap
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scenario_engine.cli import hoist_global_flags, main
from scenario_engine.config import ProjectConfig, load_project_config
from scenario_engine.errors import UsageError

BOOK = """
from scenario_engine import Count, Scenario

calm = (Scenario("calm", seed=1).generator("counter", topic="tick")
        .phase("p", cycles=2).expect(Count("tick", exact=2)))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "calm_book.py").write_text(textwrap.dedent(BOOK))
    (tmp_path / "books" / "wip").mkdir()
    (tmp_path / "books" / "wip" / "broken_book.py").write_text("import scenario_engine\n1/0\n")
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent("""
        [tool.scenario]
        report_dir = "out"
        seed = 9
        jobs = 1
        retries = 0
        ignore = ["wip"]
    """)
    )
    monkeypatch.chdir(tmp_path)
    for name in ("SCENARIO_SEED", "SCENARIO_REPORT_DIR", "SCENARIO_JOBS", "SCENARIO_IGNORE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def seeds(report_dir: Path) -> list[int]:
    data = orjson.loads((report_dir / "report.json").read_bytes())
    return [s["seed"] for s in data["scenarios"]]


def test_the_project_settings_default_the_options(project: Path) -> None:
    result = CliRunner().invoke(main, ["play", "books"])
    assert result.exit_code == 0, result.output
    assert seeds(project / "out") == [9]  # report_dir and seed from the file; wip ignored


def test_an_environment_variable_wins_over_the_file(project: Path) -> None:
    result = CliRunner().invoke(main, ["play", "books"], env={"SCENARIO_SEED": "11"})
    assert result.exit_code == 0, result.output
    assert seeds(project / "out") == [11]


def test_the_command_line_wins_over_both(project: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["play", "books", "--seed", "12", "--report-dir", "elsewhere"],
        env={"SCENARIO_SEED": "11"},
    )
    assert result.exit_code == 0, result.output
    assert seeds(project / "elsewhere") == [12]
    assert not (project / "out").exists()


def test_an_unknown_setting_is_a_usage_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.scenario]\nsed = 3\n")
    result = CliRunner().invoke(main, ["play", "books"])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {project / 'pyproject.toml'}: [tool.scenario] has no setting 'sed'\n"
        "  hint: did you mean 'seed'?\n"
    )


def test_a_bad_environment_value_names_the_variable(project: Path) -> None:
    result = CliRunner().invoke(main, ["play", "books"], env={"SCENARIO_JOBS": "many"})
    assert result.exit_code == 2
    assert result.output == (
        "error: SCENARIO_JOBS must be 'auto' or an integer >= 1 (got 'many')\n"
        '  hint: jobs = "auto"\n'
    )


def test_every_setting_reads_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SCENARIO_REPORT_DIR": "r",
        "SCENARIO_BUS": "memory://",
        "SCENARIO_REPORTERS": "junit,html",
        "SCENARIO_SEED": "3",
        "SCENARIO_JOBS": "auto",
        "SCENARIO_RETRIES": "2",
        "SCENARIO_RETRY_BACKOFF": "250ms",
        "SCENARIO_KEEP": "5",
        "SCENARIO_KEEP_DAYS": "7",
        "SCENARIO_IGNORE": "wip, drafts",
    }
    assert load_project_config(tmp_path, env) == ProjectConfig(
        path=load_project_config(tmp_path, {}).path,
        report_dir=Path("r"),
        bus="memory://",
        reporters=("junit", "html"),
        seed=3,
        jobs="auto",
        retries=2,
        retry_backoff=0.25,
        keep=5,
        keep_days=7.0,
        ignore=("wip", "drafts"),
    )


def test_a_wrong_type_in_the_file_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.scenario]\nretries = "lots"\n')
    with pytest.raises(UsageError) as err:
        load_project_config(tmp_path, {})
    assert str(err.value) == (
        f"{tmp_path / 'pyproject.toml'}: [tool.scenario] retries must be an integer (got 'lots')"
        "\n  hint: retries = 3"
    )


@pytest.mark.parametrize(
    ("given", "hoisted"),
    [
        (["play", "x.py", "-v"], ["-v", "play", "x.py"]),
        (
            ["play", "x.py", "--debug", "-qq", "-k", "a"],
            ["--debug", "-qq", "play", "x.py", "-k", "a"],
        ),
        (["-v", "play", "x.py"], ["-v", "play", "x.py"]),
        (["play", "x.py", "--", "-v"], ["play", "x.py", "--", "-v"]),
        (["schedule", "add", "n", "p", "-vv"], ["-vv", "schedule", "add", "n", "p"]),
    ],
)
def test_global_flags_after_the_subcommand_move_before_it(
    given: list[str], hoisted: list[str]
) -> None:
    assert hoist_global_flags(given) == hoisted


def test_verbose_after_the_subcommand_is_honoured(project: Path) -> None:
    result = CliRunner().invoke(main, ["play", "books", "-v"])
    assert result.exit_code == 0, result.output
    assert "  step phase 'p': passed" in result.output
