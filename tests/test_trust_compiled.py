"""A compiled playbook's plan is the playbook's run: from any folder, once its modules are
trusted, with a byte-identical event log (chaos labels included)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCENARIO = str(Path(sys.executable).with_name("scenario"))

BOOK = '''\
from scenario_engine import Custom, Delay, Drop, Modify, Never, Scenario


class Desk:
    """Fills every order: the system under test, in the playbook itself."""

    def __init__(self, bus, fee=1):
        self.bus = bus
        self.fee = fee
        bus.subscribe("order", self.on_order)

    def on_order(self, event):
        self.bus.publish("fill", {"id": event.payload["id"], "fee": self.fee})


def big(event):
    return event.payload.get("index", 0) % 3 == 0


def doubled(value):
    return value * 2


def filled(event):
    return event.payload.get("id") == "o-1"


def all_filled(history):
    return sum(e.topic == "fill" for e in history) >= 2


def negative(event):
    return event.payload.get("fee", 0) < 0


def note(ctx):
    ctx.publish("note", {"seen": ctx.vars["who"]})


book = (
    Scenario("book", seed=11)
    .vars(who="desk")
    .system(Desk, fee=3)
    .generator("counter", topic="tick", every="1s")
    .phase("warm", cycles=6)
    .publish("order", {"id": "o-{{index}}"}, repeat=2, interval="200ms")
    .wait_for("fill", where=filled, timeout="2s")
    .do(note)
    .phase("hot", cycles=6)
    .chaos(Modify("tick", path="value", transform=doubled, where=big))
    .chaos(Drop("tick", probability=0.3))
    .chaos(Delay("tick", ms=300, every=4))
    .expect(Custom(all_filled))
    .expect(Never("fill", where=negative))
)
'''


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCENARIO, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, **env},
    )


def test_a_compiled_playbook_plays_from_any_folder_with_a_byte_identical_log(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "book.py").write_text(BOOK)
    played = _run(["play", "book.py", "--report-dir", str(tmp_path / "py")], project)
    assert played.returncode == 0, played.stdout + played.stderr

    compiled = _run(["compile", "book.py", "-o", "book.toml"], project)
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stderr == (
        "compiled 1 scenario from book.py to book.toml\n"
        "note: book.toml calls code from book, which a plan file runs only when trusted: play "
        'it with --trust book (or trust = ["book"] under [tool.scenario] in pyproject.toml)\n'
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plan = project / "book.toml"
    refused = _run(["play", str(plan), "--report-dir", "toml"], elsewhere)
    assert refused.returncode == 2
    assert "untrusted reference 'book:Desk'" in refused.stderr
    assert not (elsewhere / "toml").exists()

    trusted = _run(["play", str(plan), "--trust", "book", "--report-dir", "toml"], elsewhere)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    [ours_log] = (tmp_path / "py" / "book").glob("*-seed11/events.jsonl")
    [theirs_log] = (elsewhere / "toml" / "book").glob("*-seed11/events.jsonl")
    ours, theirs = ours_log.read_bytes(), theirs_log.read_bytes()
    assert ours == theirs
    assert b"Modify('tick', path='value', transform=book:doubled, where=book:big)" in ours
    assert b"Delay('tick', ms=300, every=4)" in ours
    assert b'"topic":"note"' in ours
    assert b'"topic":"fill"' in ours
