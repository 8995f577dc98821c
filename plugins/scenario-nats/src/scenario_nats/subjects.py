"""Topics, globs and NATS subjects: how a scenario's names map onto NATS.

A topic is used as the NATS subject unchanged (``order.request``). A glob
subscription cannot be passed to NATS as it is: in NATS ``*`` matches exactly
one dot-separated token, while a glob's ``*`` (fnmatch) also matches dots,
and NATS has no ``?`` or ``[...]``. So a glob becomes the broadest NATS
subject that covers it, and the bus filters exactly with the glob:

========================== ==========================
glob                       NATS subscription
========================== ==========================
``order.request``          ``order.request``
``order.*``                ``order.>``
``order.eu.*``             ``order.eu.>``
``*.created``, ``*``       ``>``
``v?``, ``order.v[12]``    ``>``, ``order.>``
========================== ==========================

The literal tokens before the first token with a wildcard are kept; the rest
becomes ``>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from scenario_engine.errors import BusError

__all__ = ["check_topic", "covers", "glob_to_subject", "is_literal", "matches"]

_GLOB_CHARS = frozenset("*?[")
_FORBIDDEN = frozenset(" \t\r\n*>")


def is_literal(pattern: str) -> bool:
    """True if ``pattern`` has no glob wildcard (it names one topic)."""
    return not any(ch in _GLOB_CHARS for ch in pattern)


def glob_to_subject(pattern: str) -> str:
    """The NATS subject that receives at least every topic ``pattern`` matches."""
    if is_literal(pattern):
        return pattern
    kept: list[str] = []
    for token in pattern.split("."):
        if any(ch in _GLOB_CHARS for ch in token):
            break
        kept.append(token)
    return ".".join([*kept, ">"])


def check_topic(topic: str) -> None:
    """Raise :class:`BusError` for a topic that cannot be a NATS subject."""
    if not topic or any(ch in _FORBIDDEN for ch in topic) or "" in topic.split("."):
        raise BusError(
            f"topic {topic!r} cannot be a NATS subject",
            hint="NATS subjects are dot-separated non-empty tokens without spaces, "
            "'*' or '>' (e.g. 'order.created')",
        )


def matches(subject_filter: str, subject: str) -> bool:
    """True if the NATS filter (with ``*`` and ``>``) matches the literal ``subject``."""
    filters = subject_filter.split(".")
    tokens = subject.split(".")
    for index, part in enumerate(filters):
        if part == ">":
            return len(tokens) > index
        if index >= len(tokens):
            return False
        if part not in ("*", tokens[index]):
            return False
    return len(tokens) == len(filters)


def _covers_one(wide: str, narrow: str) -> bool:
    wides = wide.split(".")
    narrows = narrow.split(".")
    for index, part in enumerate(wides):
        if part == ">":
            return len(narrows) > index
        if index >= len(narrows):
            return False
        other = narrows[index]
        if other == ">":
            return False
        if part == "*":
            continue
        if other == "*" or other != part:
            return False
    return len(narrows) == len(wides)


def covers(subjects: Iterable[str], subject: str) -> bool:
    """True if one of ``subjects`` receives every message ``subject`` (possibly a filter) does."""
    return any(_covers_one(each, subject) for each in subjects)
