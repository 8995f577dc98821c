"""Fixtures: a real nats-server with JetStream per test, on a free port (CI=true: must exist)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scenario_engine.testing.servers import BrokerServer, started_server


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[BrokerServer]:
    """A nats-server of this test's own: ``.url``, ``.port``, ``.stop()``, ``.start()``."""
    yield from started_server("nats", tmp_path)
