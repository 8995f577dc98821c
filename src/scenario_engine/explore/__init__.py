"""Finding bugs: many seeds (``sweep``), a minimal failing chaos schedule (``shrink``),
and the reproducer playbook a shrunk schedule becomes (``reproducers``).

Everything here runs scenarios on the virtual clock through
:mod:`scenario_engine.runtime`; nothing below imports from here. The one name
exported here is what generated reproducer playbooks call; it loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["reproducer"]

if TYPE_CHECKING:
    from scenario_engine.explore.reproducers import reproducer


def __getattr__(name: str) -> Any:
    if name != "reproducer":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from scenario_engine.explore.reproducers import reproducer

    return reproducer
