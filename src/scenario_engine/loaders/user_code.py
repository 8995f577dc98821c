"""Which source files are the user's own code, for locating an error at the right line.

An error raised while a playbook runs is located at the innermost frame of
the user's code: the playbook or a file it includes -- not the engine, not
an installed plugin (found through its entry points), not the standard
library or anything installed in site-packages.
"""

from __future__ import annotations

import sysconfig
from functools import cache
from pathlib import Path

__all__ = ["is_user_code"]


@cache
def _installed_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return tuple(str(Path(root).resolve()) for root in roots)


@cache
def _plugin_packages() -> frozenset[str]:
    from scenario_engine.registry import default_registry

    return frozenset(
        info.target.partition(":")[0].partition(".")[0]
        for info in default_registry().entries()
    )


def is_user_code(file: str, module: str, playbook: Path) -> bool:
    """Whether a frame in ``file`` (module ``module``) runs the user's own code."""
    if Path(file) == playbook:
        return True
    if file.startswith("<"):
        return False
    top = module.partition(".")[0]
    if top == "scenario_engine" or top in _plugin_packages():
        return False
    resolved = str(Path(file).resolve())
    return not resolved.startswith(_installed_roots())
