"""The plan IR: frozen, slotted, keyword-only nodes with no behaviour.

Every component (generator, profile, chaos action, assertion) is a
:class:`Ref` ``{kind, name, params}`` resolved through the registry at run
time. Durations are seconds (floats). Collections are tuples; parameters are
:class:`FrozenMap`.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from scenario_engine.plan.values import CallableRef, FrozenMap

__all__ = [
    "FORMAT_VERSION",
    "ChaosNode",
    "CheckStep",
    "DoStep",
    "GenerateStep",
    "GeneratorNode",
    "LoadShape",
    "PhaseStep",
    "Plan",
    "PublishStep",
    "Ref",
    "RelayNode",
    "ReplayStep",
    "ServiceNode",
    "Stage",
    "Step",
    "SystemNode",
    "TopicNode",
    "Triggers",
    "WaitForStep",
    "Where",
]

FORMAT_VERSION = 1

ComponentKind = Literal["generator", "profile", "chaos", "assertion"]

#: A payload condition: a callable reference, or ``{dot.path: value}`` /
#: ``{dot.path: {op: value}}`` with op in eq, ne, gt, ge, lt, le, in.
Where = CallableRef | FrozenMap

@attrs.frozen(kw_only=True)
class Ref:
    """A component named by its registry name, with its parameters."""

    kind: str
    name: str
    params: FrozenMap = attrs.field(factory=FrozenMap)


@attrs.frozen(kw_only=True)
class Triggers:
    """When a chaos action applies; every condition must hold."""

    topics: tuple[str, ...] = ("*",)
    probability: float = 1.0
    at_cycle: tuple[int, int] | None = None
    between: tuple[float, float] | None = None
    after: str | None = None
    every: int | None = None
    where: Where | None = None
    max_times: int | None = None
    #: exactly these events (``topic@cycle#n`` identities, see runtime.forced): a forced schedule.
    #: Out of the repr, which seeds each action's random stream: streams stay what they were
    at_events: tuple[str, ...] | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class ChaosNode:
    """A chaos action with its triggers; ``during`` limits it to one phase."""

    action: Ref
    triggers: Triggers = attrs.field(factory=Triggers)
    during: str | None = None
    origin: str | None = None


@attrs.frozen(kw_only=True)
class Stage:
    """Part of a load shape: the rate moves linearly to ``target`` events/s over ``duration``."""

    duration: float
    target: float


@attrs.frozen(kw_only=True)
class LoadShape:
    """Arrivals per second over the generator's active time (phases only): ``start`` events/s,
    then each stage in turn; the last target holds. ``poisson`` draws the arrival times
    (exponential gaps at the shape's rate) instead of spacing them evenly."""

    start: float = 0.0
    stages: tuple[Stage, ...] = ()
    poisson: bool = False


@attrs.frozen(kw_only=True)
class GeneratorNode:
    """A generator emitting on ``topic`` every ``every`` seconds while phases run, or at the
    rate its ``shape`` gives."""

    ref: Ref
    topic: str
    every: float = 1.0
    key: str | None = None
    shape: LoadShape | None = None


@attrs.frozen(kw_only=True)
class SystemNode:
    """An in-process system under test: a class or callable taking the bus."""

    target: CallableRef
    params: FrozenMap = attrs.field(factory=FrozenMap)


@attrs.frozen(kw_only=True)
class ServiceNode:
    """A real program the run starts, waits for and stops: the service under test.

    ``command`` is a command line (split like a shell would, never run by
    one); it is ready once a line of its output matches ``ready_line``, an
    event arrives on ``ready_topic``, or ``127.0.0.1:ready_port`` accepts a
    connection, within ``ready_timeout``. ``grace`` is how long it has to exit
    after SIGTERM before SIGKILL. ``publishes`` lists topics it may publish on
    (so silence on one of them is a verdict, as for a system's ``publishes``).
    """

    command: str
    name: str = ""
    env: FrozenMap = attrs.field(factory=FrozenMap)
    cwd: str | None = None
    ready_line: str | None = None
    ready_topic: str | None = None
    ready_port: int | None = None
    ready_timeout: float = 30.0
    grace: float = 5.0
    publishes: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class RelayNode:
    """Consume ``source``, pass each message through chaos, republish on ``target``."""

    source: str
    target: str


@attrs.frozen(kw_only=True)
class TopicNode:
    """A topic the plan declares: its broker-side name (``subject``: a Redis stream key or
    NATS subject, used verbatim) and its wire codec with parameters (None: the bus's)."""

    name: str
    subject: str | None = None
    codec: str | None = None
    params: FrozenMap = attrs.field(factory=FrozenMap)


@attrs.frozen(kw_only=True)
class PhaseStep:
    """Run the generators for ``cycles`` cycles or ``duration`` seconds under a profile."""

    name: str
    cycles: int | None = None
    duration: float | None = None
    profile: Ref | None = None


@attrs.frozen(kw_only=True)
class PublishStep:
    """Publish a payload template, or what ``generator`` makes, possibly repeated."""

    topic: str
    payload: Any = None
    generator: Ref | None = None
    key: str | None = None
    headers: FrozenMap = attrs.field(factory=FrozenMap)
    repeat: int = 1
    interval: float = 0.0
    delay: float = 0.0


@attrs.frozen(kw_only=True)
class WaitForStep:
    """Block until an event on ``topic`` (matching ``where``) arrives, or fail at ``timeout``."""

    topic: str
    timeout: float = 5.0
    where: Where | None = None


@attrs.frozen(kw_only=True)
class DoStep:
    """Call a Python callable with the run context; if it raises (or outlives ``timeout``
    real seconds), the scenario stops unless ``critical`` is False."""

    fn: CallableRef
    name: str = ""
    critical: bool = True
    timeout: float | None = None


@attrs.frozen(kw_only=True)
class CheckStep:
    """A mid-run checkpoint: these assertions must hold on what was seen so far."""

    name: str
    assertions: tuple[Ref, ...] = ()


@attrs.frozen(kw_only=True)
class GenerateStep:
    """Emit ``count`` ticks of every generator at once, without advancing cycles."""

    count: int = 1


@attrs.frozen(kw_only=True)
class ReplayStep:
    """Publish again the events an earlier run recorded (its ``events.jsonl``), at their
    recorded pace divided by ``speed``: recorded traffic as a scenario's input."""

    path: str
    topics: tuple[str, ...] = ("*",)
    sources: tuple[str, ...] = ()
    speed: float = 1.0
    #: how many times to play the recording, one pass after the other
    loop: int = 1


Step = PhaseStep | PublishStep | WaitForStep | DoStep | CheckStep | GenerateStep | ReplayStep

# after Ref, which the lifecycle nodes use
from scenario_engine.plan.lifecycle import Lifecycle, WindowNode  # noqa: E402


@attrs.frozen(kw_only=True)
class Plan:
    """One scenario, compiled: what the interpreter runs and what plan files hold."""

    name: str
    seed: int = 0
    description: str = ""
    tags: tuple[str, ...] = ()
    bus: str | None = None
    clock: str | None = None
    speed: float = 1.0
    timeout: float | None = None
    vars: FrozenMap = attrs.field(factory=FrozenMap)
    systems: tuple[SystemNode, ...] = ()
    generators: tuple[GeneratorNode, ...] = ()
    steps: tuple[Step, ...] = ()
    chaos: tuple[ChaosNode, ...] = ()
    relays: tuple[RelayNode, ...] = ()
    services: tuple[ServiceNode, ...] = ()
    expectations: tuple[Ref, ...] = ()
    topics: tuple[TopicNode, ...] = ()
    windows: tuple[WindowNode, ...] = ()
    lifecycle: Lifecycle = attrs.field(factory=Lifecycle)
