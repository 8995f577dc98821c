"""Hypothesis strategies for events, and what each built-in codec carries on each shape."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from scenario_engine.events import Event
from scenario_engine.testing.codec_checks import entry_of

__all__ = ["CARRIED", "entry_of", "events", "fields_round_trip", "message_round_trip"]

#: on Redis Streams, what besides the payload survives (json and flat write the payload alone)
CARRIED: dict[str, set[str]] = {
    "native": {"key", "headers"},
    "faststream": {"key", "headers"},
    "json": set(),
    "flat": set(),
}

_INT64 = st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_SCALARS = st.none() | st.booleans() | _INT64 | _FLOATS | st.text(max_size=20)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
#: what a header value or key can be on every broker: one line of text, no surrounding blanks
_LINE = st.from_regex(r"[A-Za-z0-9_.:/=+-]([A-Za-z0-9_.:/=+ -]{0,18}[A-Za-z0-9_.:/=+-])?",
                      fullmatch=True)
_HEADER_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}", fullmatch=True).filter(
    lambda n: not n.lower().startswith(("scenario-", "nats-"))
    and n.lower() not in ("content-type", "correlation_id"))


def events(topic: str = "codec.check", *, flat: bool = False) -> st.SearchStrategy[Event]:
    """Events as the engine publishes them; ``flat``: payloads with top-level keys."""
    payloads = (st.dictionaries(st.text(max_size=10), JSON_VALUES, min_size=1, max_size=5)
                if flat else JSON_VALUES)
    return st.builds(
        Event,
        topic=st.just(topic),
        payload=payloads,
        key=st.none() | _LINE,
        headers=st.dictionaries(_HEADER_NAMES, st.text(max_size=12) | _LINE, max_size=3),
        id=_LINE,
        time=st.floats(min_value=0, max_value=1e6, allow_nan=False),
        cycle=st.integers(min_value=0, max_value=10**6),
        source=st.sampled_from(["engine", "system", "chaos", "relay"]),
        marks=st.lists(st.sampled_from(["delay", "drop", "duplicate"]), max_size=2).map(tuple),
    )


def _same_payload(a: Any, b: Any) -> bool:
    return bool(a == b and type(a) is type(b)) or (a == b and not isinstance(a, bool | int))


def fields_round_trip(codec: str, sent: Event, back: Event) -> bool:
    """Redis: the payload always; key, headers and the metadata where the codec carries them."""
    if not _same_payload(sent.payload, back.payload) or sent.topic != back.topic:
        return False
    if "key" in CARRIED[codec]:
        return back == sent
    return True


def message_round_trip(sent: Event, back: Event) -> bool:
    """NATS: every built-in codec that writes messages carries everything."""
    return back == sent
