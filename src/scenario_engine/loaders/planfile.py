"""The loader for ``.toml`` and ``.json`` plan files: data only, never executes code.

A ``.json`` file in the event-file shape (``events:`` and no ``plans``) is read
as an event file (see :mod:`scenario_engine.loaders.events`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from scenario_engine.loaders.origins import Origin, carry, remember
from scenario_engine.loaders.select import with_vars
from scenario_engine.plan.codec import load_file
from scenario_engine.plan.nodes import Plan

__all__ = ["load_plan_file"]


def _looks_like_event_file(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False  # the plan codec reports it, located
    from scenario_engine.loaders.events import is_event_document

    return is_event_document(data)


def load_plan_file(path: Path, variables: Mapping[str, str]) -> list[Plan]:
    """Every plan in the file, checked, with ``--var`` overrides applied.

    Its references stay untrusted: only :func:`~scenario_engine.plan.trust.apply_trust`
    lets them resolve. The file's folder and the current one go to the *end*
    of ``sys.path``, so a compiled playbook's own module (``flash:on_fill``)
    is found next to its plan once the user trusts it, and never shadows an
    installed module of the same name.

    Raises :class:`~scenario_engine.errors.PlanError` listing every problem
    (key paths prefixed by the file name), or
    :class:`~scenario_engine.errors.UsageError` if the file cannot be read.
    """
    if _looks_like_event_file(path):
        from scenario_engine.loaders.events import load_event_file

        return load_event_file(path, variables)
    plans = [
        carry(remember(plan, Origin(path, index=i)), with_vars(plan, variables))
        for i, plan in enumerate(load_file(path))
    ]
    for folder in (str(path.resolve().parent), str(Path.cwd())):
        if folder not in sys.path:
            sys.path.append(folder)
    return plans
