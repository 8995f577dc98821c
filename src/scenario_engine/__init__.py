"""scenario-engine: scenario-based testing for event-driven systems, as Python playbooks.

Everything a playbook needs is importable from here. Names load on first use,
so ``import scenario_engine`` (and ``scenario --help``) stays cheap.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any


class _SilenceOnLoguruImport:
    """A one-shot import hook: disables this package's loguru logger once loguru loads.

    The package logs through loguru and, like a library, stays silent until an
    application (the CLI) enables it. Importing loguru costs tens of
    milliseconds that ``scenario --help`` should not pay, so the logger is
    disabled when loguru is first imported rather than here.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "loguru":
            return None
        sys.meta_path.remove(self)
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        loader = getattr(spec, "loader", None)
        if loader is not None:
            run = loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                module.logger.disable("scenario_engine")

            loader.exec_module = exec_module
        return spec


if "loguru" in sys.modules:
    sys.modules["loguru"].logger.disable("scenario_engine")
elif not any(isinstance(f, _SilenceOnLoguruImport) for f in sys.meta_path):
    sys.meta_path.insert(0, _SilenceOnLoguruImport())

if TYPE_CHECKING:
    from scenario_engine.dsl.assertions import (
        Always,
        AssertionSpec,
        Count,
        Custom,
        Never,
        Sequence,
        Within,
    )
    from scenario_engine.dsl.chaos import (
        ChaosSpec,
        Delay,
        Drop,
        Duplicate,
        Inject,
        Modify,
        Outage,
        Reorder,
    )
    from scenario_engine.dsl.load import ramp
    from scenario_engine.dsl.orchestration import Orchestration
    from scenario_engine.dsl.scenario import ChaosPlaybook, Scenario
    from scenario_engine.dsl.spec import Spec
    from scenario_engine.events import Event
    from scenario_engine.plan.nodes import Plan

__all__ = [
    "Always",
    "AssertionSpec",
    "ChaosPlaybook",
    "ChaosSpec",
    "Count",
    "Custom",
    "Delay",
    "Drop",
    "Duplicate",
    "Event",
    "Inject",
    "Modify",
    "Never",
    "Orchestration",
    "Outage",
    "Plan",
    "Reorder",
    "Scenario",
    "Sequence",
    "Spec",
    "Within",
    "__version__",
    "ramp",
]

_LAZY = {
    "Always": "scenario_engine.dsl.assertions",
    "AssertionSpec": "scenario_engine.dsl.assertions",
    "ChaosSpec": "scenario_engine.dsl.chaos",
    "ramp": "scenario_engine.dsl.load",
    "Count": "scenario_engine.dsl.assertions",
    "Custom": "scenario_engine.dsl.assertions",
    "Never": "scenario_engine.dsl.assertions",
    "Sequence": "scenario_engine.dsl.assertions",
    "Within": "scenario_engine.dsl.assertions",
    "Delay": "scenario_engine.dsl.chaos",
    "Drop": "scenario_engine.dsl.chaos",
    "Duplicate": "scenario_engine.dsl.chaos",
    "Inject": "scenario_engine.dsl.chaos",
    "Modify": "scenario_engine.dsl.chaos",
    "Outage": "scenario_engine.dsl.chaos",
    "Reorder": "scenario_engine.dsl.chaos",
    "Orchestration": "scenario_engine.dsl.orchestration",
    "ChaosPlaybook": "scenario_engine.dsl.scenario",
    "Scenario": "scenario_engine.dsl.scenario",
    "Spec": "scenario_engine.dsl.spec",
    "Event": "scenario_engine.events",
    "Plan": "scenario_engine.plan.nodes",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("scenario-engine")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scenario_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
