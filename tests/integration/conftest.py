"""Fixtures for tests against real brokers, and for running ``scenario host`` in a subprocess.

``redis_server`` and ``nats_server`` start a broker of the test's own on a
free 127.0.0.1 port. A missing broker binary fails the test under
``CI=true`` and skips it otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scenario_engine.testing.servers import BrokerServer, started_server

HERE = Path(__file__).parent
#: generous: a loaded two-core CI machine starts Python processes slowly
STARTUP_TIMEOUT = 60.0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[BrokerServer]:
    """A redis-server of this test's own: ``.url``, ``.port``, ``.stop()``, ``.start()``."""
    yield from started_server("redis", tmp_path)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[BrokerServer]:
    """A nats-server with JetStream of this test's own (the store survives restarts)."""
    yield from started_server("nats", tmp_path)


class HostProcess:
    """A ``scenario host`` subprocess; its output goes to files the test can read."""

    def __init__(self, args: list[str], workdir: Path) -> None:
        self.ready_file = workdir / "host.ready"
        self.stdout_path = workdir / "host.out"
        self.stderr_path = workdir / "host.err"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
        command = [sys.executable, "-c", "from scenario_engine.cli import main; main()", "host",
                   *args, "--ready-file", str(self.ready_file)]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(command, stdout=out, stderr=err, cwd=workdir,
                                            env=env)

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready_file.exists():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"scenario host exited with {self.process.returncode} before it was ready:\n"
                    f"{self.stdout}\n{self.stderr}")
            if time.monotonic() > deadline:
                raise AssertionError(f"scenario host not ready after {timeout}s:\n{self.stderr}")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send ``sig`` and wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
            raise AssertionError(f"scenario host ignored {sig.name}:\n{self.stderr}") from None

    def wait(self, timeout: float = STARTUP_TIMEOUT) -> int:
        return self.process.wait(timeout)


@pytest.fixture
def start_host(tmp_path: Path) -> Iterator[Callable[..., HostProcess]]:
    """Start ``scenario host ARGS...`` (with ``--ready-file``); every host is stopped afterwards."""
    started: list[HostProcess] = []

    def start(*args: str) -> HostProcess:
        workdir = tmp_path / f"host{len(started)}"
        workdir.mkdir()
        hosted = HostProcess(list(args), workdir)
        started.append(hosted)
        return hosted

    yield start
    for hosted in started:
        if hosted.process.poll() is None:
            hosted.process.kill()
            hosted.process.wait(30)
