"""Loaders: playbooks run as modules, plan files read as data, chosen by suffix."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import PLAYBOOKS
from scenario_engine.errors import PlanError, PlaybookError, PluginError, UsageError
from scenario_engine.loaders import Trust, load_plans, loader_for
from scenario_engine.loaders.playbook import load_playbook
from scenario_engine.loaders.select import matches
from scenario_engine.plan import codec
from scenario_engine.plan.values import resolve_target

Write = Callable[[str, str], Path]

HEADER = "from scenario_engine import Scenario, Delay, Count, Plan\n"


def names(found: list[tuple[Path, object]]) -> list[str]:
    return [plan.name for _, plan in found]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- playbooks


def test_loads_every_public_module_level_scenario_in_definition_order() -> None:
    assert names(load_plans([PLAYBOOKS / "demo.py"])) == ["demo", "demo-fast"]


def test_a_playbook_runs_as_a_module_so_its_functions_resolve_by_name() -> None:
    (_, plan), _ = load_plans([PLAYBOOKS / "demo.py"])
    step = next(s for s in plan.steps if type(s).__name__ == "DoStep")
    assert step.fn.target == "demo:note"  # type: ignore[union-attr]
    assert resolve_target("demo:note") is sys.modules["demo"].note


def test_collects_plans_and_lists_and_skips_private_names(write: Write) -> None:
    path = write("mixed.py", HEADER + (
        "_base = Scenario('base').phase('calm', cycles=1)\n"
        "built = _base.phase('more', cycles=1).build()\n"
        "family = [Scenario(f'f{i}') for i in range(2)]\n"
        "again = family[0]\n"
    ))
    assert [p.name for p in load_playbook(path, {})] == ["base", "f0", "f1"]


def test_two_different_scenarios_with_one_name_are_refused(write: Write) -> None:
    path = write("twins.py", HEADER + "a = Scenario('x')\nb = Scenario('x', seed=1)\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == (
        f"{path}: two different scenarios are named 'x' (variables a and b) "
        "(hint: give each its own name, or start a base scenario's variable with _ to keep it "
        "out of the run)"
    )


def test_an_exception_at_import_is_located_at_the_playbook_line(write: Write) -> None:
    path = write("boom.py", "x = 1\n\ndef f():\n    return 1 / 0\n\ny = f()\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == f"{path}:4: ZeroDivisionError: division by zero"
    assert isinstance(err.value.__cause__, ZeroDivisionError)


def test_a_bad_spec_argument_is_located_at_its_line_in_a_fluent_chain(write: Write) -> None:
    path = write("flash.py", HEADER + (
        "scenario = (\n"
        "    Scenario('flash')\n"
        "    .phase('calm', cycles=3)\n"
        "    .chaos(Delay('PriceUpdate', ms=-5))\n"
        ")\n"
    ))
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == f"{path}:5: Delay(ms=...): ms must be >= 0 (got -5)"


def test_a_syntax_error_is_located_at_its_own_line(write: Write) -> None:
    path = write("typo.py", "from scenario_engine import Scenario\n\nscenario = (\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == f"{path}:3: SyntaxError: '(' was never closed"


def test_a_syntax_error_in_an_imported_module_names_that_file(write: Write) -> None:
    helper = write("broken_helper.py", "def f(:\n")
    path = write("uses_helper.py", "import broken_helper\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == f"{path}:1: SyntaxError in {helper}:1: invalid syntax"


def test_a_build_error_is_located_where_the_scenario_is_assigned(write: Write) -> None:
    path = write("during.py", HEADER + (
        "from scenario_engine import ChaosPlaybook, Drop\n"
        "book = ChaosPlaybook('b').chaos(Drop('*'))\n"
        "\n"
        "scenario = Scenario('s').phase('crash', cycles=1).include(book, during='crsh')\n"
    ))
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == (
        f"{path}:5: scenario 's': chaos[0].during: no phase named 'crsh' (phases: 'crash') "
        "(hint: did you mean 'crash'?)"
    )


def test_a_playbook_without_a_scenario_is_an_error(write: Write) -> None:
    path = write("empty.py", "x = 1\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == (
        f"{path}: no scenario found (hint: define one at module level: "
        "scenario = Scenario('name').phase('calm', cycles=3))"
    )


def test_a_playbook_named_like_a_standard_module_is_refused(write: Write) -> None:
    path = write("random.py", HEADER + "s = Scenario('s')\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path, {})
    assert str(err.value) == (
        f"{path}: the file name shadows the module 'random' "
        "(hint: rename the playbook (it runs as a module named after the file))"
    )


def test_a_playbook_named_like_an_imported_package_is_refused(write: Write) -> None:
    path = write("pytest.py", HEADER + "s = Scenario('s')\n")
    with pytest.raises(PlaybookError, match=r"the module name 'pytest' is already taken by "):
        load_playbook(path, {})


def test_a_playbook_may_replace_an_earlier_playbook_of_the_same_name(
    tmp_path: Path,
) -> None:
    for folder, name in (("one", "first"), ("two", "second")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "same_name.py"
        path.write_text(HEADER + f"s = Scenario({name!r})\n")
        assert [p.name for p in load_playbook(path, {})] == [name]


# --------------------------------------------------------------------------- plan files


def test_plan_files_load_through_the_codec_with_variables_set(tmp_path: Path) -> None:
    plans = [plan for _, plan in load_plans([PLAYBOOKS / "demo.py"])]
    for suffix in ("toml", "json"):
        path = tmp_path / f"demo.{suffix}"
        path.write_text(codec.dumps(plans, suffix))  # type: ignore[arg-type]
        loaded = load_plans([path], variables={"user": "bob"}, trust=Trust(("demo",)))
        assert [p.vars["user"] for _, p in loaded] == ["bob", "bob"]
        assert [p.name for _, p in loaded] == ["demo", "demo-fast"]


def test_a_variable_overrides_the_playbooks_own(write: Write) -> None:
    path = write("withvars.py", HEADER + "s = Scenario('s').vars(user='alice', n=1)\n")
    ((_, plan),) = load_plans([path], variables={"user": "bob"})
    assert dict(plan.vars) == {"user": "bob", "n": 1}


def test_problems_of_every_failing_file_are_reported_together(write: Write) -> None:
    bad_py = write("bad_one.py", "x = 1\n")
    bad_toml = write("bad_two.toml", "format = 7\n")
    with pytest.raises(PlanError) as err:
        load_plans([bad_py, PLAYBOOKS / "demo.py", bad_toml])
    assert [p.where for p in err.value.problems] == [str(bad_py), f"{bad_toml}:format"]


# --------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("pattern", "chosen"),
    [("demo", ["demo"]), ("demo*", ["demo", "demo-fast"]), ("*fast", ["demo-fast"]),
     ("demo-fast, demo", ["demo", "demo-fast"])],
)
def test_k_selects_by_name_glob_or_several(pattern: str, chosen: list[str]) -> None:
    assert names(load_plans([PLAYBOOKS / "demo.py"], select=pattern)) == chosen


def test_k_matching_nothing_lists_what_exists() -> None:
    with pytest.raises(UsageError) as err:
        load_plans([PLAYBOOKS / "demo.py"], select="dmo")
    assert str(err.value) == (
        "-k 'dmo' matches no scenario (found: demo, demo-fast)\n"
        "  hint: give a name or a glob such as 'flash*'; several separated by commas"
    )


def test_matching_is_on_the_whole_name() -> None:
    assert matches("flash", "flash")
    assert not matches("flash-crash", "flash")


# --------------------------------------------------------------------------- choosing the loader


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        load_plans([tmp_path / "nope.py"])
    assert str(err.value) == f"{tmp_path / 'nope.py'}: no such file"


def test_a_directory_is_not_a_playbook(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"is a directory\n  hint: give files, e\.g\. "):
        load_plans([tmp_path])


def test_an_unknown_suffix_names_the_known_ones(write: Write) -> None:
    path = write("plan.xml", "<x/>\n")
    with pytest.raises(UsageError) as err:
        load_plans([path])
    assert str(err.value) == (
        f"{path}: no loader for '.xml' files (known: .json, .py, .toml, .yaml, .yml)\n"
        "  hint: give a .py playbook, a .toml / .json plan file or a .yaml event file"
    )


def test_a_third_party_loader_adds_a_format(fake_site: Path, write: Write) -> None:
    path = write("two.lines", "alpha 3\nbeta 1\n")
    assert loader_for(path).__name__ == "load_lines"  # type: ignore[attr-defined]
    assert names(load_plans([path])) == ["alpha", "beta"]


def test_a_loader_that_returns_no_plans_is_a_broken_plugin(fake_site: Path, write: Write) -> None:
    path = write("x.garbled", "text\n")
    with pytest.raises(PluginError) as err:
        load_plans([path])
    assert str(err.value) == (
        "loader 'garbled' (fake_scenario_plugin.loader:load_garbled, from fake-scenario-plugin "
        "1.2.3) returned str, not a list of Plans\n  hint: see scenario_engine.spi.Loader"
    )
