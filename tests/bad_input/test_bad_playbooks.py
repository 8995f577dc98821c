"""The playbook part of the bad-input corpus: ``check`` and ``play`` both refuse, located."""

from __future__ import annotations

from pathlib import Path

import pytest

from bad_input.corpus import Case, assert_clean, invoke, write_files
from bad_input.playbook_cases import CASES


def test_the_playbook_corpus_is_large_and_its_ids_distinct() -> None:
    assert len({case.id for case in CASES}) == len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check_refuses_with_a_located_message(case: Case, workdir: Path) -> None:
    write_files(case.files, workdir)
    assert_clean(invoke(case.argv), case)


#: click itself refuses a folder for ``play`` (its paths are files), in its own words
PLAYED = [case for case in CASES if case.argv[0] == "check" and "folder" not in case.id]


@pytest.mark.parametrize("case", PLAYED, ids=[case.id for case in PLAYED])
def test_play_refuses_the_same_way_before_anything_runs(case: Case, workdir: Path) -> None:
    write_files(case.files, workdir)
    assert_clean(invoke(("play", *case.argv[1:])), case)
    assert not (workdir / "scenario-reports").exists()  # nothing ran, nothing was recorded
