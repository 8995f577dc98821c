"""Per-component random streams derived from the scenario seed.

Each component draws from its own :class:`random.Random`, seeded from the
scenario seed and the component's *identity* (what it is, not where it sits
in the plan), so adding a chaos action leaves every other action's draws
unchanged. Nothing here touches the global ``random``.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter

__all__ = ["RngFactory"]


class RngFactory:
    """Hands out one deterministic RNG per component identity."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._seen: Counter[str] = Counter()

    def derive(self, identity: str) -> random.Random:
        """The RNG for ``identity``; a repeated identity gets its own ``#n`` stream."""
        occurrence = self._seen[identity]
        self._seen[identity] += 1
        material = f"{self.seed}\x00{identity}\x00{occurrence}".encode()
        digest = hashlib.blake2b(material, digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))
