"""The loader for ``.toml`` and ``.json`` plan files: data only, never executes code."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scenario_engine.loaders.select import with_vars
from scenario_engine.plan.codec import load_file
from scenario_engine.plan.nodes import Plan

__all__ = ["load_plan_file"]


def load_plan_file(path: Path, variables: Mapping[str, str]) -> list[Plan]:
    """Every plan in the file, checked, with ``--var`` overrides applied.

    Raises :class:`~scenario_engine.errors.PlanError` listing every problem
    (key paths prefixed by the file name), or
    :class:`~scenario_engine.errors.UsageError` if the file cannot be read.
    """
    return [with_vars(plan, variables) for plan in load_file(path)]
