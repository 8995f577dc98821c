"""Fixtures: a real redis-server per test, on a free port (fails under CI=true if missing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scenario_engine.testing.servers import BrokerServer, started_server


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[BrokerServer]:
    """A redis-server of this test's own: ``.url``, ``.port``, ``.stop()``, ``.start()``."""
    yield from started_server("redis", tmp_path)
