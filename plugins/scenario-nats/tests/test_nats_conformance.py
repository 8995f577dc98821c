"""nats:// passes the bus conformance suite: core NATS, JetStream ephemeral and durable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scenario_engine.testing.bus_conformance import BusConformance
from scenario_engine.testing.servers import BrokerServer, free_port


class TestNatsCoreConformance(BusConformance):
    @pytest.fixture
    def bus_url(self, nats_server: BrokerServer) -> str:
        return nats_server.url + "?outage=60s"

    @pytest.fixture
    def unreachable_url(self) -> str:
        return f"nats://scenario:hunter2@127.0.0.1:{free_port()}"

    @pytest.fixture
    def restart_broker(self, nats_server: BrokerServer) -> Callable[[], None]:
        return lambda: nats_server.restart(kill=True, downtime=0.5)


class TestNatsJetStreamConformance(TestNatsCoreConformance):
    """The same contract holds over a JetStream stream with acknowledged publishes."""

    @pytest.fixture
    def bus_url(self, nats_server: BrokerServer) -> str:
        return nats_server.url + "?stream=CONFORMANCE&outage=60s&batch=50"


class TestNatsDurableConformance(TestNatsCoreConformance):
    """... and with durable consumers that acknowledge each handled message."""

    @pytest.fixture
    def bus_url(self, nats_server: BrokerServer) -> str:
        return nats_server.url + "?stream=DURABLE&durable=conformance&outage=60s"
