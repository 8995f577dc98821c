"""NATS and JetStream bus for scenario-engine: ``--bus nats://host:4222[?stream=NAME]``.

The bus is found through the ``scenario_engine.buses`` entry point ``nats``;
importing this package is only needed to use :class:`NatsBus` directly.
Like the core, the package logs through loguru and stays silent until an
application enables ``scenario_nats``.
"""

from __future__ import annotations

from loguru import logger as _logger

_logger.disable("scenario_nats")

__all__ = ["NatsBus"]


def __getattr__(name: str) -> object:
    # lazy, so `scenario plugins` and entry-point listing import nothing heavy
    if name == "NatsBus":
        from scenario_nats.bus import NatsBus

        return NatsBus
    raise AttributeError(f"module 'scenario_nats' has no attribute {name!r}")
