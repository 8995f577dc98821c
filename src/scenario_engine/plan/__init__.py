"""The immutable plan IR, its codec and its validation. Imports nothing from the runtime."""

from scenario_engine.plan.nodes import (
    FORMAT_VERSION,
    ChaosNode,
    CheckStep,
    DoStep,
    GenerateStep,
    GeneratorNode,
    PhaseStep,
    Plan,
    PublishStep,
    Ref,
    RelayNode,
    ReplayStep,
    Step,
    SystemNode,
    TopicNode,
    Triggers,
    WaitForStep,
)
from scenario_engine.plan.values import CallableRef, FrozenMap

__all__ = [
    "FORMAT_VERSION",
    "CallableRef",
    "ChaosNode",
    "CheckStep",
    "DoStep",
    "FrozenMap",
    "GenerateStep",
    "GeneratorNode",
    "PhaseStep",
    "Plan",
    "PublishStep",
    "Ref",
    "RelayNode",
    "ReplayStep",
    "Step",
    "SystemNode",
    "TopicNode",
    "Triggers",
    "WaitForStep",
]
