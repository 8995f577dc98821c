"""Run folders: one per run, never shared, never overwritten; ``latest`` names the newest."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scenario_engine import Count, Scenario
from scenario_engine.cli import main
from scenario_engine.report import rundir
from scenario_engine.testing import read_events, run

RUN = re.compile(r"^\d{8}T\d{6}Z-seed7(-\d+)?$")


def ticks(name: str, cycles: int = 3) -> Scenario:
    return (
        Scenario(name, seed=7)
        .generator("counter", topic="tick", every="1s")
        .phase("run", cycles=cycles)
        .expect(Count("tick", exact=cycles))
    )


def test_each_run_has_its_own_folder_and_latest_names_the_newest(tmp_path: Path) -> None:
    first = run(ticks("layout", 2), report_dir=tmp_path)
    second = run(ticks("layout", 3), report_dir=tmp_path)
    one, two = Path(first.report_dir), Path(second.report_dir)
    assert one != two
    assert one.parent == two.parent == tmp_path / "layout"
    assert RUN.match(one.name)
    assert RUN.match(two.name)
    assert rundir.run_folders(tmp_path / "layout") == sorted([one, two])
    latest = tmp_path / "layout" / "latest"
    assert latest.is_symlink()
    assert latest.resolve() == two.resolve()
    assert len(read_events(one / "events.jsonl")) == 2  # the first run's log is intact
    assert len(read_events(latest / "events.jsonl")) == 3
    assert orjson.loads((latest / "report.json").read_bytes())["report_dir"] == str(two)


def test_names_that_collide_once_made_safe_get_folders_of_their_own(tmp_path: Path) -> None:
    folders = {name: Path(run(ticks(name), report_dir=tmp_path).report_dir).parent
               for name in ("a/b", "a_b", "a b", "latest")}
    assert folders["a_b"] == tmp_path / "a_b"
    assert len(set(folders.values())) == 4
    for name in ("a/b", "a b", "latest"):
        assert re.fullmatch(r"(a_b|latest)-[0-9a-f]{6}", folders[name].name), folders[name]
    assert rundir.safe_name("a/b") == rundir.safe_name("a/b")  # stable from run to run


def test_a_long_name_is_shortened_and_stays_distinct() -> None:
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    assert len(rundir.safe_name(long_a)) <= rundir.MAX_NAME + 7
    assert rundir.safe_name(long_a) != rundir.safe_name(long_b)


def test_the_cli_says_when_a_name_is_not_a_safe_folder_name(tmp_path: Path) -> None:
    playbook = tmp_path / "slashes.py"
    playbook.write_text(
        "from scenario_engine import Scenario\n"
        "s = Scenario('orders/eu', seed=7).publish('x', {})\n"
    )
    result = CliRunner().invoke(main, ["play", str(playbook), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    folder = rundir.scenario_folder(tmp_path / "r", "orders/eu")
    assert (
        f"WARNING the scenario name 'orders/eu' is not a safe folder name: its runs go to {folder}"
    ) in result.output


def test_two_plans_with_one_name_in_one_play_keep_both_reports(tmp_path: Path) -> None:
    playbook = tmp_path / "dup.py"
    playbook.write_text(
        "from scenario_engine import Count, Scenario\n"
        "s = (Scenario('dup', seed=7).generator('counter', topic='t', every='1s')\n"
        "     .phase('p', cycles=2).expect(Count('t', exact=2)))\n"
    )
    plans = [tmp_path / "a.toml", tmp_path / "b.json"]
    for plan in plans:
        compiled = CliRunner().invoke(main, ["compile", str(playbook), "-o", str(plan)])
        assert compiled.exit_code == 0, compiled.output
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["play", *map(str, plans), "--report-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        f"WARNING 2 scenarios are named 'dup' ({plans[0]}, {plans[1]}): each run gets its own "
        "folder, none overwrites another; give them distinct names to tell them apart"
    ) in result.output
    runs = rundir.run_folders(out / "dup")
    assert len(runs) == 2
    assert [len(read_events(r / "events.jsonl")) for r in runs] == [2, 2]
    assert all((r / "report.json").exists() for r in runs)
    reported = re.findall(r"  report: (\S+)", result.output)
    assert sorted(map(Path, reported)) == runs


def test_two_runs_in_the_same_second_never_share_a_folder(tmp_path: Path) -> None:
    made = [rundir.new_run_dir(tmp_path, "same", 7, now=1_700_000_000) for _ in range(3)]
    assert [p.name for p in made] == [
        "20231114T221320Z-seed7",
        "20231114T221320Z-seed7-2",
        "20231114T221320Z-seed7-3",
    ]
    assert rundir.latest(tmp_path / "same") == made[-1].resolve()


def test_where_links_cannot_be_made_latest_is_a_text_file_that_replays_follow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(self, *args, **kwargs):
        raise OSError("symbolic links are not supported here")

    monkeypatch.setattr(Path, "symlink_to", no_links)
    recorded = run(ticks("recorded"), report_dir=tmp_path)
    latest = tmp_path / "recorded" / "latest"
    assert latest.is_file()
    assert not latest.is_symlink()
    assert latest.read_text() == Path(recorded.report_dir).name + "\n"
    assert rundir.latest(tmp_path / "recorded") == Path(recorded.report_dir)
    assert rundir.resolve(latest / "events.jsonl") == Path(recorded.events_path)
    replayed = run(
        Scenario("replayed", seed=7).replay(str(latest / "events.jsonl"), speed=10),
        report_dir=tmp_path,
    )
    assert replayed.topics == {"tick": 3}


def test_two_plans_with_one_name_in_one_file_keep_both_reports(tmp_path: Path) -> None:
    plan = (
        Scenario("twin", seed=7).generator("counter", topic="t", every="1s").phase("p", cycles=2)
    ).build()
    from scenario_engine.plan.codec import dumps

    both = tmp_path / "twins.toml"
    both.write_text(dumps([plan, plan], "toml"))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["play", str(both), "--report-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert f"WARNING 2 scenarios are named 'twin' ({both} x2): each run gets its own" in (
        result.output
    )
    runs = rundir.run_folders(out / "twin")
    assert [len(read_events(r / "events.jsonl")) for r in runs] == [2, 2]
