"""The ``scenario`` command: every subcommand through CliRunner and a real subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from conftest import FAKE_PLUGIN_SRC, PLAYBOOKS, pythonpath, run_scenario
from scenario_engine import cli as cli_module
from scenario_engine.commands._common import DurationType, VarType, run_command, setup_logging
from scenario_engine.plan import codec

Cli = Callable[..., Result]
DEMO = PLAYBOOKS / "demo.py"
MINE = ["check", "compile", "plugins", "show"]

DEMO_OUTLINE = f"""\
scenario 'demo'  seed=7  ({DEMO})
  Ticks through two phases.
  bus: memory:// (default)   clock: virtual (default)
  generators:
    counter(step=2) -> tick every 1s
  steps:
    1. phase warm: 3 cycles, profile steady
    2. phase hot: 2s, profile trend(rate=0.5)
    3. publish order {{'id': 'o-{{{{index}}}}'}} x2 every 500ms
    4. wait_for order (timeout 2s)
    5. do note (demo:note)
  chaos:
    Delay('tick', ms=250, at_cycle=2)
    Drop('tick', probability=0.1)  during hot  [from flaky]
  expect:
    Count('tick', min=1)
    Never('crash')
"""


# --------------------------------------------------------------------------- the group


def test_help_lists_every_command_with_its_one_line_help(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:\n")[1]
    for name, (_, short) in cli_module.COMMANDS.items():
        assert re.search(rf"^  {name}\s+{re.escape(short.split()[0])}", listed, re.MULTILINE)


def test_help_imports_neither_the_engine_nor_loguru_nor_any_plugin() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scenario_engine.cli", "--help"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "click" in imported
    forbidden = ("scenario_engine.runtime", "scenario_engine.dsl", "scenario_engine.plan",
                 "scenario_engine.registry", "scenario_engine.commands", "loguru", "attrs",
                 "cattrs", "scenario_trading", "scenario_redis", "scenario_nats", "rich")
    assert sorted(m for m in imported if m.startswith(forbidden)) == []


def test_version_comes_from_the_package_metadata(cli: Cli) -> None:
    result = cli("--version")
    assert result.stdout == f"scenario, version {version('scenario-engine')}\n"


@pytest.mark.parametrize("name", sorted(cli_module.COMMANDS))
def test_every_command_has_help_through_clirunner(cli: Cli, name: str) -> None:
    result = cli(name, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: scenario {name} ")


@pytest.mark.parametrize("name", MINE)
def test_every_command_has_help_in_a_subprocess(name: str) -> None:
    done = run_scenario(name, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: scenario {name} ")


def test_the_console_script_runs() -> None:
    script = Path(sys.executable).with_name("scenario")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: scenario [OPTIONS] COMMAND [ARGS]...")


def test_a_command_whose_module_is_missing_says_so_and_exits_3(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cli_module.COMMANDS, "ghost",
                        ("scenario_engine.commands.ghost:ghost", "Not written yet."))
    result = cli("ghost", "anything", "--flag")
    assert result.exit_code == 3
    assert result.stderr == (
        "error: the 'ghost' command is not available: cannot import "
        "scenario_engine.commands.ghost:ghost (ModuleNotFoundError: No module named "
        "'scenario_engine.commands.ghost')\n"
        "  hint: reinstall scenario-engine; rerun with --debug for the traceback\n"
    )


def test_a_command_table_entry_that_is_not_a_command_is_unavailable(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cli_module.COMMANDS, "odd", ("scenario_engine.cli:COMMANDS", "Odd."))
    result = cli("odd")
    assert result.exit_code == 3
    assert "scenario_engine.cli:COMMANDS is a dict, not a click command" in result.stderr


# --------------------------------------------------------------------------- compile


def test_compile_writes_toml_to_stdout_by_default(cli: Cli) -> None:
    result = cli("compile", str(DEMO))
    assert result.exit_code == 0, result.output
    plans = codec.loads(result.stdout, "toml")
    assert [p.name for p in plans] == ["demo", "demo-fast"]


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_compile_writes_the_format_of_the_output_suffix(
    cli: Cli, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"plan.{suffix}"
    result = cli("compile", str(DEMO), "-o", str(out), "-k", "demo")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"compiled 1 scenario from {DEMO} to {out}\n"
        f"note: {out} calls code from demo, which a plan file runs only when trusted: play it "
        'with --trust demo (or trust = ["demo"] under [tool.scenario] in pyproject.toml)\n'
        f"note: demo is found in {DEMO.parent}: keep {out} there, or put that folder on "
        "PYTHONPATH\n"
    )
    assert [p.name for p in codec.load_file(out)] == ["demo"]


def test_compile_in_a_subprocess_round_trips_through_show(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    assert run_scenario("-q", "compile", str(DEMO), "-o", str(out)).returncode == 0
    shown = run_scenario("show", str(out), "-k", "demo", "--trust", "demo")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == DEMO_OUTLINE.replace(str(DEMO), str(out))


def test_compile_refuses_a_lambda_with_where_it_is(cli: Cli) -> None:
    result = cli("compile", str(PLAYBOOKS / "inline_fn.py"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {PLAYBOOKS / 'inline_fn.py'}: scenario 'inline': steps[1].fn: a lambda defined "
        "at inline_fn.py:8 (inline_fn:<lambda>) cannot be stored in a plan file: it is not "
        "importable by 'module:qualname' (hint: define it at module level (a plain def in an "
        "importable module) and pass that function)\n"
    )


def test_compile_refuses_an_output_of_unknown_format(cli: Cli, tmp_path: Path) -> None:
    result = cli("compile", str(DEMO), "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 2
    assert "a plan file must end in .toml or .json (got '.yaml')" in result.stderr


# --------------------------------------------------------------------------- show


def test_show_outlines_steps_chaos_and_assertions_as_the_dsl_writes_them(cli: Cli) -> None:
    result = cli("show", str(DEMO), "-k", "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout == DEMO_OUTLINE


def test_show_separates_several_scenarios_and_takes_variables(cli: Cli) -> None:
    result = cli("show", str(DEMO), "--var", "user=bob")
    assert result.stdout.count("scenario '") == 2
    assert "\n\nscenario 'demo-fast'  seed=0" in result.stdout
    assert "  vars: user='bob'\n" in result.stdout


# --------------------------------------------------------------------------- check


def test_check_says_ok_with_the_number_of_scenarios(cli: Cli) -> None:
    result = cli("check", str(DEMO))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: {DEMO} (2 scenarios)\n"


def test_check_reports_every_problem_of_every_file_and_exits_2(cli: Cli, write: Callable[
        [str, str], Path]) -> None:
    bad = write("bad_components.py", (
        "from scenario_engine import Scenario\n"
        "s = Scenario('s').generator('countr', topic='t').phase('p', cycles=1, profile='steady',"
        " nois=1)\n"
    ))
    missing = bad.with_name("missing.toml")
    result = cli("check", str(DEMO), str(bad), str(missing))
    assert result.exit_code == 2
    assert result.stdout == f"ok: {DEMO} (2 scenarios)\n"
    assert result.stderr.splitlines() == [
        (f"error: {bad}:2: scenario 's': generators[0].ref.name: unknown generator 'countr' "
        "(hint: did you mean 'counter'?)"),
        (f"error: {bad}:2: scenario 's': steps[0].profile.params.nois: profile 'steady' has no "
        "parameter 'nois' (hint: did you mean 'noise'?)"),
        f"error: {missing}: no such file",
        "2 of 3 files had problems",
    ]


def test_check_uses_third_party_components_in_a_subprocess(fake_site: Path) -> None:
    done = run_scenario("check", str(PLAYBOOKS / "fake_components.py"),
                        env=pythonpath(fake_site, FAKE_PLUGIN_SRC))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"ok: {PLAYBOOKS / 'fake_components.py'} (1 scenario)\n"


# --------------------------------------------------------------------------- plugins


def test_plugins_lists_groups_names_and_distributions(cli: Cli, fake_site: Path) -> None:
    result = cli("plugins", "--kind", "profile")
    assert result.exit_code == 0
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert lines[0] == "scenario_engine.profiles (profile)"
    assert "fake.flat fake_scenario_plugin.components:flat fake-scenario-plugin 1.2.3" in lines
    core = f"scenario-engine {version('scenario-engine')}"
    assert f"steady scenario_engine.profiles.basic:Steady {core}" in lines


def test_plugins_check_marks_the_broken_and_exits_3(cli: Cli, fake_site: Path) -> None:
    result = cli("plugins", "--kind", "generator", "--check")
    assert result.exit_code == 3
    assert (
        "    BROKEN: generator 'fake.constant' (fake_scenario_plugin.components:NOT_A_FACTORY, "
        "from fake-scenario-plugin 1.2.3) is not a factory: got int"
    ) in result.stdout.splitlines()
    assert re.fullmatch(r"2 of \d+ components are broken\n", result.stderr)


# --------------------------------------------------------------------------- errors and options


def test_an_internal_error_exits_3_without_a_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(codec, "dumps", explode)
    result = cli("compile", str(DEMO))
    assert result.exit_code == 3
    assert result.stderr == (
        "error: internal error: RuntimeError: disk on fire\n"
        "  hint: this is a bug in scenario-engine or a plugin; rerun with --debug for the "
        "traceback\n"
    )


def test_debug_shows_the_traceback(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(codec, "dumps", explode)
    result = cli("--debug", "compile", str(DEMO))
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "error: internal error: RuntimeError: disk on fire" in result.stderr


def test_ctrl_c_exits_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(codec, "dumps", interrupt)
    result = cli("compile", str(DEMO))
    assert (result.exit_code, result.stderr) == (130, "error: interrupted\n")


def test_a_bad_var_is_a_usage_error(cli: Cli) -> None:
    result = cli("show", str(DEMO), "--var", "user")
    assert result.exit_code == 2
    assert ("Invalid value for '--var' / '--variable': expected NAME=VALUE with NAME a "
            "variable name, such as user=alice (got 'user')") in result.stderr


def test_a_var_value_may_hold_equals_signs() -> None:
    assert VarType().convert("query=a=b", None, None) == ("query", "a=b")


def test_a_duration_option_takes_units_and_rejects_nonsense() -> None:
    @click.command()
    @click.option("--wait", type=DurationType(), default="1s")
    @run_command
    def command(wait: float) -> None:
        click.echo(repr(wait))

    runner = CliRunner()
    assert runner.invoke(command, ["--wait", "250ms"]).stdout == "0.25\n"
    bad = runner.invoke(command, ["--wait", "soon"])
    assert bad.exit_code == 2
    assert ("Invalid value for '--wait': expected a duration such as '500ms', '5s', '2m' or "
            "'1h' (got 'soon')") in bad.stderr


def test_logging_is_quiet_by_default_and_louder_with_v(capsys: pytest.CaptureFixture[str]) -> None:
    code = "from loguru import logger\nlogger.info('hello')\nlogger.debug('details')\n"
    try:
        setup_logging(0)
        exec(code, {"__name__": "scenario_engine.demo"})
        assert capsys.readouterr().err == ""
        setup_logging(1)
        exec(code, {"__name__": "scenario_engine.demo"})
        assert capsys.readouterr().err == "INFO    hello\n"
        setup_logging(2)
        exec("from loguru import logger\nlogger.bind(run='r1').debug('x')",
             {"__name__": "scenario_engine.demo"})
        assert capsys.readouterr().err == "DEBUG   x [run=r1]\n"
    finally:
        from loguru import logger

        logger.remove()
        logger.disable("scenario_engine")


def test_the_package_logger_stays_silent_until_the_cli_enables_it() -> None:
    code = (
        "import sys\n"
        "import scenario_engine\n"
        "assert 'loguru' not in sys.modules\n"
        "from loguru import logger\n"
        "logger.remove()\n"
        "logger.add(sys.stdout, format='{message}')\n"
        "exec('from loguru import logger; logger.warning(\"hidden\")', "
        "{'__name__': 'scenario_engine.x'})\n"
        "exec('from loguru import logger; logger.warning(\"shown\")', {'__name__': 'app'})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout) == (0, "shown\n"), done.stderr
