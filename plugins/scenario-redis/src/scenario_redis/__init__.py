"""Redis Streams bus for scenario-engine: ``--bus redis://host:6379/0``.

The bus is found through the ``scenario_engine.buses`` entry point ``redis``;
importing this package is only needed to use :class:`RedisBus` directly.
Like the core, the package logs through loguru and stays silent until an
application enables ``scenario_redis``.
"""

from __future__ import annotations

from loguru import logger as _logger

_logger.disable("scenario_redis")

__all__ = ["RedisBus"]


def __getattr__(name: str) -> object:
    # lazy, so `scenario plugins` and entry-point listing import nothing heavy
    if name == "RedisBus":
        from scenario_redis.bus import RedisBus

        return RedisBus
    raise AttributeError(f"module 'scenario_redis' has no attribute {name!r}")
