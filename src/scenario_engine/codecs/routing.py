"""Which codec and which broker-side name each topic uses on one bus.

A bus has one codec, from its URL (``?codec=json``, parameters as
``codec.field=body`` or ``codec.types=qty:int,price:float``; ``native``
when absent). A plan may route topics (:class:`~scenario_engine.spi.TopicRoute`):
its own codec, and a broker-side name used verbatim. :class:`TopicMap`
answers both directions, cached per name: the publish path asks once per
topic, the read path once per stream or subject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from scenario_engine.buses.url import BusURL
from scenario_engine.errors import PlanError, Problem, UsageError
from scenario_engine.spi import Codec, TopicRoute

if TYPE_CHECKING:
    from scenario_engine.registry import Registry

__all__ = ["TopicMap", "codec_from_url", "is_codec_option", "make_codec"]

DEFAULT = "native"
_PARAM_PREFIX = "codec."


def is_codec_option(name: str) -> bool:
    """True for the URL options this module reads (a bus accepts them as its own)."""
    return name == "codec" or name.startswith(_PARAM_PREFIX)


def _url_param(name: str, value: str) -> Any:
    if name == "types":  # qty:int,price:float
        pairs = [p.partition(":") for p in value.split(",") if p.strip()]
        return {field.strip(): kind.strip() for field, _, kind in pairs}
    return value


def make_codec(name: str, params: dict[str, Any], transport: str, where: str,
               registry: Registry | None = None) -> Codec:
    """The codec ``name`` made through the registry, checked to write ``transport``.

    Raises:
        PlanError: no such codec, bad parameters, or not for this transport.
    """
    from scenario_engine.registry import default_registry

    codec: Codec = (registry or default_registry()).create("codec", name, params, where=where)
    if transport not in codec.transports:
        shapes = {"fields": "Redis Streams", "message": "NATS"}
        carries = " and ".join(shapes[t] for t in sorted(codec.transports) if t in shapes)
        raise PlanError([Problem(
            where,
            f"codec {name!r} does not work on {shapes.get(transport, transport)}"
            + (f" (only on {carries})" if carries else ""),
            "use codec='json' for a JSON body",
        )])
    return codec


def codec_from_url(url: BusURL, transport: str) -> tuple[str, Codec]:
    """The bus-wide codec a URL asks for (``native`` by default), and its name.

    Raises:
        UsageError: an unknown codec or a bad parameter, naming the URL.
    """
    name = url.text("codec") or DEFAULT
    params = {
        key[len(_PARAM_PREFIX):]: _url_param(key[len(_PARAM_PREFIX):], value)
        for key, value in url.options.items() if key.startswith(_PARAM_PREFIX)
    }
    try:
        return name, make_codec(name, params, transport, f"option codec={name}")
    except PlanError as err:
        problem = err.problems[0]
        raise UsageError(
            f"bus URL {url.redacted}: {problem.message}",
            hint=problem.hint or "see `scenario plugins --kind codec`",
        ) from None


class TopicMap:
    """Topic <-> broker-side name, and the codec of each, for one bus.

    ``naming`` gives the broker-side name of a topic that is not routed
    (``prefix + topic`` on Redis); ``unnaming`` is its inverse, or None for
    a name that is no topic of this bus.
    """

    def __init__(self, codec: Codec, codec_name: str, naming: Callable[[str], str],
                 unnaming: Callable[[str], str | None]) -> None:
        self.codec = codec
        self.codec_name = codec_name
        self._naming = naming
        self._unnaming = unnaming
        self.routes: dict[str, TopicRoute] = {}
        self._by_subject: dict[str, TopicRoute] = {}
        self._out: dict[str, tuple[str, Codec]] = {}
        self._in: dict[str, tuple[str, Codec, str] | None] = {}

    def route(self, routes: Iterable[TopicRoute]) -> None:
        """Add the plan's routes (before the bus connects)."""
        for route in routes:
            self.routes[route.topic] = route
            if route.subject is not None:
                self._by_subject[route.subject] = route
        self._out.clear()
        self._in.clear()

    def subject(self, topic: str) -> str:
        """The broker-side name ``topic`` is published on."""
        return self.outbound(topic)[0]

    def outbound(self, topic: str) -> tuple[str, Codec]:
        """Broker-side name and codec for publishing on ``topic``."""
        found = self._out.get(topic)
        if found is None:
            route = self.routes.get(topic)
            subject = route.subject if route is not None and route.subject else self._naming(topic)
            codec = route.codec if route is not None and route.codec is not None else self.codec
            found = self._out[topic] = (subject, codec)
        return found

    def inbound(self, subject: str) -> tuple[str, Codec, str] | None:
        """Topic, codec and codec name for what arrives on ``subject``; None if no topic's."""
        if subject in self._in:
            return self._in[subject]
        route = self._by_subject.get(subject)
        topic = route.topic if route is not None else self._unnaming(subject)
        if topic is not None and route is None:
            route = self.routes.get(topic)
            if route is not None and route.subject and route.subject != subject:
                topic = None  # a routed topic is read from its own subject only
        found: tuple[str, Codec, str] | None = None
        if topic is not None:
            if route is not None and route.codec is not None:
                found = (topic, route.codec, route.codec_name or "?")
            else:
                found = (topic, self.codec, self.codec_name)
        self._in[subject] = found
        return found

    def routed_subjects(self) -> list[tuple[str, str]]:
        """``(topic, broker-side name)`` of every routed topic."""
        return [(topic, self.subject(topic)) for topic in self.routes]
