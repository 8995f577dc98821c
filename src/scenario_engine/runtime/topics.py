"""The plan's declared topics, handed to the bus as routes before it connects.

Each declared topic's codec is made through the registry and checked to
work on the bus's shape of frame (a bus names it in ``codec_transport``:
``fields`` for Redis Streams, ``message`` for NATS). A bus without
``route`` (the memory bus: nothing crosses a wire) ignores codecs and
subjects.
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from scenario_engine.codecs.routing import make_codec
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.spi import TopicRoute

__all__ = ["route_topics"]


def route_topics(plan: Plan, bus: Any, registry: Registry | None = None) -> list[TopicRoute]:
    """Routes for ``plan.topics``, given to ``bus.route`` if the bus maps topics.

    Raises:
        PlanError: a codec that is unknown, rejects its parameters, or does
            not work on this bus.
    """
    if not plan.topics:
        return []
    route = getattr(bus, "route", None)
    if route is None:
        logger.debug("the bus does not map topics: declared codecs and subjects are not used")
        return []
    transport = getattr(bus, "codec_transport", "message")
    routes = []
    for i, node in enumerate(plan.topics):
        codec = None
        if node.codec is not None:
            codec = make_codec(node.codec, thaw(node.params), transport, f"topics[{i}].codec",
                               registry)
        routes.append(TopicRoute(topic=node.name, subject=node.subject, codec=codec,
                                 codec_name=node.codec))
    route(routes)
    return routes
