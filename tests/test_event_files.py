"""Event files (YAML, and the same shape in JSON) compile to plans and run like playbooks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.errors import PlanError
from scenario_engine.loaders import load_plans
from scenario_engine.testing import read_events

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "playbooks" / "events"
BAD = REPO / "tests" / "fixtures" / "bad_events"


def play(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["play", *args])
    return result.exit_code, result.output


def only_log(report_dir: Path) -> list[dict]:
    logs = sorted(report_dir.rglob("events.jsonl"))
    assert len(logs) == 1, logs
    return read_events(logs[0])


def test_trade_and_liquidate_publishes_its_lifecycle_with_templates(tmp_path: Path) -> None:
    code, output = play(
        str(EVENTS / "trade-and-liquidate.yaml"),
        "--report-dir",
        str(tmp_path),
        "--variable",
        "user=test_user_123",
    )
    assert code == 0, output
    events = only_log(tmp_path)
    assert [e["topic"] for e in events] == [
        "price.update",
        "order.request",
        "position.opened",
        *["price.update"] * 5,
        "liquidation.signal",
        "position.liquidated",
    ]
    order = events[1]["payload"]
    assert order["user"] == "test_user_123"  # --variable wins over the file's variables
    assert order["timestamp"] == "2025-01-01T00:00:00.500Z"  # delay 500 (ms) on the virtual clock
    assert events[2]["payload"]["entryPrice"] == 50000  # an event variable keeps its type
    assert [e["payload"]["price"] for e in events[3:8]] == [
        "48200",
        "46400",
        "44600",
        "42800",
        "41000",
    ]
    assert [e["t"] for e in events[3:8]] == [1.7, 2.2, 2.7, 3.2, 3.7]


def test_high_frequency_trading_draws_seeded_fixtures(tmp_path: Path) -> None:
    code, output = play(str(EVENTS / "high-frequency-trading.yaml"), "--report-dir", str(tmp_path))
    assert code == 0, output
    events = only_log(tmp_path)
    counts: dict[str, int] = {}
    for event in events:
        counts[event["topic"]] = counts.get(event["topic"], 0) + 1
    assert counts == {
        "price.update": 50,
        "order.request": 100,
        "order.response": 100,
        "position.opened": 20,
        "service.heartbeat": 3,
    }
    requests = [e["payload"] for e in events if e["topic"] == "order.request"]
    assert [r["orderId"] for r in requests] == [f"order_{i}" for i in range(100)]
    statuses = [e["payload"]["status"] for e in events if e["topic"] == "order.response"]
    assert 55 <= statuses.count("accepted") <= 85  # accept_ratio 0.7 over 100 draws
    assert set(statuses) == {"accepted", "rejected"}


def test_the_same_seed_gives_the_same_fixtures(tmp_path: Path) -> None:
    path = str(EVENTS / "high-frequency-trading.yaml")
    assert play(path, "--report-dir", str(tmp_path / "a"))[0] == 0
    assert play(path, "--report-dir", str(tmp_path / "b"))[0] == 0
    assert only_log(tmp_path / "a") == only_log(tmp_path / "b")
    assert play(path, "--report-dir", str(tmp_path / "c"), "--seed", "8")[0] == 0
    assert only_log(tmp_path / "a") != only_log(tmp_path / "c")


def test_funding_rate_impact_moves_the_rate_through_three_phases(tmp_path: Path) -> None:
    code, output = play(str(EVENTS / "funding-rate-impact.yaml"), "--report-dir", str(tmp_path))
    assert code == 0, output
    events = only_log(tmp_path)
    rates = [e["payload"]["rate"] for e in events if e["topic"] == "funding.rate"]
    assert rates == [0.0001, 0.003, -0.0005]
    opened = [e["payload"]["positionId"] for e in events if e["topic"] == "position.opened"]
    assert opened == ["long_0", "long_1", "long_2", "short_0", "short_1"]
    assert len(events) == 11


def test_loop_three_plays_the_file_three_times_with_moved_seeds(tmp_path: Path) -> None:
    code, output = play(
        str(EVENTS / "funding-rate-impact.yaml"), "--loop", "3", "--report-dir", str(tmp_path)
    )
    assert code == 0, output
    assert [line for line in output.splitlines() if line.startswith("loop ")] == [
        "loop 1 of 3",
        "loop 2 of 3",
        "loop 3 of 3",
    ]
    assert output.count("PASS funding-rate-impact (seed ") == 3
    assert "(seed 2, memory://" in output
    assert "3 passed, 0 failed (3 run(s) of 1 scenario(s) in 3 loop(s))" in output


def test_dry_run_prints_the_schedule_without_publishing(tmp_path: Path) -> None:
    code, output = play(
        str(EVENTS / "trade-and-liquidate.yaml"), "--dry-run", "--report-dir", str(tmp_path)
    )
    assert code == 0, output
    assert "dry run of 'trade-and-liquidate'" in output
    assert "t=   0.500s cycle 0    order.request" in output
    assert not list(tmp_path.rglob("events.jsonl"))


def test_the_json_shape_is_the_same_format(tmp_path: Path) -> None:
    document = {
        "name": "json-events",
        "events": [{"stream": "tick", "payload": {"n": "{{index}}"}, "repeat": 3, "interval": 250}],
        "expect": [{"count": {"topic": "tick", "exact": 3}}],
    }
    path = tmp_path / "events.json"
    path.write_text(json.dumps(document))
    code, output = play(str(path), "--report-dir", str(tmp_path / "r"))
    assert code == 0, output
    events = only_log(tmp_path / "r")
    assert [(e["t"], e["payload"]) for e in events] == [
        (0.0, {"n": 0}),
        (0.25, {"n": 1}),
        (0.5, {"n": 2}),
    ]


def test_a_compiled_event_file_plays_the_same_events(tmp_path: Path) -> None:
    source = EVENTS / "high-frequency-trading.yaml"
    plan_file = tmp_path / "hf.toml"
    assert CliRunner().invoke(main, ["compile", str(source), "-o", str(plan_file)]).exit_code == 0
    assert play(str(source), "--report-dir", str(tmp_path / "a"))[0] == 0
    assert play(str(plan_file), "--report-dir", str(tmp_path / "b"))[0] == 0
    assert only_log(tmp_path / "a") == only_log(tmp_path / "b")


def test_an_event_file_never_runs_python(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "evil.yaml"
    path.write_text(
        f"name: !!python/object/apply:os.system ['touch {marker}']\n"
        "events:\n  - stream: a\n    payload: {}\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            str(path),
            "--report-dir",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid YAML: could not determine a constructor" in result.stderr
    assert not marker.exists()


BAD_CASES = [
    ("anchor_undefined", "anchor_undefined.yaml:3:5: invalid YAML: found undefined alias"),
    (
        "bad_chaos",
        "bad_chaos.yaml:6:5: chaos[0]: must be one {name: {params}} mapping (got 'drop')",
    ),
    ("bad_expect", "bad_expect.yaml:6:5: expect[0]: give min, max or exact"),
    (
        "bad_generator",
        "bad_generator.yaml:4:5: events[0].generator: must be true or a generator name (got 5)",
    ),
    ("bad_indent", "bad_indent.yaml:4:4: invalid YAML: while parsing a block collection"),
    (
        "bad_interval",
        "bad_interval.yaml:5:5: events[0].interval: expected a duration such as '500ms'",
    ),
    ("bad_repeat", "bad_repeat.yaml:5:5: events[0].repeat: must be an integer >= 1 (got 'zero')"),
    ("bad_seed", "bad_seed.yaml:2:1: seed: must be an integer (got 'abc')"),
    (
        "bad_variables",
        "bad_variables.yaml:2:1: variables: must be a mapping of names to values (got [1, 2])",
    ),
    (
        "both_payload_generator",
        "both_payload_generator.yaml:3:5: events[0]: give a payload or generator: true, not both",
    ),
    (
        "dup_colon",
        "dup_colon.yaml:3:14: invalid YAML: mapping values are not allowed in this context",
    ),
    ("empty_events", "empty_events.yaml:2:1: events: must be a non-empty list of events (got [])"),
    (
        "event_not_mapping",
        "event_not_mapping.yaml:3:5: events[0]: an event is a mapping with 'stream:'",
    ),
    ("missing_stream", "missing_stream.yaml:3:5: events[0]: needs a stream name (got None)"),
    ("negative_delay", "negative_delay.yaml:5:5: events[0].delay: must be >= 0 milliseconds"),
    ("neither", "neither.yaml:3:5: events[0]: give a payload or generator: true, not both"),
    ("no_events", "no_events.yaml:1:1: an event file needs an 'events:' list"),
    ("not_mapping", "not_mapping.yaml:1:1: an event file is a mapping with 'events:' (got list)"),
    ("python_tag", "python_tag.yaml:1:7: invalid YAML: could not determine a constructor"),
    ("tab_indent", "tab_indent.yaml:3:1: invalid YAML: while scanning for the next token"),
    ("unclosed_flow", "unclosed_flow.yaml:5:1: invalid YAML: while parsing a flow mapping"),
    ("unclosed_quote", "unclosed_quote.yaml:3:1: invalid YAML: while scanning a quoted scalar"),
    (
        "unknown_key",
        (
            "unknown_key.yaml:4:5: events[0].paylod: unknown key 'paylod' "
            "(hint: did you mean 'payload'?)"
        ),
    ),
    ("unknown_names", "unknown_names.yaml:6:5: chaos[0]: unknown chaos action 'dorp'"),
    (
        "unknown_top",
        "unknown_top.yaml:2:1: event: unknown key 'event' (hint: did you mean 'events'?)",
    ),
]


def test_the_malformed_corpus_covers_every_file() -> None:
    assert {name for name, _ in BAD_CASES} == {p.stem for p in BAD.glob("*.yaml")}
    assert len(BAD_CASES) >= 15


@pytest.mark.parametrize(("name", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_a_malformed_event_file_is_exit_2_with_line_and_column(name: str, message: str) -> None:
    result = CliRunner().invoke(main, ["check", str(BAD / f"{name}.yaml")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{BAD / message}" in result.output, result.output
    with pytest.raises(PlanError):
        load_plans([BAD / f"{name}.yaml"])


DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
YAML_BLOCKS = [
    pytest.param(doc, i, body, id=f"{doc.name}[{i}]")
    for doc in DOCS
    for i, body in enumerate(re.findall(r"^```yaml\n(.*?)^```", doc.read_text(), re.M | re.S))
]


def test_the_docs_show_event_files() -> None:
    assert len(YAML_BLOCKS) >= 2


@pytest.mark.parametrize(("doc", "index", "body"), YAML_BLOCKS)
def test_every_event_file_in_the_docs_plays_and_passes(
    doc: Path, index: int, body: str, tmp_path: Path
) -> None:
    path = tmp_path / f"example{index}.yaml"
    path.write_text(body)
    code, output = play(str(path), "--report-dir", str(tmp_path / "r"))
    assert code == 0, output
