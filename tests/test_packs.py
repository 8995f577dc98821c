"""Packs: the distribution behind a name prefix is named in hints and blamed when it breaks."""

from __future__ import annotations

from pathlib import Path

from scenario_engine.packs import install_hint, installed_packs, pack_of_module
from scenario_engine.registry import default_registry


def test_an_installed_pack_is_found_by_its_prefix_without_importing_it(fake_site: Path) -> None:
    pack = installed_packs()["fake"]
    assert (pack.distribution, pack.version, pack.module) == (
        "fake-scenario-plugin", "1.2.3", "fake_scenario_plugin"
    )
    assert pack_of_module("fake_scenario_plugin.components") == "fake"
    assert pack_of_module("scenario_redis.bus") == "redis"  # one of the project's own
    assert pack_of_module("json") is None


def test_a_name_missing_from_an_installed_pack_lists_what_the_pack_has(fake_site: Path) -> None:
    err = default_registry().unknown("profile", "fake.qqqqqqq")
    assert str(err) == (
        "unknown profile 'fake.qqqqqqq' (hint: the fake-scenario-plugin 1.2.3 pack provides "
        "'fake.*' names; its profiles: fake.flat, fake.hollow)"
    )


def test_install_hints_are_commands_that_work_from_a_clone(monkeypatch) -> None:
    from scenario_engine.registry import AUTOLOAD_ENV, Registry

    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    assert install_hint("trading") == (
        "install it: pip install -e plugins/scenario-trading (from a clone of scenario-engine; "
        "or pip install -e '.[trading]')"
    )
    assert "scenario plugins" in install_hint("acme")
    err = Registry().unknown("bus", "nats")
    assert "no installed plugin provides 'nats://' buses; install it: pip install -e " in str(err)


def test_a_pack_that_breaks_on_import_is_named_with_exit_3(
    fake_site: Path, cli, write
) -> None:
    playbook = write(
        "uses_broken.py",
        "from scenario_engine import Scenario\n"
        "import fake_scenario_plugin.broken\n"
        "s = Scenario('s').phase('p', cycles=1)\n",
    )
    result = cli("check", str(playbook))
    assert result.exit_code == 3, result.output
    assert "error: the fake-scenario-plugin 1.2.3 pack failed to import: " in result.stderr
    assert "fake_scenario_plugin/broken.py:" in result.stderr
    assert "Traceback" not in result.stderr
