"""The registry: entry-point discovery, lazy loading, broken plugins, and component checks."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from conftest import FAKE_PLUGIN_SRC, pythonpath, run_scenario
from scenario_engine import Count, Scenario
from scenario_engine.errors import PlanError, PluginError, UnknownComponentError
from scenario_engine.plan import codec
from scenario_engine.plan.trust import Trust, apply_trust
from scenario_engine.registry import AUTOLOAD_ENV, Registry, check_components

FAKE = "fake-scenario-plugin 1.2.3"


def fake_entries(*names: str) -> Registry:
    """A registry of the fake plugin's components, given as entry points (no distribution)."""
    targets = {
        "fake.wave": ("scenario_engine.generators", "fake_scenario_plugin.components:Wave"),
        "fake.flat": ("scenario_engine.profiles", "fake_scenario_plugin.components:flat"),
        "fake.blackhole": ("scenario_engine.chaos", "fake_scenario_plugin.components:Blackhole"),
        "fake.seen": ("scenario_engine.assertions", "fake_scenario_plugin.components:Seen"),
        "memory": ("scenario_engine.buses", "scenario_engine.buses.memory:MemoryBus"),
    }
    return Registry(
        entry_points=[EntryPoint(n, targets[n][1], targets[n][0]) for n in names or targets]
    )


@pytest.fixture(autouse=True)
def _fake_code_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FAKE_PLUGIN_SRC))


# --------------------------------------------------------------------------- listing


def test_lists_a_third_party_component_with_its_target_and_distribution(fake_site: Path) -> None:
    info = Registry().info("generator", "fake.wave")
    assert (info.name, info.target, info.origin) == (
        "fake.wave", "fake_scenario_plugin.components:Wave", FAKE
    )
    assert "fake.flat" in Registry().names("profile")


def test_the_core_registers_its_own_built_ins_through_the_same_groups() -> None:
    origins = {info.origin.split()[0] for info in Registry().entries("loader")}
    assert origins == {"scenario-engine"}
    assert {"py", "toml", "json"} <= set(Registry().names("loader"))


def test_listing_imports_no_plugin(fake_site: Path) -> None:
    code = (
        "import sys\n"
        "from scenario_engine.registry import Registry\n"
        "r = Registry()\n"
        "assert r.entries() and r.names('generator') and r.conflicts() == []\n"
        "prefixes = ('fake_scenario_plugin', 'scenario_trading', 'scenario_redis', "
        "'scenario_nats', 'scenario_engine.runtime', 'scenario_engine.generators', "
        "'scenario_engine.profiles', 'scenario_engine.report')\n"
        "print(sorted(m for m in sys.modules if m.startswith(prefixes)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env={**os.environ, **pythonpath(fake_site, FAKE_PLUGIN_SRC)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_the_autoload_switch_shows_only_the_cores_own(
    fake_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    registry = Registry()
    assert {info.distribution for info in registry.entries()} == {"scenario-engine"}
    assert "fake.wave" not in registry.names("generator")


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"^unknown component kind 'widget' \(kinds: generator"):
        Registry().names("widget")


# --------------------------------------------------------------------------- broken plugins


def test_a_plugin_that_fails_to_import_is_named_with_its_distribution(fake_site: Path) -> None:
    registry = Registry()
    with pytest.raises(PluginError) as err:
        registry.load("generator", "fake.broken")
    assert str(err.value) == (
        f"generator 'fake.broken' (fake_scenario_plugin.broken:Thing, from {FAKE}) failed to "
        "load: ModuleNotFoundError: No module named 'scenario_engine_missing_dependency'\n"
        "  hint: fix or reinstall fake-scenario-plugin; `scenario plugins --check` lists what "
        "works"
    )
    assert isinstance(err.value.__cause__, ModuleNotFoundError)
    assert err.value.exit_code == 3


def test_a_broken_plugin_fails_the_same_way_every_time_and_the_others_still_load(
    fake_site: Path,
) -> None:
    registry = Registry()
    for _ in range(2):
        with pytest.raises(PluginError, match="failed to load"):
            registry.load("generator", "fake.broken")
    assert registry.load("generator", "fake.wave").__name__ == "Wave"


def test_an_entry_point_that_is_not_a_factory_is_reported(fake_site: Path) -> None:
    with pytest.raises(PluginError) as err:
        Registry().load("generator", "fake.constant")
    assert str(err.value) == (
        f"generator 'fake.constant' (fake_scenario_plugin.components:NOT_A_FACTORY, from {FAKE}) "
        "is not a factory: got int\n  hint: an entry point must name a class or a function"
    )


def test_a_name_claimed_by_two_distributions_names_both(rival_site: Path) -> None:
    registry = Registry()
    conflicts = [b.reason for b in registry.conflicts()]
    expected = (
        "generator 'fake.wave' is claimed by fake-scenario-plugin 1.2.3 and "
        "rival-scenario-plugin 0.9.0"
    )
    assert conflicts == [expected, expected]
    with pytest.raises(PluginError) as err:
        registry.load("generator", "fake.wave")
    assert str(err.value) == (
        f"{expected}\n  hint: uninstall one of them, or disable one with "
        f"{AUTOLOAD_ENV}=1 to use only the core"
    )
    assert registry.load("profile", "fake.flat").__name__ == "flat"


def test_load_all_returns_what_is_broken_and_raises_nothing(fake_site: Path) -> None:
    broken = {b.info.name: b.reason for b in Registry().load_all()}
    assert {"fake.broken", "fake.constant"} <= set(broken)
    assert "fake.wave" not in broken


def test_a_factory_that_makes_the_wrong_thing_is_reported(fake_site: Path) -> None:
    with pytest.raises(PluginError) as err:
        Registry().create("profile", "fake.hollow", {})
    assert str(err.value) == (
        f"profile 'fake.hollow' (fake_scenario_plugin.components:hollow, from {FAKE}) made a "
        "object that is not a Profile: missing next_value\n"
        "  hint: see scenario_engine.spi.Profile"
    )


# --------------------------------------------------------------------------- unknown names


def test_an_unknown_name_suggests_close_ones() -> None:
    err = fake_entries().unknown("generator", "fake.wav", "generators[0].ref.name")
    assert str(err) == (
        "generators[0].ref.name: unknown generator 'fake.wav' (hint: did you mean 'fake.wave'?)"
    )


def test_an_unknown_namespace_of_a_known_pack_says_what_to_install() -> None:
    err = fake_entries().unknown("profile", "trading.flash_crash")
    assert str(err) == (
        "unknown profile 'trading.flash_crash' (hint: no installed plugin provides 'trading.*' "
        "names; install it: pip install -e plugins/scenario-trading (from a clone of "
        "scenario-engine; or pip install -e '.[trading]'))"
    )


def test_an_unknown_name_with_nothing_close_lists_the_known_ones() -> None:
    err = fake_entries().unknown("profile", "zigzag")
    assert str(err) == (
        "unknown profile 'zigzag' (hint: known: fake.flat (see `scenario plugins`))"
    )


# --------------------------------------------------------------------------- parameters


def test_an_unknown_parameter_suggests_the_close_one() -> None:
    with pytest.raises(PlanError) as err:
        fake_entries().create("generator", "fake.wave", {"amplitud": 2}, where="generators[0].ref")
    assert str(err.value) == (
        "generators[0].ref.params.amplitud: generator 'fake.wave' has no parameter 'amplitud' "
        "(hint: did you mean 'amplitude'?)"
    )


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(PlanError) as err:
        fake_entries().create("assertion", "fake.seen", {}, where="expectations[0]")
    assert str(err.value) == (
        "expectations[0].params.topic: assertion 'fake.seen' requires parameter 'topic'"
    )


def test_a_parameter_the_component_rejects_is_located_at_its_key() -> None:
    with pytest.raises(PlanError) as err:
        fake_entries().create("generator", "fake.wave", {"amplitude": -1}, "generators[0].ref")
    assert str(err.value) == "generators[0].ref.params.amplitude: must be >= 0 (got -1)"


# --------------------------------------------------------------------------- check_components


def transform(value: object) -> object:
    return value


def test_check_components_reports_every_component_problem_of_a_plan() -> None:
    plan = (
        Scenario("s")
        .bus("kafka://localhost")
        .generator("fake.wav", topic="t")
        .generator("fake.wave", topic="t", amplitude=-1)
        .phase("p", cycles=1, profile="fake.flat", levle=1)
        .check(Count("t", min=1))
        .chaos("fake.blackhole", probability=0.5)
        .expect("fake.seen", topic="t", fn=transform)
        .build()
    )
    assert [str(p) for p in check_components(plan, fake_entries())] == [
        "bus: unknown bus 'kafka' (hint: known: memory (see `scenario plugins`))",
        "generators[0].ref.name: unknown generator 'fake.wav' (hint: did you mean 'fake.wave'?)",
        "generators[1].ref.params.amplitude: must be >= 0 (got -1)",
        ("steps[0].profile.params.levle: profile 'fake.flat' has no parameter 'levle' "
        "(hint: did you mean 'level'?)"),
        ("steps[1].assertions[0].name: unknown assertion 'count' (hint: known: fake.seen "
        "(see `scenario plugins`))"),
        ("expectations[0].params.fn: assertion 'fake.seen' has no parameter 'fn' "
        "(hint: accepted: topic)"),
    ]


def test_check_components_reports_a_callable_that_does_not_import() -> None:
    loaded = apply_trust(codec.from_dict({
        "name": "s",
        "expectations": [{"name": "fake.seen",
                          "params": {"topic": "t", "fn": {"callable": "no_such_mod:f"}}}],
    }), Trust(("no_such_mod",)))
    assert [str(p) for p in check_components(loaded, fake_entries())] == [
        ("expectations[0].params.fn: cannot import 'no_such_mod:f': ModuleNotFoundError: No "
        "module named 'no_such_mod' (hint: the module must be importable (on sys.path) and "
        "define that name)")
    ]


def test_check_components_prefixes_paths_with_where() -> None:
    plan = Scenario("s").generator("nope", topic="t").build()
    problems = check_components(plan, fake_entries(), where="plans[2]")
    assert problems[0].where == "plans[2].generators[0].ref.name"
    assert isinstance(UnknownComponentError(problems), PlanError)


# --------------------------------------------------------------------------- through the command


def test_scenario_plugins_lists_a_real_installed_plugin_in_a_subprocess(fake_site: Path) -> None:
    done = run_scenario("plugins", "--kind", "generator",
                        env=pythonpath(fake_site, FAKE_PLUGIN_SRC))
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert "scenario_engine.generators (generator)" in lines
    assert f"fake.wave fake_scenario_plugin.components:Wave {FAKE}" in lines
    assert "BROKEN" not in done.stdout


def test_scenario_plugins_check_marks_broken_ones_and_exits_3(fake_site: Path) -> None:
    done = run_scenario("plugins", "--check", env=pythonpath(fake_site, FAKE_PLUGIN_SRC))
    assert done.returncode == 3
    assert (
        f"    BROKEN: generator 'fake.broken' (fake_scenario_plugin.broken:Thing, from {FAKE}) "
        "failed to load: ModuleNotFoundError: No module named "
        "'scenario_engine_missing_dependency'"
    ) in done.stdout.splitlines()
    assert "Traceback" not in done.stdout + done.stderr


def test_scenario_plugins_with_autoload_off_shows_only_the_core(fake_site: Path) -> None:
    env = {**pythonpath(fake_site, FAKE_PLUGIN_SRC), AUTOLOAD_ENV: "1"}
    done = run_scenario("plugins", env=env)
    assert done.returncode == 0
    assert "fake.wave" not in done.stdout
    assert done.stdout.startswith(f"({AUTOLOAD_ENV} is set: only scenario-engine's own components)")


def test_check_components_reports_a_system_that_does_not_import() -> None:
    plan = apply_trust(
        codec.from_dict({"name": "s", "systems": [{"target": {"callable": "nowhere.sys:Echo"}}]}),
        Trust(("nowhere",)),
    )
    assert [p.where for p in check_components(plan, fake_entries())] == ["systems[0].target"]


def test_the_install_extras_point_at_the_plugins_in_this_repository() -> None:
    import tomllib

    repo = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((repo / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for prefix in ("trading", "redis", "nats"):
        [requirement] = extras[prefix]
        assert requirement == f"scenario-{prefix} @ {{root:uri}}/plugins/scenario-{prefix}"
        assert (repo / "plugins" / f"scenario-{prefix}" / "pyproject.toml").exists()
    assert "pip install -e '.[trading,redis,nats]'" in (repo / "README.md").read_text()
