"""The redis_server fixture: a real server, and no silent skip on CI."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from scenario_engine.testing.servers import BrokerServer, RedisServer, started_server


def test_the_fixture_serves_a_real_redis_on_localhost(redis_server: BrokerServer) -> None:
    """Binds 127.0.0.1 on its own port and answers PING."""
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.Redis(port=redis_server.port)
    assert client.ping()
    client.close()


def test_a_restart_keeps_the_port(redis_server: BrokerServer) -> None:
    """Comes back on the same port after stop() and start()."""
    port = redis_server.port
    redis_server.stop()
    assert not redis_server.running
    redis_server.start()
    assert redis_server.port == port
    assert redis.Redis(port=port).ping()


def test_a_missing_binary_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails (never skips) when CI=true and redis-server cannot be found."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv(RedisServer.ENV_BINARY, str(tmp_path / "no-such-redis-server"))
    with pytest.raises(pytest.fail.Exception, match="CI=true and a bus test needs a broker"):
        next(started_server("redis", tmp_path))


def test_a_missing_binary_skips_outside_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Skips with the install hint when CI is not set."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(RedisServer.ENV_BINARY, str(tmp_path / "no-such-redis-server"))
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        next(started_server("redis", tmp_path))
