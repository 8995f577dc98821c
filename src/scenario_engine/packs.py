"""Domain packs: which distribution owns a name prefix, and how to install one.

A pack declares its prefix in the ``scenario_engine.packs`` entry-point group
(``iot = "iot_pack"``: prefix ``iot``, import package ``iot_pack``), so the
engine can name the distribution behind ``iot.*`` names, and blame it (exit
3) when its import breaks, without importing anything. The project's own
plugins live in this repository; their install hint is a command that works
from a clone of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata

import attrs

__all__ = [
    "PACKS_GROUP",
    "REPOSITORY_PACKS",
    "Pack",
    "install_hint",
    "installed_packs",
    "pack_of_module",
]

PACKS_GROUP = "scenario_engine.packs"

#: prefix (or bus scheme) -> the project's own plugin folder in this repository
REPOSITORY_PACKS: Mapping[str, str] = {
    "trading": "scenario-trading",
    "redis": "scenario-redis",
    "nats": "scenario-nats",
}


@attrs.frozen
class Pack:
    """An installed pack, read from its metadata."""

    prefix: str
    module: str
    distribution: str
    version: str


def installed_packs() -> Mapping[str, Pack]:
    """Every installed pack by prefix (read from metadata, nothing imported)."""
    found: dict[str, Pack] = {}
    for ep in metadata.entry_points(group=PACKS_GROUP):
        dist = getattr(ep, "dist", None)
        name = dist.metadata["Name"] if dist is not None else "?"
        version = dist.version if dist is not None else "?"
        found.setdefault(ep.name, Pack(ep.name, ep.value.partition(":")[0], name, version))
    return found


def install_hint(prefix: str) -> str:
    """How to get the pack that provides ``prefix.*`` names (or the ``prefix://`` bus)."""
    folder = REPOSITORY_PACKS.get(prefix)
    if folder is not None:
        return (
            f"install it: pip install -e plugins/{folder} "
            f"(from a clone of scenario-engine; or pip install -e '.[{prefix}]')"
        )
    return "install the pack that provides them; `scenario plugins` lists what is installed"


def pack_of_module(module: str | None) -> str | None:
    """The prefix of the pack a module belongs to (installed or one of the project's own)."""
    top = (module or "").partition(".")[0]
    if not top:
        return None
    for pack in installed_packs().values():
        if pack.module.partition(".")[0] == top:
            return pack.prefix
    for prefix, folder in REPOSITORY_PACKS.items():
        if top == folder.replace("-", "_"):
            return prefix
    return None
