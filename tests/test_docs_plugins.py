"""docs/plugins.md runs: its Python blocks in order in one namespace, its TOML parses.

A ``print(...)`` whose line ends with a comment (or is followed by comment
lines) states its output; the block's output must contain it, so the page
cannot drift from what the code prints.
"""

from __future__ import annotations

import contextlib
import io
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "plugins.md"
PLUGIN_PYPROJECT = REPO / "plugins" / "scenario-trading" / "pyproject.toml"

pytest.importorskip("scenario_trading", reason="the walkthrough uses the trading pack")


def blocks(language: str) -> list[tuple[int, str]]:
    """``(first line, code)`` of every fenced block in ``language``."""
    found, current, start, lang = [], None, 0, ""
    for number, line in enumerate(DOC.read_text().splitlines(), start=1):
        fence = re.fullmatch(r"```(\w*)\s*", line)
        if current is None and fence:
            current, start, lang = [], number + 1, fence.group(1)
        elif current is not None and line.strip() == "```":
            if lang == language:
                found.append((start, "\n".join(current) + "\n"))
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, f"{DOC.name}: unclosed code block from line {start}"
    return found


def stated_outputs(code: str) -> list[str]:
    """What each ``print`` says it prints: its trailing comment and the comment lines after."""
    outputs, lines = [], code.splitlines()
    for i, line in enumerate(lines):
        if "print(" not in line:
            continue
        parts = [line.split("  # ", 1)[1]] if "  # " in line else []
        for follower in lines[i + 1:]:
            if not follower.lstrip().startswith("# "):
                break
            parts.append(follower.lstrip()[2:])
        if parts:
            outputs.append(" ".join(parts))
    return outputs


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_page_has_python_and_toml_blocks():
    assert len(blocks("python")) >= 10
    assert blocks("toml")


def test_every_python_block_runs_in_order_and_prints_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_plugins"}
    for start, code in blocks("python"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile("\n" * (start - 1) + code, str(DOC), "exec"), namespace)
        printed = squeeze(out.getvalue())
        for stated in stated_outputs(code):
            assert squeeze(stated) in printed, f"{DOC.name}:{start}: expected {stated!r}"
    assert list(tmp_path.iterdir()) == []  # the examples write nothing


def test_every_toml_block_parses():
    for start, code in blocks("toml"):
        try:
            tomllib.loads(code)
        except tomllib.TOMLDecodeError as err:  # pragma: no cover - the failure message
            pytest.fail(f"{DOC.name}:{start}: {err}")


def test_the_pyproject_excerpt_matches_the_real_plugin():
    real = tomllib.loads(PLUGIN_PYPROJECT.read_text())["project"]
    for _, code in blocks("toml"):
        shown = tomllib.loads(code).get("project", {})
        if "entry-points" not in shown or code.startswith("# iot-pack/"):
            continue  # the iot-pack recipe has its own test (tests/test_iot_pack.py)
        assert shown["name"] == real["name"]
        for group, entries in shown["entry-points"].items():
            for name, target in entries.items():
                assert real["entry-points"][group].get(name) == target, (group, name)
