"""Real programs a run starts: the services under test (``Scenario.service``).

Each service runs in a session (process group) of its own, with its standard
output and error together in ``services/<name>.log`` under the run's report
directory, so nothing it said is lost. It learns where the bus is from its
environment (:func:`service_environment`); its ``env=`` values and its command
line may name the same values as templates (``{{broker_url}}``).

The run waits until each service is ready - a line of its output matches,
an event arrives on a topic, or a TCP port accepts - then keeps an eye on
it: a service that exits before the end fails the run (exit 1) with its
last lines of output. At the end each one gets SIGTERM, and SIGKILL after
its grace period.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from loguru import logger

from scenario_engine.buses.url import parse_bus_url
from scenario_engine.durations import format_duration
from scenario_engine.errors import UsageError
from scenario_engine.plan.nodes import ServiceNode
from scenario_engine.plan.services import service_label, split_command
from scenario_engine.plan.values import thaw
from scenario_engine.templates import TemplateError, render

__all__ = ["ServiceError", "ServiceProcess", "service_environment"]

#: lines of a service's output quoted when it fails
TAIL_LINES = 15
#: how often a readiness wait looks again (the bus is polled meanwhile)
_READY_POLL = 0.05


class ServiceError(Exception):
    """A service could not start, never became ready, or exited during the run."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


def service_environment(bus_url: str) -> dict[str, str]:
    """What every service is told about the bus (also the templates its ``env=`` may use).

    ``SCENARIO_BUS_URL`` is the run's bus URL as the engine uses it;
    ``SCENARIO_BROKER_URL`` is the same without the engine's options, as a
    plain client dials it (``redis://127.0.0.1:6379/0``, ``nats://127.0.0.1:4222``);
    ``SCENARIO_PREFIX`` is the Redis stream prefix and ``SCENARIO_STREAM`` the
    JetStream stream, empty when the URL sets none.
    """
    try:
        url = parse_bus_url(bus_url)
        options: Mapping[str, str] = url.options
    except UsageError:
        options = {}
    broker = bus_url.split("#", 1)[0].split("?", 1)[0]
    return {
        "SCENARIO_BUS_URL": bus_url,
        "SCENARIO_BROKER_URL": broker,
        "SCENARIO_PREFIX": options.get("prefix", ""),
        "SCENARIO_STREAM": options.get("stream", ""),
    }


def _template_context(bus_env: Mapping[str, str], variables: Mapping[str, Any]) -> dict[str, Any]:
    names = {f"{key.removeprefix('SCENARIO_').lower()}": value for key, value in bus_env.items()}
    return {**variables, **names}


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._") or "service"


class ServiceProcess:
    """One started service: its process, its output file, its readiness and its end."""

    def __init__(
        self,
        node: ServiceNode,
        *,
        bus_url: str,
        variables: Mapping[str, Any],
        directory: Path | None,
    ) -> None:
        self.node = node
        self.name = service_label(node)
        self._bus_env = service_environment(bus_url)
        self._context = _template_context(self._bus_env, variables)
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="scenario-service-")
            directory = Path(self._scratch.name)
        self.log_path = directory / "services" / f"{_safe(self.name)}.log"
        self.shown_path = (
            f"services/{self.log_path.name}" if self._scratch is None else str(self.log_path)
        )
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._read_at = 0
        self._partial = b""
        self.ready_after: float | None = None
        self.reported = False
        self._stopping = False

    # ------------------------------------------------------------------ start

    def _render(self, text: str, what: str) -> str:
        try:
            return str(render(text, self._context))
        except TemplateError as err:
            raise ServiceError(
                f"service {self.name!r}: {what} names an unknown template variable "
                f"{err.name!r} (known: {', '.join(sorted(self._context))})"
            ) from None

    def start(self) -> None:
        """Start the process; raises :class:`ServiceError` if it cannot be started."""
        node = self.node
        args = split_command(self._render(node.command, "the command"))
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self._bus_env,
               "SCENARIO_SERVICE": self.name}
        for key, value in thaw(node.env).items():
            env[key] = self._render(str(value), f"env {key}")
        cwd = self._render(node.cwd, "cwd") if node.cwd is not None else None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        try:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own process group: SIGTERM reaches its children
            )
        except OSError as err:
            self._log.close()
            raise ServiceError(
                f"service {self.name!r} could not start {args[0]!r}: "
                f"{err.strerror or err}" + (f" (cwd {cwd})" if cwd else ""),
            ) from None
        self._started = time.monotonic()
        logger.bind(service=self.name, pid=self.process.pid).info("service started")

    # ------------------------------------------------------------------ readiness

    def waiting_for(self) -> str:
        node = self.node
        if node.ready_line is not None:
            return f"a line matching {node.ready_line!r} on its output"
        if node.ready_topic is not None:
            return f"an event on {node.ready_topic!r}"
        if node.ready_port is not None:
            return f"127.0.0.1:{node.ready_port} to accept connections"
        return "nothing"

    def _new_lines(self) -> list[str]:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._read_at)
                chunk = log.read()
        except OSError:
            return []
        self._read_at += len(chunk)
        data = self._partial + chunk
        *complete, self._partial = data.split(b"\n")
        lines = [line.decode(errors="replace").rstrip("\r") for line in complete]
        if self.process is not None and self.process.poll() is not None and self._partial:
            lines.append(self._partial.decode(errors="replace"))
            self._partial = b""
        return lines

    def _port_open(self, port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    def wait_ready(self, poll: Callable[[float], object], arrived: Callable[[str], bool]) -> None:
        """Return once the service is ready; ``poll`` keeps the bus delivering meanwhile.

        Raises:
            ServiceError: it exited first, or was not ready within ``ready_timeout``.
        """
        node = self.node
        pattern = re.compile(node.ready_line) if node.ready_line is not None else None
        deadline = self._started + node.ready_timeout
        while True:
            if pattern is not None and any(pattern.search(line) for line in self._new_lines()):
                break
            if node.ready_topic is not None and arrived(node.ready_topic):
                break
            if node.ready_port is not None and self._port_open(node.ready_port):
                break
            if pattern is None and node.ready_topic is None and node.ready_port is None:
                break
            code = self.returncode()
            if code is not None:
                self.reported = True
                raise ServiceError(
                    f"service {self.name!r} {self._ended(code)} before it was ready "
                    f"(waiting for {self.waiting_for()})",
                    self.tail(),
                )
            if time.monotonic() >= deadline:
                self.reported = True
                raise ServiceError(
                    f"service {self.name!r} did not become ready within "
                    f"{format_duration(node.ready_timeout)} (waiting for {self.waiting_for()})",
                    self.tail(),
                )
            poll(_READY_POLL)
        self.ready_after = time.monotonic() - self._started
        logger.bind(service=self.name, after_s=round(self.ready_after, 3)).info("service ready")

    # ------------------------------------------------------------------ watching and stopping

    def returncode(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def _ended(self, code: int) -> str:
        if code < 0:
            try:
                return f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"

    def check(self) -> None:
        """Raise :class:`ServiceError` (once) if the service has exited during the run."""
        if self.reported or self._stopping:
            return
        code = self.returncode()
        if code is not None:
            self.reported = True
            raise ServiceError(f"service {self.name!r} {self._ended(code)} during the run",
                                 self.tail())

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines of its output, headed by where the whole of it is."""
        if self._log is not None:
            self._log.flush()
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        last = text.rstrip("\n").splitlines()[-lines:]
        if not last:
            return f"it wrote nothing ({self.shown_path})"
        return "\n".join([f"last lines of its output ({self.shown_path}):", *last])

    def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL after ``grace``; safe to call twice."""
        process = self.process
        self._stopping = True
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(self.node.grace)
            except subprocess.TimeoutExpired:
                logger.bind(service=self.name).warning(
                    "service ignored SIGTERM for {}; killing it", format_duration(self.node.grace))
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process is not None:
            # whatever it left behind in its group (children that outlived it)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self.stop()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
