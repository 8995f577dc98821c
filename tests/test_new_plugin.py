"""``scenario new-plugin`` writes a pack that is installed and passes its own tests as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import install_metadata


def test_the_scaffold_passes_its_own_tests_once_installed(cli, tmp_path: Path) -> None:
    result = cli("new-plugin", "acme", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    pack = tmp_path / "acme-pack"
    assert f"wrote {pack / 'pyproject.toml'}" in result.output
    assert result.output.splitlines()[-1] == f"next: pip install -e '{pack}[test]' && pytest {pack}"
    site = tmp_path / "site"
    install_metadata(pack, site)  # what `pip install` leaves: a dist-info with the entry points
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(pack / "src")])}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(pack / "tests")],
        cwd=pack, env=env, capture_output=True, text=True, check=False, timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", "plugins"], env=env,
        capture_output=True, text=True, check=True,
    )
    assert "acme.pulse" in listed.stdout
    assert "acme-pack" in listed.stdout


def test_a_bad_name_or_an_existing_folder_is_exit_2(cli, tmp_path: Path) -> None:
    bad = cli("new-plugin", "Acme-Pack", "-o", str(tmp_path))
    assert bad.exit_code == 2
    assert "error: new-plugin: 'Acme-Pack' cannot name a pack" in bad.stderr
    assert cli("new-plugin", "acme", "-o", str(tmp_path)).exit_code == 0
    again = cli("new-plugin", "acme", "-o", str(tmp_path))
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    missing = cli("new-plugin", "beta", "-o", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert "is not a folder" in missing.stderr
