"""A bus password is never printed or written: not by show, not in any error, not in a
compiled plan, report.json, events.jsonl, JUnit or HTML -- whatever characters it holds.

The run is real: a Redis server that requires the password.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from scenario_engine.buses.env import expand, externalize
from scenario_engine.buses.url import parse_bus_url, redact, scrub
from scenario_engine.cli import main
from scenario_engine.errors import UsageError
from scenario_engine.testing.servers import BrokerServer, started_server

SCENARIO = str(Path(sys.executable).with_name("scenario"))
#: every character that breaks a URL, between pieces that must never show
PASSWORD = "Zq7/Xw4#Yk5?Vb6@Nm8%Lp9"
PIECES = ("Zq7", "Xw4", "Yk5", "Vb6", "Nm8", "Lp9")


def leaked(text: str) -> list[str]:
    return [piece for piece in PIECES if piece in text]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[BrokerServer]:
    yield from started_server("redis", tmp_path, password=PASSWORD)


def _url(server: BrokerServer, password: str = quote(PASSWORD, safe="")) -> str:
    return f"redis://default:{password}@127.0.0.1:{server.port}/0"


def _playbook(url: str) -> str:
    return (
        "from scenario_engine import Count, Scenario\n"
        f"s = (Scenario('secret', seed=5).bus({url!r})\n"
        "     .publish('t', {'n': '{{index}}'}, repeat=3, interval='50ms')\n"
        "     .expect(Count('t', min=3)))\n"
    )


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCENARIO, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, **env},
    )


def _written(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


# --------------------------------------------------------------------------- a real run


def test_a_password_shows_nowhere_in_a_real_run_its_reports_and_its_compiled_plan(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    url = _url(redis_server)
    (tmp_path / "book.py").write_text(_playbook(url))

    shown = _run(["show", "book.py"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"  bus: redis://default:***@127.0.0.1:{redis_server.port}/0   clock:" in shown.stdout

    reports = tmp_path / "reports"
    played = _run(["play", "book.py", "--report-dir", str(reports), "--reporter", "junit",
                   "--reporter", "html"], tmp_path)
    assert played.returncode == 0, played.stdout + played.stderr
    [run_dir] = [p for p in (reports / "secret").iterdir() if p.name != "latest"]
    files = sorted(p.name for p in run_dir.iterdir())
    assert {"events.jsonl", "report.json"} <= set(files)
    assert any(name.endswith(".xml") for name in files)
    assert any(name.endswith(".html") for name in files)
    assert "default:***@" in (run_dir / "report.json").read_text()
    assert leaked(played.stdout + played.stderr + _written(reports)) == []

    compiled = _run(["compile", "book.py", "-o", "book.toml"], tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    text = (tmp_path / "book.toml").read_text()
    stored = f"redis://default:${{SCENARIO_BUS_PASSWORD}}@127.0.0.1:{redis_server.port}/0"
    assert f'bus = "{stored}"' in text
    assert compiled.stderr.endswith(
        "note: a bus secret is not written to book.toml: the plan reads it from "
        "${SCENARIO_BUS_PASSWORD} when it runs; set it first: "
        "export SCENARIO_BUS_PASSWORD=<the secret>\n"
    )
    assert leaked(text + compiled.stdout + compiled.stderr) == []

    unset = _run(["play", "book.toml", "--report-dir", "unset"], tmp_path)
    assert unset.returncode == 2
    assert unset.stderr == (
        f"error: bus URL redis://default:${{SCENARIO_BUS_PASSWORD}}@127.0.0.1:"
        f"{redis_server.port}/0: environment variable SCENARIO_BUS_PASSWORD is not set\n"
        "  hint: export SCENARIO_BUS_PASSWORD=... before the run (the plan keeps secrets out "
        "of files)\n"
    )

    again = tmp_path / "again"
    replayed = _run(["play", "book.toml", "--report-dir", str(again), "--reporter", "junit"],
                    tmp_path, SCENARIO_BUS_PASSWORD=PASSWORD)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert leaked(replayed.stdout + replayed.stderr + _written(again)) == []


def test_a_wrong_password_fails_without_showing_it(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    wrong = "Zq7@Xw4%Yk5"
    (tmp_path / "book.py").write_text(_playbook(_url(redis_server, wrong)))
    played = _run(["play", "book.py", "--report-dir", "r"], tmp_path)
    assert played.returncode == 3, played.stdout + played.stderr
    assert "default:***@" in played.stderr
    assert leaked(played.stdout + played.stderr + _written(tmp_path / "r")) == []


# --------------------------------------------------------------------------- every error


@pytest.mark.parametrize("password", ["Zq7/Xw4", "Zq7#Xw4", "Zq7?Xw4", "Zq7@Xw4", "Zq7%Xw4",
                                      PASSWORD, quote(PASSWORD, safe="")])
@pytest.mark.parametrize(
    "address", ["127.0.0.1:1/0", "127.0.0.1:notaport/0", "127.0.0.1:1/0?bogus=1", "[::1/0"]
)
@pytest.mark.parametrize("where", ["playbook", "plan", "--bus"])
def test_no_error_about_a_bus_url_shows_its_password(
    password: str, address: str, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"redis://default:{password}@{address}"
    if where == "playbook":
        (tmp_path / "s.py").write_text(_playbook(url))
        args = ["play", "s.py"]
    elif where == "plan":
        (tmp_path / "s.toml").write_text(
            f'format = 1\n[[plans]]\nname = "s"\nbus = {url!r}\n'
            '[[plans.steps]]\ntype = "publish"\ntopic = "t"\n'.replace("'", '"')
        )
        args = ["play", "s.toml"]
    else:
        (tmp_path / "s.toml").write_text(
            'format = 1\n[[plans]]\nname = "s"\n[[plans.steps]]\ntype = "publish"\ntopic = "t"\n'
        )
        args = ["play", "s.toml", "--bus", url]
    runner = CliRunner()
    for command in (args, ["show", args[1]], ["check", args[1]]):
        result = runner.invoke(main, [*command, "--report-dir", "r"] if command is args else
                               command, catch_exceptions=False)
        written = _written(tmp_path / "r") if (tmp_path / "r").exists() else ""
        assert leaked(result.output + written) == [], (command, result.output)
    assert runner.invoke(main, args, catch_exceptions=False).exit_code in (2, 3)


# --------------------------------------------------------------------------- the functions


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://u:p/ss@h:1/0", "redis://u:***@h:1/0"),
        ("redis://u:p#ss@h:1/0", "redis://u:***@h:1/0"),
        ("redis://u:p?ss@h:1/0", "redis://u:***@h:1/0"),
        ("redis://u:p@ss@h:1/0", "redis://u:***@h:1/0"),
        ("redis://u:p%ss@h:1/0", "redis://u:***@h:1/0"),
        ("nats://to/ken@h:4222", "nats://***@h:4222"),
        (f"redis://default:{PASSWORD}@h:1/0?batch=5", "redis://default:***@h:1/0?batch=5"),
        ("redis://h:1/0?client_name=me@host", "redis://h:1/0?client_name=me@host"),
        ("redis://u:${REDIS_PASSWORD}@h:1/0", "redis://u:${REDIS_PASSWORD}@h:1/0"),
        ("nats://h:4222?token=${NATS_TOKEN}", "nats://h:4222?token=${NATS_TOKEN}"),
        ("u:pw@h:1", "u:***@h:1"),
    ],
)
def test_redact_masks_a_password_whatever_it_holds(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_scrub_masks_an_unencoded_password_in_a_client_s_message() -> None:
    url = f"redis://default:{PASSWORD}@h:1/0"
    assert leaked(scrub(f"AUTH {PASSWORD} failed; {quote(PASSWORD, safe='')}", url)) == []


def test_a_password_that_needs_encoding_is_a_usage_error_that_says_how() -> None:
    with pytest.raises(UsageError) as err:
        parse_bus_url("redis://default:Zq7/Xw4@h:1/0")
    assert str(err.value) == (
        "bus URL redis://default:***@h:1/0: the user or password holds '/', '?' or '#', which a "
        "URL must percent-encode\n  hint: write / as %2F, ? as %3F, # as %23 (and @ as %40, % as "
        "%25), or keep the password in an environment variable: "
        "redis://user:${REDIS_PASSWORD}@host"
    )


def test_environment_references_expand_percent_encoded_where_the_url_needs_it() -> None:
    env = {"P": PASSWORD, "HOST": "db.local", "T": "a&b"}
    url = expand("redis://app:${P}@${HOST}:6379/0?token=${T}", env)
    assert url == f"redis://app:{quote(PASSWORD, safe='')}@db.local:6379/0?token=a%26b"
    parsed = parse_bus_url(url)
    assert (parsed.password, parsed.host, parsed.options["token"]) == (PASSWORD, "db.local", "a&b")


def test_externalize_names_each_distinct_secret_once() -> None:
    used: dict[str, str] = {}
    first, found = externalize("redis://u:one@h:1/0?password=two", used)
    assert first == "redis://u:${SCENARIO_BUS_PASSWORD}@h:1/0?password=${SCENARIO_BUS_PASSWORD_2}"
    assert found == {"SCENARIO_BUS_PASSWORD": "one", "SCENARIO_BUS_PASSWORD_2": "two"}
    used.update(found)
    same, again = externalize("nats://one@h:4222", used)
    assert same == "nats://${SCENARIO_BUS_PASSWORD}@h:4222"
    assert again == {"SCENARIO_BUS_PASSWORD": "one"}
    assert externalize("redis://h:1/0", used) == ("redis://h:1/0", {})


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[BrokerServer]:
    yield from started_server("nats", tmp_path, token=PASSWORD)


def test_a_nats_token_of_any_characters_works_percent_encoded_and_shows_nowhere(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    url = f"nats://{quote(PASSWORD, safe='')}@127.0.0.1:{nats_server.port}"
    (tmp_path / "book.py").write_text(_playbook(url))
    played = _run(["play", "book.py", "--report-dir", "r", "--reporter", "junit"], tmp_path)
    assert played.returncode == 0, played.stdout + played.stderr
    assert f"nats://***@127.0.0.1:{nats_server.port}" in played.stdout
    wrong = _run(["play", "book.py", "--report-dir", "w", "--bus",
                  f"nats://Zq7%40Xw4@127.0.0.1:{nats_server.port}"], tmp_path)
    assert wrong.returncode == 3
    everything = played.stdout + played.stderr + wrong.stdout + wrong.stderr
    assert leaked(everything + _written(tmp_path / "r") + _written(tmp_path / "w")) == []
