"""Bad input of every kind gets one exact, located message -- from the library and the CLI.

Each case writes its files into a fresh directory (the working directory, so
messages carry short relative paths), then checks the library's error text
exactly; the cases with a command line also go through ``scenario`` and must
exit 2 with that text on stderr and no traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import click
import pytest
from click.testing import Result

from conftest import run_scenario
from scenario_engine.commands._common import VarType
from scenario_engine.errors import PlanError, Problem, ScenarioError, UsageError
from scenario_engine.loaders import Trust, load_plans
from scenario_engine.plan import codec
from scenario_engine.registry import check_components

HEADER = "from scenario_engine import *\n"
PLAN = 'format = 1\n[[plans]]\nname = "p"\n'


def load(path: str) -> None:
    load_plans([path])


def check(path: str) -> None:
    """What ``scenario check`` does for one file, raising every component problem."""
    problems = [p for _, plan in load_plans([path]) for p in check_components(plan)]
    if problems:
        raise PlanError(problems)


def check_trusting_gone(path: str) -> None:
    """``scenario check --trust gone``: the module is trusted, but there is none."""
    trusted = load_plans([path], trust=Trust(("gone",)))
    problems = [p for _, plan in trusted for p in check_components(plan)]
    if problems:
        raise PlanError(problems)


def compile_(path: str) -> None:
    codec.dumps([plan for _, plan in load_plans([path])])


def select_missing(path: str) -> None:
    load_plans([path], select="nope")


def bad_var(_: str) -> None:
    try:
        VarType().convert("user", None, None)
    except click.BadParameter as err:
        raise UsageError(err.message) from None


@attrs.frozen
class Case:
    """One kind of bad input: its files, how the library meets it, and what it must say."""

    kind: str
    files: dict[str, str]
    call: Callable[[str], None]
    message: str
    argv: tuple[str, ...] = ()  # through the CLI when given

    @property
    def path(self) -> str:
        return next(iter(self.files), "missing.py")


CASES = [
    Case("playbook raising at import", {"boom.py": "x = 1\nraise RuntimeError('no market')\n"},
         load, "boom.py:2: RuntimeError: no market", ("check", "boom.py")),
    Case("syntax error in a playbook", {"syn.py": "from x import (\n\nscenario = 1\n"},
         load, "syn.py:1: SyntaxError: '(' was never closed", ("show", "syn.py")),
    Case("probability out of range", {"prob.py": HEADER + "s = Scenario('s').chaos(\n"
                                      "    Drop('x', probability=2))\n"},
         load, "prob.py:3: Drop(probability=...): probability must be in [0, 1] (got 2)",
         ("compile", "prob.py")),
    Case("negative delay", {"neg.py": HEADER + "s = Scenario('s').chaos(Delay('x', ms=-5))\n"},
         load, "neg.py:2: Delay(ms=...): ms must be >= 0 (got -5)", ("check", "neg.py")),
    Case("min above max", {"bounds.py": HEADER + "s = Scenario('s').expect(Count('x', min=5, "
                                        "max=1))\n"},
         load, "bounds.py:2: Count('x', min=5, max=1): min must be <= max (got min=5, max=1)"),
    Case("bad duration string in a playbook",
         {"dur.py": HEADER + "s = Scenario('s').phase('p', duration='soon')\n"},
         load, "dur.py:2: Scenario('s').phase('p'): expected a duration such as '500ms', '5s', "
               "'2m' or '1h' (got 'soon')"),
    Case("unknown profile", {"prof.py": HEADER + "s = Scenario('s').phase('p', cycles=1, "
                                       "profile='stedy')\n"},
         check, "steps[0].profile.name: unknown profile 'stedy' (hint: did you mean 'steady'?)",
         ("check", "prof.py")),
    Case("unknown namespace", {"ns.py": HEADER + "s = Scenario('s').generator('acme.ticker', "
                                     "topic='t')\n"},
         check, "generators[0].ref.name: unknown generator 'acme.ticker' (hint: no installed "
                "plugin provides 'acme.*' names; install the pack that provides them; "
                "`scenario plugins` lists what is installed)",
         ("check", "ns.py")),
    Case("unknown component parameter", {"param.py": HEADER + "s = Scenario('s').phase('p', "
                                         "cycles=1, profile='steady', nois=0.1)\n"},
         check, "steps[0].profile.params.nois: profile 'steady' has no parameter 'nois' "
                "(hint: did you mean 'noise'?)"),
    Case("parameter value a component rejects", {"rejects.py": HEADER + "s = Scenario('s')"
                                                  ".phase('p', cycles=1, profile='steady', "
                                                  "noise=-1)\n"},
         check, "steps[0].profile.params.noise: must be >= 0 (got -1)", ("check", "rejects.py")),
    Case("callable a plan file does not trust",
         {"fn.toml": PLAN + '[[plans.steps]]\ntype = "do"\nfn = {callable = "gone:f"}\n'
                            '[[plans.expectations]]\nname = "custom"\n'
                            'params = {fn = {callable = "gone:f"}}\n'},
         check, "2 problems:\n"
                "  - fn.toml:plans[0].steps[0].fn: untrusted reference 'gone:f': a plan file may "
                "call code only from modules you trust, and 'gone' is not one (hint: if you "
                'trust it: --trust gone, or trust = ["gone"] under [tool.scenario] in '
                "pyproject.toml)\n"
                "  - fn.toml:plans[0].expectations[0].params.fn: untrusted reference 'gone:f': a "
                "plan file may call code only from modules you trust, and 'gone' is not one "
                '(hint: if you trust it: --trust gone, or trust = ["gone"] under '
                "[tool.scenario] in pyproject.toml)"),
    Case("callable a plan file cannot import",
         {"fn.toml": PLAN + '[[plans.steps]]\ntype = "do"\nfn = {callable = "gone:f"}\n'
                            '[[plans.expectations]]\nname = "custom"\n'
                            'params = {fn = {callable = "gone:f"}}\n'},
         check_trusting_gone, "2 problems:\n"
                "  - steps[0].fn: cannot import 'gone:f': ModuleNotFoundError: No module named "
                "'gone' (hint: the module must be importable (on sys.path) and define that name)\n"
                "  - expectations[0].params.fn: cannot import 'gone:f': ModuleNotFoundError: No "
                "module named 'gone' (hint: the module must be importable (on sys.path) and "
                "define that name)"),
    Case("unknown key in a plan file", {"key.toml": PLAN + "seeed = 3\n"},
         load, "key.toml:plans[0].seeed: unknown key (hint: did you mean 'seed'?)",
         ("check", "key.toml")),
    Case("wrong type in a plan file",
         {"type.toml": PLAN + '[[plans.steps]]\ntype = "phase"\nname = "a"\ncycles = "ten"\n'},
         load, "type.toml:plans[0].steps[0].cycles: must be an integer (got 'ten')",
         ("show", "type.toml")),
    Case("bad duration in a plan file",
         {"every.json": '{"format": 1, "plans": [{"name": "p", "generators": [{"ref": {"name": '
                        '"counter"}, "topic": "t", "every": "soon"}]}]}'},
         load, "every.json:plans[0].generators[0].every: expected a duration such as '500ms', "
               "'5s', '2m' or '1h' (got 'soon')"),
    Case("step without a type", {"notype.toml": PLAN + '[[plans.steps]]\nname = "a"\n'},
         load, "notype.toml:plans[0].steps[0].type: is required (hint: one of: phase, publish, "
               "wait_for, do, check, generate, replay)"),
    Case("wrong format version", {"v2.toml": 'format = 2\n[[plans]]\nname = "p"\n'},
         load, "v2.toml:format: unsupported plan format 2 (this scenario-engine reads format 1) "
               "(hint: recompile the playbook with `scenario compile`, or install the "
               "scenario-engine that wrote it)", ("check", "v2.toml")),
    Case("TOML syntax error", {"syntax.toml": 'format = 1\n[[plans]]\nname = "p\n'},
         load, "syntax.toml:3:10: invalid TOML: Illegal character '\\n'", ("check", "syntax.toml")),
    Case("JSON syntax error", {"syntax.json": '{"format": 1,\n  "plans": [,]}'},
         load, "syntax.json:2:13: invalid JSON: Expecting value"),
    Case("duplicate phase names", {"dup.py": HEADER + "\ns = (Scenario('s')\n"
                                   "     .phase('calm', cycles=1).phase('calm', cycles=2))\n"},
         load, "dup.py:4: scenario 's': steps[1].name: phase 'calm' is already defined at "
               "steps[0] (hint: give each phase its own name)", ("check", "dup.py")),
    Case("during an unknown phase", {"during.py": HEADER + "b = ChaosPlaybook('b').chaos(Drop('*'))"
                                     "\ns = Scenario('s').phase('crash', cycles=1)"
                                     ".include(b, during='crsh')\n"},
         load, "during.py:3: scenario 's': chaos[0].during: no phase named 'crsh' (phases: "
               "'crash') (hint: did you mean 'crash'?)", ("check", "during.py")),
    Case("two scenarios with one name", {"twins.py": HEADER + "a = Scenario('x')\n"
                                         "b = Scenario('x', seed=2)\n"},
         load, "twins.py: two different scenarios are named 'x' (variables a and b) (hint: give "
               "each its own name, or start a base scenario's variable with _ to keep it out of "
               "the run)"),
    Case("lambda in compile", {"lam.py": HEADER + "s = Scenario('s').do(lambda ctx: None)\n"},
         compile_, "scenario 's': steps[0].fn: a lambda defined at lam.py:2 (lam:<lambda>) "
                   "cannot be stored in a plan file: it is not importable by 'module:qualname' "
                   "(hint: define it at module level (a plain def in an importable module) and "
                   "pass that function)", ("compile", "lam.py")),
    Case("-k matching nothing", {"sel.py": HEADER + "a = Scenario('alpha')\n"},
         select_missing, "-k 'nope' matches no scenario (found: alpha)\n  hint: give a name or a "
                         "glob such as 'flash*'; several separated by commas",
         ("show", "sel.py", "-k", "nope")),
    Case("bad --var", {"var.py": HEADER + "a = Scenario('alpha')\n"},
         bad_var, "expected NAME=VALUE with NAME a variable name, such as user=alice "
                  "(got 'user')", ("show", "var.py", "--var", "user")),
    Case("missing file", {}, load, "missing.py: no such file", ("check", "missing.py")),
    Case("unknown suffix", {"plan.xml": "<x/>\n"},
         load, "plan.xml: no loader for '.xml' files (known: .json, .py, .toml, .yaml, .yml)\n"
               "  hint: give a .py playbook, a .toml / .json plan file or a .yaml event file",
         ("compile", "plan.xml")),
    Case("empty playbook", {"nothing.py": "x = 1\n"},
         load, "nothing.py: no scenario found (hint: define one at module level: "
               "scenario = Scenario('name').phase('calm', cycles=3))", ("check", "nothing.py")),
]


def test_there_are_more_than_twenty_distinct_kinds() -> None:
    assert len({case.kind for case in CASES}) == len(CASES) >= 20


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(case: Case, directory: Path) -> None:
    for name, text in case.files.items():
        (directory / name).write_text(text)


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_the_library_says_exactly_what_is_wrong_and_where(case: Case, workdir: Path) -> None:
    _write(case, workdir)
    with pytest.raises(ScenarioError) as err:
        case.call(case.path)
    assert str(err.value) == case.message
    if isinstance(err.value, PlanError):
        assert all(isinstance(p, Problem) for p in err.value.problems)
    assert err.value.exit_code == 2


WITH_CLI = [c for c in CASES if c.argv]


def _cli_text(case: Case) -> str:
    """The message as ``scenario`` prints it: check prefixes component problems with the file."""
    if case.call is check and case.argv[0] == "check":  # located at the line of the call
        return f"{case.path}:2: scenario 's': {case.message}"
    if case.call is compile_:
        return f"{case.path}: {case.message}"
    return case.message


@pytest.mark.parametrize("case", WITH_CLI, ids=[c.kind for c in WITH_CLI])
def test_the_cli_exits_2_with_the_same_message_and_no_traceback(
    case: Case, workdir: Path, cli: Callable[..., Result]
) -> None:
    _write(case, workdir)
    result = cli(*case.argv)
    assert result.exit_code == 2
    assert _cli_text(case) in result.stderr
    assert "Traceback" not in result.output


SUBPROCESS = [c for c in WITH_CLI if c.kind in (
    "playbook raising at import", "unknown key in a plan file", "lambda in compile", "bad --var",
    "TOML syntax error",
)]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c.kind for c in SUBPROCESS])
def test_a_real_process_exits_2_with_the_message_and_no_traceback(
    case: Case, workdir: Path
) -> None:
    _write(case, workdir)
    done = run_scenario(*case.argv, cwd=workdir)
    assert done.returncode == 2
    assert _cli_text(case) in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
