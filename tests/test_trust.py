"""Hostile plan files: data never runs code the user has not trusted.

Every callable position of a plan, aimed at the shell, at ``exec``/``eval``,
at subprocesses, at ``importlib`` and at a module whose import leaves a
marker file, meets every command that reads plans -- ``check``, ``show``,
``compile``, ``play --dry-run`` and ``play`` -- in-process and through the
installed ``scenario`` command. Nothing is imported or called; each is exit 2
naming the reference, where it is, and the ``--trust`` flag. Trusted, the same
plans run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.config import ProjectConfig, load_project_config
from scenario_engine.errors import PlanError, UsageError
from scenario_engine.loaders import load_plans
from scenario_engine.plan import codec
from scenario_engine.plan.trust import Trust, apply_trust, references
from scenario_engine.plan.values import CallableRef

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SCENARIO = str(Path(sys.executable).with_name("scenario"))
MARKER = "trust_marker"

#: what a hostile plan aims at
TARGETS = [
    "os:system",
    "builtins:exec",
    "builtins:eval",
    "subprocess:getoutput",
    "subprocess:run",
    "importlib:import_module",
    "this:s",
    MARKER,  # the fixture's function for the position (see POSITIONS)
]


# --------------------------------------------------------------------------- plans


def _command(target: str) -> str:
    """What the payload's ``cmd`` says, so that a call of ``target`` on it would leave ``pwned``."""
    if target.startswith("builtins:"):
        return "open('pwned', 'w')"
    if target.startswith("importlib:"):
        return MARKER
    return "touch pwned"


def _base(target: str) -> dict[str, Any]:
    return {
        "name": "hostile",
        "generators": [
            {"topic": "t", "ref": {"name": "constant",
                                   "params": {"payload": {"cmd": _command(target)}}}}
        ],
        "steps": [{"type": "phase", "name": "p", "cycles": 2}],
    }


def _ref(target: str) -> dict[str, str]:
    return {"callable": target}


def _system(plan: dict[str, Any], target: str) -> str:
    plan.setdefault("systems", []).append({"target": _ref(target)})
    return f"systems[{len(plan['systems']) - 1}].target"


def _do(plan: dict[str, Any], target: str) -> str:
    plan["steps"].append({"type": "do", "fn": _ref(target)})
    return f"steps[{len(plan['steps']) - 1}].fn"


def _wait_for(plan: dict[str, Any], target: str) -> str:
    plan["steps"].append({"type": "publish", "topic": "t", "payload": {"cmd": "echo x"}})
    plan["steps"].append({"type": "wait_for", "topic": "t", "timeout": "2s",
                          "where": _ref(target)})
    return f"steps[{len(plan['steps']) - 1}].where"


def _where_value(plan: dict[str, Any], target: str) -> str:
    plan["steps"].append({"type": "publish", "topic": "t", "payload": {"cmd": "echo x"}})
    plan["steps"].append({"type": "wait_for", "topic": "t", "timeout": "1s",
                          "where": {"cmd": _ref(target)}})
    return f"steps[{len(plan['steps']) - 1}].where.cmd"


def _chaos_where(plan: dict[str, Any], target: str) -> str:
    plan.setdefault("chaos", []).append(
        {"action": {"name": "drop"}, "triggers": {"topics": ["t"], "where": _ref(target)}}
    )
    return f"chaos[{len(plan['chaos']) - 1}].triggers.where"


def _transform(plan: dict[str, Any], target: str) -> str:
    plan.setdefault("chaos", []).append(
        {"action": {"name": "modify", "params": {"path": "cmd", "transform": _ref(target)}},
         "triggers": {"topics": ["t"]}}
    )
    return f"chaos[{len(plan['chaos']) - 1}].action.params.transform"


def _custom(plan: dict[str, Any], target: str) -> str:
    plan.setdefault("expectations", []).append({"name": "custom", "params": {"fn": _ref(target)}})
    return f"expectations[{len(plan['expectations']) - 1}].params.fn"


def _always(plan: dict[str, Any], target: str) -> str:
    plan.setdefault("expectations", []).append(
        {"name": "always", "params": {"topic": "t", "predicate": _ref(target)}}
    )
    return f"expectations[{len(plan['expectations']) - 1}].params.predicate"


def _vars(plan: dict[str, Any], target: str) -> str:
    plan.setdefault("vars", {})["f"] = _ref(target)
    return "vars.f"


#: position -> (how to put a reference there, the fixture's function for it, what calls it)
POSITIONS: dict[str, tuple[Callable[[dict[str, Any], str], str], str, str | None]] = {
    "system": (_system, "System", "system"),
    "do step": (_do, "do", "do"),
    "wait_for where": (_wait_for, "where", "where"),
    "value inside a where": (_where_value, "where", None),
    "chaos trigger where": (_chaos_where, "where", "where"),
    "Modify transform": (_transform, "transform", "transform"),
    "Custom assertion": (_custom, "check", "check"),
    "component parameter": (_always, "where", "where"),
    "vars": (_vars, "var", None),
}


def _target(target: str, position: str) -> str:
    return f"{MARKER}:{POSITIONS[position][1]}" if target == MARKER else target


def hostile_plan(
    positions: list[str], target: str, *more: str
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A plan with ``target`` (and ``more``) at each of ``positions``; the (key path,
    reference) of each."""
    plan = _base(target)
    placed = []
    for each in (target, *more):
        for position in positions:
            ref = _target(each, position)
            placed.append((POSITIONS[position][0](plan, ref), ref))
    return {"format": 1, "plans": [plan]}, placed


def untrusted_line(source: Path, path: str, ref: str) -> str:
    module = ref.partition(":")[0]
    return (
        f"error: {source}:plans[0].{path}: untrusted reference {ref!r}: a plan file may call "
        f"code only from modules you trust, and {module!r} is not one (hint: if you trust "
        f'it: --trust {module}, or trust = ["{module}"] under [tool.scenario] in pyproject.toml)'
    )


COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "check": lambda plan, out: ["check", str(plan)],
    "show": lambda plan, out: ["show", str(plan)],
    "compile": lambda plan, out: ["compile", str(plan), "-o", str(out / "compiled.json")],
    "play --dry-run": lambda plan, out: ["play", str(plan), "--dry-run"],
    "play": lambda plan, out: ["play", str(plan), "--report-dir", str(out / "reports")],
}


# --------------------------------------------------------------------------- watching


_AUDIT: list[str] = []
_WATCHING: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCHING:
        return
    if event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn"):
        _AUDIT.append(f"{event} {args[0]!r}")
    elif event == "import" and args[0] in (MARKER, "this"):
        _AUDIT.append(f"import {args[0]}")


sys.addaudithook(_audit)


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder for markers; every audited call of the test in this process is recorded."""
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TRUST_MARKER_DIR", str(markers))
    monkeypatch.syspath_prepend(str(HOSTILE))
    monkeypatch.chdir(tmp_path)
    _AUDIT.clear()
    _WATCHING.append(True)
    yield markers
    _WATCHING.clear()


def _env(tmp_path: Path, markers: Path) -> dict[str, str]:
    rest = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HOSTILE), *([rest] if rest else [])]),
        "TRUST_MARKER_DIR": str(markers),
        "TRUST_AUDIT_FILE": str(tmp_path / "audit"),
    }


def scenario(
    *args: str, tmp_path: Path, markers: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed ``scenario`` command in a real process, audited by the fixture's
    sitecustomize (it records shell commands, processes, exec/eval and watched imports)."""
    assert shutil.which(SCENARIO), SCENARIO
    return subprocess.run(
        [SCENARIO, *args], check=False, capture_output=True, text=True,
        env=_env(tmp_path, markers), cwd=cwd or tmp_path, timeout=120,
    )


def _nothing_ran(markers: Path, tmp_path: Path) -> None:
    assert sorted(p.name for p in markers.iterdir()) == []
    assert not (tmp_path / "pwned").exists()
    audit = tmp_path / "audit"
    assert not audit.exists(), audit.read_text()


# --------------------------------------------------------------------------- in-process


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("position", list(POSITIONS))
def test_an_untrusted_reference_runs_nothing_in_process(
    position: str, target: str, command: str, watched: Path, tmp_path: Path
) -> None:
    data, [(path, ref)] = hostile_plan([position], target)
    plan = tmp_path / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    before = {MARKER, "this"} & set(sys.modules)
    result = CliRunner().invoke(main, COMMANDS[command](plan, tmp_path), catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == untrusted_line(plan, path, ref)
    assert result.stdout == ""
    assert _AUDIT == []
    assert {MARKER, "this"} & set(sys.modules) == before
    _nothing_ran(watched, tmp_path)
    assert not (tmp_path / "compiled.json").exists()
    assert not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- real processes


def _vars_once(data: dict[str, Any], placed: list[tuple[str, str]]) -> None:
    """``vars.f`` holds one reference: the last one placed there wins, as in a table."""
    last = data["plans"][0]["vars"]["f"]["callable"]
    placed[:] = [(path, ref) for path, ref in placed if path != "vars.f" or ref == last]


@pytest.mark.parametrize(
    ("command", "targets"),
    [(command, TARGETS) for command in COMMANDS]
    + [("play", [target]) for target in TARGETS],
    ids=[*COMMANDS, *(f"play-{t}" for t in TARGETS)],
)
def test_the_scenario_command_names_every_untrusted_reference_and_runs_nothing(
    command: str, targets: list[str], tmp_path: Path
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    data, placed = hostile_plan(list(POSITIONS), *targets)
    _vars_once(data, placed)
    plan = tmp_path / "hostile.json"
    plan.write_text(json.dumps(data))
    done = scenario(*COMMANDS[command](plan, tmp_path), tmp_path=tmp_path, markers=markers)
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    if command != "check":  # a PlanError of several problems is one message
        errors = [f"error: {line[4:]}" for line in done.stderr.splitlines() if line.startswith(
            "  - ")]
    assert sorted(errors) == sorted(untrusted_line(plan, path, ref) for path, ref in placed)
    assert "Traceback" not in done.stderr
    assert "Zen of Python" not in done.stdout
    _nothing_ran(markers, tmp_path)
    assert not (tmp_path / "compiled.json").exists()
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("position", list(POSITIONS))
def test_with_trust_the_same_plan_runs_and_its_callable_is_called(
    position: str, tmp_path: Path
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    data, _ = hostile_plan([position], MARKER)
    plan = tmp_path / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    done = scenario("play", str(plan), "--trust", MARKER, tmp_path=tmp_path, markers=markers)
    assert "untrusted" not in done.stderr
    assert "Traceback" not in done.stderr
    expected = 1 if position == "value inside a where" else 0  # a function equals no payload
    assert done.returncode == expected, done.stdout + done.stderr
    assert (markers / "imported").exists()
    calls = (markers / "called").read_text().split() if (markers / "called").exists() else []
    called = POSITIONS[position][2]
    assert (called in calls) if called else calls == []


def test_check_show_and_compile_of_a_trusted_plan_still_import_nothing(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    data, placed = hostile_plan(list(POSITIONS), MARKER)
    plan = tmp_path / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    trust = ("--trust", MARKER)
    checked = scenario("check", str(plan), *trust, tmp_path=tmp_path, markers=markers)
    assert (checked.returncode, checked.stdout) == (0, f"ok: {plan} (1 scenario)\n")
    shown = scenario("show", str(plan), *trust, tmp_path=tmp_path, markers=markers)
    assert shown.returncode == 0, shown.stderr
    for _, ref in placed:
        assert ref in shown.stdout
    out = tmp_path / "again.json"
    compiled = scenario("compile", str(plan), "-o", str(out), *trust, tmp_path=tmp_path,
                        markers=markers)
    assert compiled.returncode == 0, compiled.stderr
    assert sorted(target for _, target in placed) == sorted(
        ref.target for _, ref in references(codec.load_file(out)[0])
    )
    _nothing_ran(markers, tmp_path)


def test_show_prints_references_in_full(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    data, _ = hostile_plan(["Modify transform", "do step", "vars"], "os:system")
    plan = tmp_path / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    shown = scenario("show", str(plan), "--trust", "os", tmp_path=tmp_path, markers=markers)
    assert shown.returncode == 0, shown.stderr
    assert "  vars: f=os:system\n" in shown.stdout
    assert "    2. do os:system (os:system)\n" in shown.stdout
    assert "    Modify('t', path='cmd', transform=os:system)\n" in shown.stdout
    _nothing_ran(markers, tmp_path)


# --------------------------------------------------------------------------- where trust comes from


def test_trust_has_prefix_semantics_on_dotted_names() -> None:
    trust = Trust.of(["pkg", "other.sub"])
    assert [trust.allows(m) for m in ("pkg", "pkg.sub", "pkgx", "other", "other.sub.deep")] == [
        True, True, False, False, True,
    ]


def test_a_trust_flag_must_name_a_module(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "x.toml"), "--trust", "os:system"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --trust: 'os:system' is not a module name\n"
        "  hint: name a module, such as --trust mypkg or --trust mypkg.systems\n"
    )


def test_the_nearest_pyproject_trusts_modules_for_the_commands_run_under_it(
    tmp_path: Path,
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text(f'[tool.scenario]\ntrust = ["{MARKER}"]\n')
    data, _ = hostile_plan(["do step"], MARKER)
    plan = tmp_path / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    inside = scenario("play", str(plan), tmp_path=tmp_path, markers=markers, cwd=project / "sub")
    assert inside.returncode == 0, inside.stderr
    assert (markers / "called").read_text() == "do\n"
    assert load_project_config(project / "sub") == ProjectConfig(
        path=project / "pyproject.toml", trust=(MARKER,)
    )


def test_a_plan_cannot_grant_itself_trust(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    # neither a key of its own, nor a pyproject.toml travelling with it
    folder = tmp_path / "downloaded"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(f'[tool.scenario]\ntrust = ["{MARKER}", "os"]\n')
    data, [(path, ref)] = hostile_plan(["do step"], MARKER)
    plan = folder / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    work = tmp_path / "work"
    work.mkdir()
    done = scenario("play", str(plan), tmp_path=tmp_path, markers=markers, cwd=work)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == untrusted_line(plan, path, ref)
    data["trust"] = [MARKER]
    plan.write_text(tomli_w.dumps(data))
    keyed = scenario("check", str(plan), tmp_path=tmp_path, markers=markers, cwd=work)
    assert keyed.returncode == 2
    assert f"error: {plan}:trust: unknown key" in keyed.stderr
    _nothing_ran(markers, tmp_path)


def test_a_bad_trust_setting_names_the_file_and_the_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.scenario]\ntrust = "os"\ntrsut = 1\n')
    with pytest.raises(UsageError) as err:
        load_project_config(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'pyproject.toml'}: [tool.scenario] trust must be a list of strings "
        "(got 'os')\n  hint: trust = [\"mypkg\"]"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.scenario]\ntrsut = []\n")
    with pytest.raises(UsageError, match="has no setting 'trsut'") as err:
        load_project_config(tmp_path)
    assert err.value.hint == "did you mean 'trust'?"


def test_a_folder_without_pyproject_has_the_defaults(tmp_path: Path) -> None:
    assert not any((p / "pyproject.toml").exists() for p in (tmp_path, *tmp_path.parents))
    assert load_project_config(tmp_path) == ProjectConfig(path=None, trust=())


# --------------------------------------------------------------------------- the library


def test_every_loader_s_plans_pass_the_trust_gate(tmp_path: Path) -> None:
    data, [(path, _)] = hostile_plan(["Custom assertion"], "os:system")
    plan = tmp_path / "h.json"
    plan.write_text(json.dumps(data))
    with pytest.raises(PlanError) as err:
        load_plans([plan])
    assert [p.where for p in err.value.problems] == [f"{plan}:plans[0].{path}"]
    ((_, loaded),) = load_plans([plan], trust=Trust.of(["os"]))
    assert [r.trusted for _, r in references(loaded)] == [True]


def test_an_untrusted_reference_refuses_to_resolve_wherever_it_comes_from() -> None:
    ref = CallableRef("os:system")
    with pytest.raises(PlanError) as err:
        ref.resolve()
    assert "untrusted reference 'os:system'" in str(err.value)
    step = {"type": "do", "fn": {"callable": "os:getcwd"}}
    plan = codec.from_dict({"name": "s", "steps": [step]})
    (_, step_ref), = references(plan)
    assert not step_ref.trusted
    (_, trusted_ref), = references(apply_trust(plan, Trust.of(["os"])))
    assert trusted_ref.resolve() is os.getcwd


def test_the_replay_command_of_a_failed_plan_repeats_its_trust(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    data, _ = hostile_plan(["do step"], MARKER)
    data["plans"][0]["expectations"] = [{"name": "never", "params": {"topic": "t"}}]
    plan = tmp_path / "hostile.toml"
    plan.write_text(tomli_w.dumps(data))
    done = scenario("play", str(plan), "--trust", MARKER, tmp_path=tmp_path, markers=markers)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == (
        f"replay hostile: scenario play {plan} -k hostile --seed 0 --trust {MARKER}"
    )


@pytest.mark.parametrize("command", ["check", "show", "play"])
def test_a_template_that_walks_attributes_is_a_plan_error_before_anything_runs(
    command: str, watched: Path, tmp_path: Path
) -> None:
    data = {"format": 1, "plans": [{
        "name": "walk",
        "vars": {"f": {"callable": "os:getcwd"}, "x": "text"},
        "steps": [{"type": "publish", "topic": "t", "payload": {
            "env": "{{f.__globals__.environ}}", "mro": "{{x.__class__.__mro__}}", "f": "{{f}}",
        }}],
    }]}
    plan = tmp_path / "walk.toml"
    plan.write_text(tomli_w.dumps(data))
    result = CliRunner().invoke(main, [command, str(plan), "--trust", "os"] + (
        ["--report-dir", str(tmp_path / "reports")] if command == "play" else []))
    assert result.exit_code == 2
    where = f"{plan}:plans[0].steps[0].payload"
    hidden = ("a template never reads attributes or private names (hint: templates read "
              "variables, keys of tables and list indices, nothing else)")
    problems = [
        f"{where}.env: template '{{{{f.__globals__.environ}}}}' reads '__globals__': {hidden}",
        f"{where}.mro: template '{{{{x.__class__.__mro__}}}}' reads '__class__': {hidden}",
        (f"{where}.f: template '{{{{f}}}}' names 'f', a callable (os:getcwd): a template "
        "substitutes data, it never calls or shows code (hint: give the variable a string, "
        "number, list or table)"),
    ]
    assert [line.removeprefix("error: ").removeprefix("  - ") for line in
            result.stderr.splitlines() if line.startswith(("error: /", "  - "))] == problems
    assert not (tmp_path / "reports").exists()


def test_modify_cannot_reach_into_code_through_a_dunder_path(tmp_path: Path) -> None:
    data = {"format": 1, "plans": [{
        "name": "reach",
        "generators": [{"topic": "t", "ref": {"name": "counter"}}],
        "steps": [{"type": "phase", "name": "p", "cycles": 1}],
        "chaos": [{"action": {"name": "modify", "params": {
            "path": "__class__.__init__.__globals__.x", "value": 1}}}],
    }]}
    plan = tmp_path / "reach.toml"
    plan.write_text(tomli_w.dumps(data))
    result = CliRunner().invoke(main, ["check", str(plan)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: {plan}:plans[0].chaos[0].action.params.path: must name payload "
        "fields, not dunder attributes (got '__class__.__init__.__globals__.x')"
    )


@pytest.mark.parametrize("target", ["os:", ":system", "os:system()", "../evil:f", "os system:x",
                                    "os:sys tem", "os::system", "1os:f"])
def test_a_reference_must_be_two_dotted_python_names(target: str) -> None:
    with pytest.raises(PlanError) as err:
        codec.from_dict({"name": "s", "steps": [{"type": "do", "fn": {"callable": target}}]})
    assert str(err.value) == (
        f"steps[0].fn: must be {{callable = 'module:qualname'}} (got {{'callable': {target!r}}}) "
        "(hint: {callable = 'mypkg.systems:Echo'})"
    )


def test_the_gate_finds_references_in_every_parameter_table() -> None:
    ref = {"callable": "os:system"}
    plan = codec.from_dict({
        "name": "s",
        "vars": {"deep": {"list": [1, ref]}},
        "systems": [{"target": {"callable": "mypkg.sys:Desk"}, "params": {"hook": ref}}],
        "generators": [{"topic": "t", "ref": {"name": "template", "params": {"payload": ref}}}],
        "steps": [
            {"type": "phase", "name": "p", "cycles": 1,
             "profile": {"name": "steady", "params": {"fn": ref}}},
            {"type": "publish", "topic": "t", "payload": {"x": ref}},
            {"type": "check", "name": "c",
             "assertions": [{"name": "count", "params": {"topic": "t", "where": ref}}]},
        ],
    })
    with pytest.raises(PlanError) as err:
        apply_trust(plan, Trust.of(["mypkg.sys"]), "plans[0]")
    assert [p.where for p in err.value.problems] == [
        "plans[0].vars.deep.list[1]",
        "plans[0].systems[0].params.hook",
        "plans[0].generators[0].ref.params.payload",
        "plans[0].steps[0].profile.params.fn",
        "plans[0].steps[1].payload.x",
        "plans[0].steps[2].assertions[0].params.where",
    ]
    trusted = apply_trust(plan, Trust.of(["os", "mypkg"]))
    assert all(r.trusted for _, r in references(trusted))
