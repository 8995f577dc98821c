"""Shared fixtures: a real installed third-party plugin, playbook files, CLI runners."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scenario_engine.cli import main
from scenario_engine.registry import default_registry

pytest_plugins = ("pytester",)

FIXTURES = Path(__file__).parent / "fixtures"
PLAYBOOKS = FIXTURES / "playbooks"
FAKE_PLUGIN_SRC = FIXTURES / "fake-plugin" / "src"


def _slow_tier_runs() -> bool:
    """The slow tier runs in CI (``CI=true``) and when asked (``SCENARIO_SLOW=1``)."""
    return (os.environ.get("CI", "").lower() in ("1", "true", "yes")
            or os.environ.get("SCENARIO_SLOW", "") not in ("", "0"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``slow`` unless the slow tier runs (or ``-m slow`` asks for them)."""
    if _slow_tier_runs() or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow tier: set SCENARIO_SLOW=1 (CI=true runs it)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def install_metadata(project: Path, site: Path) -> Path:
    """Write ``project``'s metadata as an installed ``*.dist-info`` under ``site``.

    For importlib.metadata that is an installed distribution, exactly what
    ``pip install`` leaves behind, minus the copy of the code.
    """
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    dist_info = site / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n"
    )
    lines = []
    for group, entries in meta.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in entries.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return dist_info


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fake plugin installed: its metadata in a site directory on sys.path, its code too."""
    site = tmp_path / "site"
    install_metadata(FIXTURES / "fake-plugin", site)
    monkeypatch.syspath_prepend(str(FAKE_PLUGIN_SRC))
    monkeypatch.syspath_prepend(str(site))
    default_registry.cache_clear()
    yield site
    default_registry.cache_clear()


@pytest.fixture
def rival_site(fake_site: Path) -> Path:
    """Also installed: a second distribution claiming ``fake.wave``."""
    install_metadata(FIXTURES / "rival-plugin", fake_site)
    default_registry.cache_clear()
    return fake_site


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a file under a fresh directory and return its path."""

    def writer(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return writer


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Invoke ``scenario`` in-process through click's CliRunner."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def run_scenario(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m scenario_engine.cli ARGS`` in a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def pythonpath(*entries: Path) -> dict[str, str]:
    """An environment whose PYTHONPATH starts with ``entries``."""
    rest = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": os.pathsep.join([*map(str, entries), *([rest] if rest else [])])}
