"""The bad-input corpus' machinery: a case is files, a command line, an exit code and a text.

Every case runs through ``scenario`` in-process (click's CliRunner) in a
fresh directory, so messages carry short relative paths. The text pinned is
the located message -- ``pb.py:3: scenario 's': steps[0].cycles: ...`` or
``plan.toml:plans[0].steps[0].cycles: ...`` -- and must appear whole on
stderr; nothing may look like a crash: no traceback, no "internal error".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import attrs
from click.testing import CliRunner, Result

from scenario_engine.cli import main

__all__ = ["Case", "assert_clean", "invoke", "run_scenario", "write_files"]

HEADER = "from scenario_engine import *\n"


@attrs.frozen
class Case:
    """One bad input: ``files`` written, ``argv`` run, ``code`` and ``text`` expected."""

    id: str
    files: Mapping[str, str | bytes]
    argv: tuple[str, ...]
    text: str
    code: int = 2


def write_files(files: Mapping[str, str | bytes], directory: Path) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def invoke(argv: tuple[str, ...] | list[str]) -> Result:
    return CliRunner().invoke(main, list(argv), catch_exceptions=False)


def assert_clean(result: Result, case: Case) -> None:
    """The exit code, the located message, and nothing that looks like a crash."""
    output = result.output  # stdout and stderr, as a terminal shows them
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert result.exit_code == case.code, output
    assert case.text in output, f"expected:\n{case.text}\ngot:\n{output}"


def run_scenario(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``scenario ARGS`` in a real process (its own interpreter, imports and exit code)."""
    return subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", *args],
        check=False, capture_output=True, text=True, cwd=cwd, env=dict(os.environ), timeout=120,
    )
