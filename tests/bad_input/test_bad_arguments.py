"""The command-line part of the bad-input corpus, and the misuses that need a real process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bad_input.argument_cases import CASES, FILES
from bad_input.corpus import Case, assert_clean, invoke, run_scenario, write_files


def test_the_argument_corpus_is_large_and_its_ids_distinct() -> None:
    assert len({case.id for case in CASES}) == len(CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_misused_command_line_exits_2_saying_why(case: Case, workdir: Path) -> None:
    write_files(case.files, workdir)
    assert_clean(invoke(case.argv), case)
    assert not (workdir / "scenario-reports").exists()  # nothing ran


def _unwritable(tmp_path: Path) -> Path:
    """A folder no one may create: under /sys for root (who may write anywhere else)."""
    if os.geteuid() == 0:
        return Path("/sys/scenario-reports")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "reports"


def test_an_unwritable_report_dir_is_exit_2(workdir: Path) -> None:
    write_files(FILES, workdir)
    folder = _unwritable(workdir)
    case = Case("unwritable", FILES, (), f"error: --report-dir {folder}: is not writable\n"
                "  hint: give --report-dir a folder you can write to")
    assert_clean(invoke(["play", "ok.py", "--report-dir", str(folder)]), case)


def test_an_unwritable_compile_folder_is_exit_2(workdir: Path) -> None:
    write_files(FILES, workdir)
    folder = _unwritable(workdir)
    folder.parent.mkdir(exist_ok=True)
    case = Case("unwritable", FILES, (), f"error: -o {folder.parent}: is not writable")
    assert_clean(invoke(["compile", "ok.py", "-o", str(folder.parent / "plan.toml")]), case)


SUBPROCESS = [c for c in CASES if c.id in (
    "--speed nan", "--bus ''", "--report-dir under a file", "compile -o a missing folder",
    "--seed 99999999999999999999",
)]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c.id for c in SUBPROCESS])
def test_a_real_process_exits_2_the_same_way(case: Case, workdir: Path) -> None:
    write_files(case.files, workdir)
    done = run_scenario(*case.argv, cwd=workdir)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert case.text in output
    assert "Traceback" not in output
    assert "internal error" not in output
