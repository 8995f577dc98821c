"""``-m EXPR``: choosing scenarios by their tags with ``and``, ``or``, ``not`` and
parentheses, as pytest's ``-m`` does (``smoke and not slow``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from scenario_engine.errors import UsageError

__all__ = ["compile_marks"]

_TOKEN = re.compile(r"\s*(?:(\()|(\))|([A-Za-z0-9_.:\-]+))")
Matcher = Callable[[Collection[str]], bool]


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise UsageError(
                f"-m {text!r}: unexpected {text[pos:].strip()[:1]!r} at column {pos + 1}",
                hint="tags joined by and, or, not and parentheses: -m 'smoke and not slow'",
            )
        out.append(match.group(match.lastindex or 0))
        pos = match.end()
    return out


def compile_marks(text: str) -> Matcher:
    """A predicate over a scenario's tags; a malformed expression is a usage error."""
    tokens = _tokens(text)
    pos = 0

    def fail(message: str) -> UsageError:
        return UsageError(
            f"-m {text!r}: {message}",
            hint="tags joined by and, or, not and parentheses: -m 'smoke and not slow'",
        )

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        token = peek()
        if token is None:
            raise fail("ends too early")
        pos += 1
        return token

    def primary() -> Matcher:
        word = take()
        if word == "not":
            inner = primary()
            return lambda tags: not inner(tags)
        if word == "(":
            inner = disjunction()
            if take() != ")":
                raise fail("a '(' is not closed")
            return inner
        if word in (")", "and", "or"):
            raise fail(f"expected a tag, got {word!r}")
        return lambda tags: word in tags

    def conjunction() -> Matcher:
        parts = [primary()]
        while peek() == "and":
            take()
            parts.append(primary())
        return lambda tags: all(p(tags) for p in parts)

    def disjunction() -> Matcher:
        parts = [conjunction()]
        while peek() == "or":
            take()
            parts.append(conjunction())
        return lambda tags: any(p(tags) for p in parts)

    if not tokens:
        raise fail("is empty")
    matcher = disjunction()
    if peek() is not None:
        raise fail(f"unexpected {peek()!r}")
    return matcher
