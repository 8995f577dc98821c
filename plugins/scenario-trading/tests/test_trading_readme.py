"""The pack's README: its Python runs and its sample payload is what the market publishes."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from scenario_engine.spi import Tick

from scenario_trading.market import market

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README.read_text(), re.S | re.M)


def test_the_python_examples_run():
    for code in blocks("python"):
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})


def test_the_sample_payload_is_what_a_two_symbol_market_publishes():
    [sample] = blocks("json")
    generator = market(symbol=["BTC-USD", "ETH-USD"], price=[100.0, 50.0], volume_jitter=0.0)
    payload = generator.payload(Tick(0, "calm", 0, 0.0, 0.0, 100.0, 100.0), random.Random(0))
    assert payload == json.loads(sample)
