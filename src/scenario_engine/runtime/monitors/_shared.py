"""What the built-in monitors share: parameter checks, verdict wording, topic classification."""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Sequence as SequenceABC
from itertools import islice
from typing import Any

from scenario_engine.events import Event, TopicPattern, payload_get
from scenario_engine.spi import ParamError, Verdict, Witness, compile_where, witness

MAX_WITNESSES = 5
#: a payload path that is not there
MISSING: Any = object()
#: float noise allowance when comparing latencies to a deadline (seconds)
EPSILON = 1e-9
#: key types that are hashable without asking
PLAIN_KEYS = frozenset({str, int, float, bool, type(None)})
SYMBOLS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "in": "in"}


def topic_param(param: str, value: Any) -> str:
    """A topic (or glob) parameter: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise ParamError(param, "must be a non-empty topic", value)
    return value


def count_param(param: str, value: Any) -> int | None:
    """An optional count: an integer >= 0 (bools are not counts)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ParamError(param, "must be an integer >= 0", value)
    return value


def by_param(value: Any) -> str | None:
    """The optional ``by`` correlation path."""
    if value is not None and (not isinstance(value, str) or not value):
        raise ParamError("by", "must be a payload path such as 'orderId'", value)
    return value


def flag_param(param: str, value: Any) -> bool:
    """A true/false parameter (``allow_empty``, ``gaps``)."""
    if not isinstance(value, bool):
        raise ParamError(param, "must be true or false", value)
    return value


#: the note a verdict's actual text carries when it judged nothing and that is fine
ALLOWED = "allowed by allow_empty=True"
#: the hint a failing empty verdict gives
EMPTY_HINT = "nothing to judge; allow_empty=True says that is expected"


def callable_name(fn: Any) -> str:
    """A function as the user wrote it (its qualified name), not its address."""
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or fn)


def describe_where(where: Any) -> str:
    """A condition as people read it: ``price > 0 and side == 'buy'``, or a function's name."""
    if isinstance(where, Mapping):
        parts = []
        for path, condition in where.items():
            if isinstance(condition, Mapping):
                parts += [f"{path} {SYMBOLS.get(op, op)} {v!r}" for op, v in condition.items()]
            else:
                parts.append(f"{path} == {condition!r}")
        return " and ".join(parts)
    return callable_name(where)


def plural(n: int, topic: str) -> str:
    return f"{n} {topic!r} event" + ("" if n == 1 else "s")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_ms(seconds_or_ms: float) -> str:
    """Milliseconds without float noise: ``200``, ``312.5``, ``0.04``."""
    return f"{seconds_or_ms:.3f}".rstrip("0").rstrip(".")


def quote(events: Iterable[Event]) -> tuple[Witness, ...]:
    """Witnesses for the first :data:`MAX_WITNESSES` of ``events``."""
    return tuple(witness(e) for e in islice(events, MAX_WITNESSES))


def classifier(patterns: SequenceABC[str]) -> Callable[[str], tuple[int, ...]]:
    """topic -> indices of the patterns it matches, cached per topic."""
    matchers = [TopicPattern(p) for p in patterns]
    cache: dict[str, tuple[int, ...]] = {}

    def classify(topic: str) -> tuple[int, ...]:
        hit = cache.get(topic)
        if hit is None:
            hit = cache[topic] = tuple(i for i, m in enumerate(matchers) if m(topic))
        return hit

    return classify


def hashable(key: Any) -> Any:
    """A correlation key usable in a dict: unhashable values (lists) by their repr."""
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


# --------------------------------------------------------------------------- conditions

#: the operators of :func:`scenario_engine.spi.compile_where`, same semantics
_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
    "in": lambda a, b: a in b,
}


def getter(path: str) -> Callable[[Any], Any]:
    """Read ``path`` from a payload: plain dicts directly, anything else via payload_get."""
    parts = path.split(".")
    if len(parts) == 1:

        def get_one(payload: Any) -> Any:
            if payload.__class__ is dict:
                return payload.get(path, MISSING)
            return payload_get(payload, path, MISSING)

        return get_one
    rests = [".".join(parts[i:]) for i in range(len(parts))]

    def get_path(payload: Any) -> Any:
        current = payload
        for i, part in enumerate(parts):
            if current.__class__ is not dict:
                return payload_get(current, rests[i], MISSING)
            current = current.get(part, MISSING)
            if current is MISSING:
                break
        return current

    return get_path


def compile_condition(where: Any) -> Callable[[Event], bool] | None:
    """:func:`scenario_engine.spi.compile_where`, with a faster path for mappings.

    ``compile_where`` validates (and defines the semantics); mappings are then
    compiled again into closures that read plain-dict payloads without the
    generic path walk: a ``where`` is evaluated for every routed event.
    """
    generic = compile_where(where)
    if generic is None or not isinstance(where, Mapping):
        return generic
    checks: list[tuple[Callable[[Any], Any], Callable[[Any, Any], bool], Any]] = []
    for path, condition in where.items():
        get = getter(path)
        if isinstance(condition, Mapping):
            checks += [(get, _OPERATORS[op], value) for op, value in condition.items()]
        else:
            checks.append((get, operator.eq, condition))
    if len(checks) == 1:
        [(get, op, expected)] = checks

        def one(event: Event) -> bool:
            value = get(event.payload)
            return value is not MISSING and op(value, expected)

        return one

    def every(event: Event) -> bool:
        payload = event.payload
        for get, op, expected in checks:
            value = get(payload)
            if value is MISSING or not op(value, expected):
                return False
        return True

    return every


# --------------------------------------------------------------------------- judging nothing


def alternatives(names: SequenceABC[str]) -> str:
    """``'A'``, ``'A' or 'B'``, ``'A', 'B' or 'C'``."""
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def unknown_topic(verdict: Verdict, topic: str, census: Any, *, judged: bool = True) -> Verdict:
    """A verdict over ``topic`` reviewed against what the run saw and the plan declares.

    A topic nothing published (delivered, held or dropped) and the plan names
    nowhere judged nothing: the verdict says so, and fails when the name is
    close to one that was there (a misspelling: ``did you mean 'OrderRejected'?``).
    ``judged=False``: a further topic of the assertion (a ``then``, a later
    step), whose absence is said without making the verdict vacuous.
    """
    if census.known(topic):
        return verdict
    stats = {**verdict.stats, "vacuous": True} if judged else dict(verdict.stats)
    base, hint = verdict.actual, ""
    if base.endswith(f"; {EMPTY_HINT}"):  # the hint reads last
        base, hint = base[: -len(EMPTY_HINT) - 2], f"; {EMPTY_HINT}"
    actual = f"{base}; nothing in this run published {topic!r} and the plan declares no such topic"
    close = census.suggest(topic)
    if close:  # a misspelling, most likely: that is the hint
        actual += f"; did you mean {alternatives(close)}?"
    else:
        actual += hint
    return Verdict(
        verdict.passed and not close, verdict.expected, actual, verdict.witnesses, stats
    )


class FieldProbe:
    """Whether any event carried every payload path a mapping ``where`` reads.

    A condition over a field no event has never applied: the verdict says so
    (and suggests a close field name) instead of counting silence as a pass.
    """

    __slots__ = ("_getters", "carried", "keys", "paths", "seen")

    def __init__(self, where: Any) -> None:
        self.paths = tuple(where) if isinstance(where, Mapping) else ()
        self._getters = [getter(p) for p in self.paths]
        #: events on the topic, and whether one of them carried every path
        self.seen = 0
        self.carried = not self.paths
        self.keys: tuple[str, ...] = ()

    def probe(self, payload: Any) -> None:
        self.seen += 1
        if self.carried:
            return
        if all(get(payload) is not MISSING for get in self._getters):
            self.carried = True
        elif not self.keys and isinstance(payload, Mapping):
            self.keys = tuple(str(k) for k in payload)

    def note(self, topic: str) -> str | None:
        """The sentence for a verdict when events came but none carried the fields."""
        if self.carried or not self.seen:
            return None
        missing = [p for p in self.paths if "." not in p and p not in self.keys] or list(
            self.paths
        )
        fields = alternatives(missing).replace(" or ", " and ")
        text = (
            f"none of the {plural(self.seen, topic)} carries {fields}"
            if self.seen > 1
            else f"the one {topic!r} event does not carry {fields}"
        ) + ", so the condition never applied"
        if len(missing) == 1:
            close = difflib.get_close_matches(missing[0], self.keys, n=3, cutoff=0.75)
            if close:
                text += f"; did you mean {alternatives(close)}?"
        return text
