"""A third-party pack written from docs/plugins.md's recipe alone, installed as a distribution.

``tests/fixtures/iot-pack`` holds exactly the files the recipe shows (this
test checks they are the same text), so the recipe is complete: a fleet
generator that emits one keyed reading per sensor per tick, two profiles
that move each sensor's value, a chaos action that gets the generic
triggers from ``ChaosSpec``, and a per-sensor gap check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, install_metadata
from scenario_engine import Scenario
from scenario_engine.registry import default_registry
from scenario_engine.testing import read_events, run
from scenario_engine.testing.checks import check_chaos_action, check_generator, check_profile

REPO = Path(__file__).resolve().parents[1]
PACK = FIXTURES / "iot-pack"
RECIPE = REPO / "docs" / "plugins.md"


@pytest.fixture
def iot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    install_metadata(PACK, tmp_path / "site")
    monkeypatch.syspath_prepend(str(PACK / "src"))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    default_registry.cache_clear()
    yield default_registry()
    default_registry.cache_clear()
    for name in [m for m in sys.modules if m == "iot_pack" or m.startswith("iot_pack.")]:
        del sys.modules[name]


def recipe_files() -> dict[str, str]:
    """The blocks of the recipe that start with ``# <path in the pack>``."""
    text = RECIPE.read_text()
    found = {}
    for lang, body in re.findall(r"^```(\w+)\n(.*?)^```", text, re.M | re.S):
        first, _, rest = body.partition("\n")
        match = re.fullmatch(r"# (iot-pack/\S+)", first.strip())
        if match and lang in ("py", "toml"):
            found[match.group(1)] = rest
    return found


def test_the_fixture_is_the_recipe_word_for_word() -> None:
    files = recipe_files()
    assert set(files) == {
        "iot-pack/pyproject.toml",
        "iot-pack/src/iot_pack/__init__.py",
        "iot-pack/src/iot_pack/components.py",
        "iot-pack/src/iot_pack/specs.py",
    }
    for name, text in files.items():
        assert (FIXTURES / name).read_text() == text, name


def test_the_pack_is_found_under_its_prefix(iot) -> None:
    mine = {(i.kind, i.name) for i in iot.entries() if i.distribution == "iot-pack"}
    assert mine == {
        ("generator", "iot.fleet"), ("profile", "iot.drift"), ("profile", "iot.spike"),
        ("chaos", "iot.dropout"), ("assertion", "iot.no_gap"),
    }
    assert "the iot-pack 0.3.0 pack provides 'iot.*' names; its profiles: iot.drift, iot.spike" in (
        str(iot.unknown("profile", "iot.wobble"))
    )


def test_every_component_passes_the_conformance_kit(iot) -> None:
    assert check_generator(iot.load("generator", "iot.fleet"), {"sensors": 4})
    for name in ("iot.drift", "iot.spike"):
        check_profile(iot.load("profile", name), {}, start=20.0, cycles=30)
    check_chaos_action(iot.load("chaos", "iot.dropout"), {})


def test_a_spec_and_its_registry_name_build_the_same_plan(iot) -> None:
    from iot_pack import DropoutSpec, FleetSpec, NoGap

    base = Scenario("s").generator(FleetSpec(sensors=2), topic="readings").phase("p", cycles=2)
    assert base.expect(NoGap()).build() == base.expect("iot.no_gap").build()
    assert base.expect(NoGap("readings")).build() == base.expect("iot.no_gap").build()
    assert repr(DropoutSpec("readings", probability=0.5)) == (
        "DropoutSpec('readings', probability=0.5)"
    )
    assert base.chaos(DropoutSpec("readings", every=3)).build() == base.chaos(
        "iot.dropout", topics="readings", every=3
    ).build()


def test_a_chaos_spec_that_skips_chaosspec_is_refused_at_once() -> None:
    import attrs

    from scenario_engine import Spec

    with pytest.raises(TypeError, match=r"subclasses scenario_engine\.ChaosSpec"):

        @attrs.frozen(repr=False)
        class Lost(Spec):
            __kind__ = "chaos"
            __registry_name__ = "iot.lost"


def test_a_fleet_runs_end_to_end_with_a_summary_per_sensor(iot, tmp_path: Path) -> None:
    from iot_pack import DropoutSpec, FleetSpec, NoGap

    scenario = (
        Scenario("fleet", seed=9)
        .generator(FleetSpec(sensors=3), topic="readings", every="1s")
        .phase("warm", cycles=10, profile="iot.drift", rate=0.01)
        .phase("spiky", cycles=10, profile="iot.spike", height=4.0, every=5)
        .chaos(DropoutSpec("readings", at_cycle=(12, 13), where={"sensor": "sensor-1"}))
        .expect(NoGap())
    )
    result = run(scenario, report_dir=tmp_path)
    assert result.passed, [a.explain() for a in result.failures]
    summary = result.generators["readings"]
    assert summary["emitted"] == 60
    assert summary["entities"] == {f"sensor-{i}": {"emitted": 20} for i in range(3)}
    [log] = tmp_path.rglob("events.jsonl")
    events = [e for e in read_events(log) if e["topic"] == "readings"]
    lost = [e["payload"] for e in events if e["payload"]["reading"] is None]
    assert [(p["sensor"], p["seq"]) for p in lost] == [("sensor-1", 12), ("sensor-1", 13)]
    warm = [e["payload"]["reading"] for e in events if e["payload"]["sensor"] == "sensor-0"][:10]
    assert warm[-1] > warm[0]  # drift moved it up, 1% a cycle
    [dropout] = result.chaos
    assert dropout.applied == 2
