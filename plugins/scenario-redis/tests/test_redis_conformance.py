"""redis:// passes the bus conformance suite, plain and in consumer-group mode."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scenario_engine.testing.bus_conformance import BusConformance
from scenario_engine.testing.servers import BrokerServer, free_port


class TestRedisConformance(BusConformance):
    @pytest.fixture
    def bus_url(self, redis_server: BrokerServer) -> str:
        return redis_server.url + "?outage=60s"

    @pytest.fixture
    def unreachable_url(self) -> str:
        return f"redis://scenario:hunter2@127.0.0.1:{free_port()}/0"

    @pytest.fixture
    def restart_broker(self, redis_server: BrokerServer) -> Callable[[], None]:
        return lambda: redis_server.restart(kill=True, downtime=0.5)


class TestRedisGroupConformance(TestRedisConformance):
    """The same contract holds when reading through a consumer group."""

    @pytest.fixture
    def bus_url(self, redis_server: BrokerServer) -> str:
        return redis_server.url + "?outage=60s&group=conformance&batch=7"
