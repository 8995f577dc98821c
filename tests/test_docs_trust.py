"""The README's session with a plan file is what the commands print."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from test_docs import REPO, blocks

SCENARIO = str(Path(sys.executable).with_name("scenario"))


def test_the_readme_trust_session_is_what_the_commands_print(tmp_path: Path) -> None:
    [desk] = [b for b in blocks(REPO / "README.md", "python") if 'Scenario("desk"' in b]
    (tmp_path / "desk.py").write_text(desk)
    [session] = [b for b in blocks(REPO / "README.md", "text") if "--trust desk" in b]
    commands: list[tuple[str, list[str]]] = []
    for line in session.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            commands[-1][1].append(line)
    assert [c for c, _ in commands] == [
        "scenario compile desk.py -o desk.toml",
        "scenario play desk.toml",
        "scenario play desk.toml --trust desk",
    ]
    for command, shown in commands:
        argv = shlex.split(command)
        done = subprocess.run(
            [SCENARIO, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, check=False,
            timeout=120,
        )
        printed = (done.stdout + done.stderr).splitlines()
        for line in shown:
            if "clock time in" in line:  # the wall time differs from run to run
                assert any(p.startswith(line.partition(" clock time in")[0]) for p in printed)
            else:
                assert line in printed, (command, line, printed)
