"""Every trading profile and the market generator pass the engine's component checks."""

from __future__ import annotations

import pytest
from scenario_engine.registry import Registry
from scenario_engine.testing.checks import check_generator, check_profile

REGISTRY = Registry()
PROFILES = [info.name for info in REGISTRY.entries("profile")
            if info.distribution == "scenario-trading"]


def test_the_pack_registers_its_ten_profiles() -> None:
    assert len(PROFILES) == 10


@pytest.mark.parametrize("name", PROFILES)
def test_the_profile_conforms_with_its_defaults(name: str) -> None:
    path = check_profile(REGISTRY.load("profile", name), {}, start=100.0, cycles=60)
    assert all(float(value) > 0 for value in path)


def test_the_market_generator_conforms() -> None:
    payloads = check_generator(REGISTRY.load("generator", "trading.market"),
                               {"price": 50.0, "volatility": 0.01})
    assert all(p["bid"] < p["ask"] for p in payloads)


@pytest.mark.parametrize("stream", ["price.update", "order.request", "order.response",
                                    "position.opened", "funding.rate", "service.heartbeat"])
def test_the_fixtures_generator_conforms_for_every_stream(stream: str) -> None:
    payloads = check_generator(REGISTRY.load("generator", "trading.fixtures"), {"stream": stream})
    assert all(isinstance(p, dict) and p for p in payloads)


def test_the_fixtures_generator_names_the_streams_it_knows() -> None:
    from scenario_engine.spi import ParamError

    with pytest.raises(ParamError, match=r"stream: has no fixture \(streams: funding.rate, "):
        REGISTRY.load("generator", "trading.fixtures")(stream="nope")
