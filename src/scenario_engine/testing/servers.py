"""Real brokers for tests and benchmarks: ``redis-server`` and ``nats-server`` on free ports.

Bus tests talk to the real thing, never a mock, so this module starts the
broker binaries installed on the machine (Debian packages ``redis-server`` and
``nats-server``), bound to 127.0.0.1 on a free port, in a private directory.
A server can be stopped, killed and started again *on the same port*, which
is what broker-fault tests need; a NATS server keeps its JetStream store
across restarts, like a production one would.

A missing binary raises :class:`ServerUnavailableError`. The pytest helper
:func:`started_server` turns that into a *failure* when the ``CI``
environment variable is true (a CI run must never silently skip its bus
tests) and into a skip otherwise, so a laptop without brokers can still run
the rest of the suite::

    @pytest.fixture
    def redis_server(tmp_path):
        yield from started_server("redis", tmp_path)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, ClassVar, Literal

from scenario_engine.errors import InfrastructureError

__all__ = [
    "BrokerServer",
    "NatsServer",
    "RedisServer",
    "ServerUnavailableError",
    "free_port",
    "in_ci",
    "make_server",
    "started_server",
]

_LOCALHOST = "127.0.0.1"


class ServerUnavailableError(InfrastructureError):
    """A broker binary is missing, or the broker did not come up."""


def in_ci() -> bool:
    """True when the ``CI`` environment variable says so (``true``, ``1``, ``yes``)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class BrokerServer:
    """A broker process this test run owns: start, stop, kill, start again on the same port.

    Subclasses say which binary to run, with which arguments, and how to
    recognise that it accepts clients. Use it as a context manager, or call
    :meth:`start` and :meth:`close`.

    Args:
        workdir: where the server keeps its files and its log; a fresh
            temporary directory (removed by :meth:`close`) when omitted.
        port: a fixed port; a free one when omitted.
        binary: the executable; defaults to ``$<ENV_BINARY>`` or the usual name on PATH.
        startup_timeout: seconds to wait for the first accepted connection.
    """

    #: executable name on PATH
    BINARY: ClassVar[str] = ""
    #: environment variable that may name the executable instead
    ENV_BINARY: ClassVar[str] = ""
    #: Debian package that provides it (for the hint)
    PACKAGE: ClassVar[str] = ""
    SCHEME: ClassVar[str] = ""

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        port: int | None = None,
        binary: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self._owns_workdir = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.BINARY}-")) if workdir is None \
            else Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._port_pinned = port is not None
        self.port = port if port is not None else free_port()
        self._binary = binary or os.environ.get(self.ENV_BINARY) or self.BINARY
        self.startup_timeout = startup_timeout
        self.log_path = self.workdir / f"{self.BINARY}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._started_once = False
        self.starts = 0

    # ------------------------------------------------------------------ what subclasses say

    def arguments(self) -> list[str]:
        """Command-line arguments after the binary."""
        raise NotImplementedError

    def accepts(self, sock: socket.socket) -> bool:
        """True once the server answers like itself on a fresh connection."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"{self.SCHEME}://{_LOCALHOST}:{self.port}"

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def executable(self) -> str:
        """The binary's full path; raises :class:`ServerUnavailableError` if it is not installed."""
        found = shutil.which(self._binary)
        if found is None:
            where = "" if "/" in self._binary else " on PATH"
            raise ServerUnavailableError(
                f"{self._binary} not found{where}",
                hint=f"install it (apt-get install {self.PACKAGE}) or set "
                f"{self.ENV_BINARY} to the executable",
            )
        return found

    def start(self) -> BrokerServer:
        """Start the server (no-op if running) and wait until it accepts connections."""
        if self.running:
            return self
        executable = self.executable()
        attempts = 1 if (self._port_pinned or self._started_once) else 5
        for attempt in range(attempts):
            self._spawn(executable)
            try:
                self._wait_ready()
            except ServerUnavailableError:
                self._reap()
                # another process may have taken the free port first: pick a new one
                if attempt + 1 < attempts and "in use" in _tail(self.log_path).lower():
                    self.port = free_port()
                    continue
                raise
            break
        self._started_once = True
        self.starts += 1
        return self

    def _spawn(self, executable: str) -> None:
        if self._log is None:
            self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [executable, *self.arguments()],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches the test run, not the broker
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.01
        while True:
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise ServerUnavailableError(
                    f"{self.BINARY} exited with code {code} while starting on port {self.port}:\n"
                    + _tail(self.log_path),
                    hint=f"see {self.log_path}",
                )
            with contextlib.suppress(OSError), socket.create_connection(
                (_LOCALHOST, self.port), timeout=1.0
            ) as sock:
                sock.settimeout(2.0)
                if self.accepts(sock):
                    return
            if time.monotonic() > deadline:
                raise ServerUnavailableError(
                    f"{self.BINARY} did not accept connections on {_LOCALHOST}:{self.port} "
                    f"within {self.startup_timeout:g}s:\n" + _tail(self.log_path),
                    hint=f"see {self.log_path}",
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _reap(self, sig: signal.Signals = signal.SIGTERM, grace: float = 10.0) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=grace)
        self._process = None

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), as an operator would; the port stays ours."""
        self._reap(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the server abruptly (SIGKILL), as a crash would."""
        self._reap(signal.SIGKILL)

    def restart(self, *, kill: bool = False, downtime: float = 0.0) -> None:
        """Stop (or kill) the server, stay down ``downtime`` seconds, start it on the same port."""
        if kill:
            self.kill()
        else:
            self.stop()
        if downtime:
            time.sleep(downtime)
        self.start()

    def close(self) -> None:
        """Stop the server and remove the directory it was given by default."""
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> BrokerServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"{type(self).__name__}({self.url!r}, {state})"


class RedisServer(BrokerServer):
    """``redis-server`` without persistence: a restart starts from an empty dataset.

    Args:
        password: require this password (``--requirepass``), to test authentication.
    """

    BINARY = "redis-server"
    ENV_BINARY = "SCENARIO_REDIS_SERVER"
    PACKAGE = "redis-server"
    SCHEME = "redis"

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        password: str | None = None,
        port: int | None = None,
        binary: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        super().__init__(workdir, port=port, binary=binary, startup_timeout=startup_timeout)
        self.password = password

    def arguments(self) -> list[str]:
        args = [
            "--port", str(self.port),
            "--bind", _LOCALHOST,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--daemonize", "no",
        ]
        if self.password:
            args += ["--requirepass", self.password]
        return args

    def accepts(self, sock: socket.socket) -> bool:
        sock.sendall(b"PING\r\n")
        reply = sock.recv(64)
        # "+PONG", or "-NOAUTH" when a password is required: either way it serves
        return reply[:1] in (b"+", b"-")

    @property
    def url(self) -> str:
        return f"redis://{_LOCALHOST}:{self.port}/0"


class NatsServer(BrokerServer):
    """``nats-server`` with JetStream; the store directory survives restarts.

    Args:
        jetstream: enable JetStream (``-js``) with its store under ``workdir``.
        token: require this client token (``--auth``), to test authentication.
    """

    BINARY = "nats-server"
    ENV_BINARY = "SCENARIO_NATS_SERVER"
    PACKAGE = "nats-server"
    SCHEME = "nats"

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        jetstream: bool = True,
        token: str | None = None,
        port: int | None = None,
        binary: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        super().__init__(workdir, port=port, binary=binary, startup_timeout=startup_timeout)
        self.jetstream = jetstream
        self.token = token
        self.store_dir = self.workdir / "jetstream"

    def arguments(self) -> list[str]:
        args = ["-a", _LOCALHOST, "-p", str(self.port)]
        if self.jetstream:
            args += ["-js", "-sd", str(self.store_dir)]
        if self.token:
            args += ["--auth", self.token]
        return args

    def accepts(self, sock: socket.socket) -> bool:
        # a NATS server greets every client with an INFO line
        greeting = b""
        while b"\r\n" not in greeting and len(greeting) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                return False
            greeting += chunk
        return greeting.startswith(b"INFO ")


Kind = Literal["redis", "nats"]


def make_server(kind: Kind, workdir: Path | None = None, **options: Any) -> BrokerServer:
    """A (not yet started) server of ``kind``: ``"redis"`` or ``"nats"``."""
    if kind == "redis":
        return RedisServer(workdir, **options)
    if kind == "nats":
        return NatsServer(workdir, **options)
    raise ValueError(f"unknown server kind {kind!r}; expected 'redis' or 'nats'")


def started_server(kind: Kind, workdir: Path, **options: Any) -> Iterator[BrokerServer]:
    """For pytest fixtures: yield a started server of ``kind``, close it afterwards.

    A missing binary fails the test when ``CI`` is true and skips it
    otherwise; any other startup problem always fails.
    """
    import pytest

    server = make_server(kind, workdir / f"{kind}-server", **options)
    try:
        server.executable()
    except ServerUnavailableError as err:
        message = f"{err.message} ({err.hint})"
        if in_ci():
            pytest.fail(f"CI=true and a bus test needs a broker: {message}", pytrace=False)
        pytest.skip(message)
    try:
        server.start()
        yield server
    finally:
        server.close()
