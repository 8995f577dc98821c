"""docs/real-services.md shows the files the suite runs, and its commands print what it says.

Every Python block of the guide is a file of docs/examples/ (named on its
first line), shown whole; tests/integration/test_services.py runs each of
those playbooks against real brokers. Here the guide's commands run as
written, on a NATS server of the test's own.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.testing.servers import BrokerServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "real-services.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: the bus the guide's commands name, replaced by the test's own server
GUIDE_BUS = "nats://127.0.0.1:4222"
GUIDE_REDIS = "redis://127.0.0.1:6379/0"


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(GUIDE.read_text()) if lang == language]


@pytest.mark.parametrize("code", blocks("python"), ids=lambda c: c.splitlines()[0][2:])
def test_each_python_block_is_a_whole_example_file(code: str) -> None:
    first, _, rest = code.partition("\n")
    assert first.startswith("# docs/examples/"), "a block of the guide names its file"
    assert rest == (REPO / first[2:]).read_text()


def test_the_readme_links_the_guide_from_its_first_screen() -> None:
    first_screen = "\n".join((REPO / "README.md").read_text().splitlines()[:24])
    assert "(docs/real-services.md)" in first_screen


def commands() -> list[str]:
    return [line for block in blocks("bash") for line in block.splitlines() if line.strip()]


def command_id(command: str) -> str:
    name = command.split(" -k ")[1].split(maxsplit=1)[0]
    codec = command.partition("?codec=")[2].partition('"')[0]
    return f"{name}-{codec}" if codec else name


@pytest.mark.parametrize(
    "command",
    [pytest.param(c, id=command_id(c)) for c in commands()],
)
def test_each_command_of_the_guide_prints_what_the_guide_shows(
    command: str, request: pytest.FixtureRequest, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    if GUIDE_REDIS in command:
        server: BrokerServer = request.getfixturevalue("redis_server")
        command = command.replace(GUIDE_REDIS, server.url)
    else:
        server = request.getfixturevalue("nats_server")
        command = command.replace(GUIDE_BUS, server.url)
    args = shlex.split(command.strip())
    assert args[:2] == ["scenario", "play"]
    result = CliRunner().invoke(main, [*args[1:], "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    if "-k orders-nats " in command or "-k orders-redis " in command:
        [shown] = [b for b in blocks("text") if "assertions: 5/5 held" in b]
        for line in shown.splitlines():
            assert line in result.output.splitlines(), line


def test_the_doubled_orders_fail_as_the_guide_shows(
    nats_server: BrokerServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, [
        "play", "docs/examples/orders.py", "-k", "orders-doubled", "--bus", nats_server.url,
        "--report-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    [shown] = [b for b in blocks("text") if "orderId='o-7'" in b]
    head, *rest = shown.splitlines()
    assert head.split(" at ")[0] in result.output  # the time differs from run to run
    for line in rest:
        assert line in result.output.splitlines(), line
