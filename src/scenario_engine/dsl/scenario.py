"""The fluent, persistent builders: :class:`Scenario` and :class:`ChaosPlaybook`.

Every method validates its own arguments and returns a *new* builder, so a
base scenario can be specialised many ways::

    >>> base = Scenario("base", seed=1).phase("calm", cycles=3)
    >>> longer = base.phase("later", cycles=2)
    >>> len(base.build().steps), len(longer.build().steps)
    (1, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from scenario_engine.dsl import _arguments as arg
from scenario_engine.dsl.assertions import AssertionSpec
from scenario_engine.dsl.chaos import TRIGGER_NAMES, ChaosSpec, make_triggers
from scenario_engine.dsl.lifecycle import LifecycleMethods, window_of
from scenario_engine.dsl.load import load_shape
from scenario_engine.dsl.origins import Made, caller, record
from scenario_engine.dsl.spec import Spec, SpecError
from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import Problem
from scenario_engine.plan.nodes import (
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
    SystemNode,
    TopicNode,
    WaitForStep,
)
from scenario_engine.plan.values import CallableRef, FrozenMap, callable_target, freeze

__all__ = ["ChaosPlaybook", "Scenario"]


def _callable_ref(value: Any, where: str) -> CallableRef:
    if isinstance(value, CallableRef):
        return value
    if isinstance(value, str):
        if ":" not in value:
            raise SpecError(
                [Problem(where, f"expected 'module:name' (got {value!r})", "'mypkg.systems:Echo'")]
            )
        return CallableRef(value, trusted=True)  # the playbook (code) names it
    if callable(value):
        return CallableRef(callable_target(value), value)
    raise SpecError([Problem(where, f"expected a callable or 'module:name' (got {value!r})")])


def _seconds(value: Any, where: str) -> float:
    try:
        return parse_duration(value)
    except DurationError as err:
        raise SpecError([Problem(where, str(err))]) from None


def _component(kind: str, spec: Any, params: Mapping[str, Any], where: str) -> Ref:
    if isinstance(spec, Spec):
        if spec.__kind__ != kind:
            raise SpecError(
                [Problem(where, f"expected a {kind}, got a {spec.__kind__} ({spec!r})")]
            )
        if params:
            raise SpecError(
                [
                    Problem(
                        where,
                        f"{spec!r} is already configured; pass no extra parameters "
                        f"(got {sorted(params)})",
                    )
                ]
            )
        return spec.to_ref()
    if isinstance(spec, str) and spec:
        try:
            frozen = FrozenMap({k: freeze(v) for k, v in params.items()})
        except (TypeError, ValueError) as err:
            raise SpecError([Problem(where, str(err))]) from None
        return Ref(kind=kind, name=spec, params=frozen)
    raise SpecError([Problem(where, f"expected a {kind} name or spec object (got {spec!r})")])


def _positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError([Problem(where, f"{name} must be an integer >= 1 (got {value!r})")])
    return value


@attrs.frozen(repr=False)
class ChaosPlaybook:
    """A reusable, named bundle of chaos actions to ``include`` in scenarios."""

    name: str
    chaos_nodes: tuple[ChaosNode, ...] = ()
    #: where each action was added, parallel to ``chaos_nodes`` (for located errors)
    _made: tuple[Made | None, ...] = attrs.field(default=(), eq=False)

    def chaos(self, action: ChaosSpec | str, **params: Any) -> ChaosPlaybook:
        """Add a chaos action (a spec object, or a registry name with triggers and params)."""
        node = _chaos_node(action, params, f"ChaosPlaybook({self.name!r}).chaos(...)")
        return attrs.evolve(
            self, chaos_nodes=(*self.chaos_nodes, node), made=(*self._origins(), caller())
        )

    def include(self, other: ChaosPlaybook) -> ChaosPlaybook:
        """Add every action of another playbook."""
        return attrs.evolve(
            self,
            chaos_nodes=(*self.chaos_nodes, *other.chaos_nodes),
            made=(*self._origins(), *other._origins()),
        )

    def _origins(self) -> tuple[Made | None, ...]:
        """Where each action was added (None where unknown), one per action."""
        return tuple(self._made) + (None,) * (len(self.chaos_nodes) - len(self._made))

    def __repr__(self) -> str:
        return f"ChaosPlaybook({self.name!r}) with {len(self.chaos_nodes)} action(s)"


def _chaos_node(action: Any, params: dict[str, Any], where: str) -> ChaosNode:
    during = params.pop("during", None)
    if isinstance(action, ChaosSpec):
        if params:
            raise SpecError(
                [Problem(where, f"{action!r} is already configured (got extra {sorted(params)})")]
            )
        return action.to_node(during=during)
    trigger_args = {k: params.pop(k) for k in list(params) if k in TRIGGER_NAMES}
    ref = _component("chaos", action, params, where)
    return ChaosNode(action=ref, triggers=make_triggers(**trigger_args), during=during)


#: Python types accepted as ``types=`` values, by the names plans store
_TYPE_NAMES: Mapping[Any, str] = {int: "int", float: "float", bool: "bool", str: "str"}


@attrs.frozen(repr=False)
class Scenario(LifecycleMethods):
    """A scenario under construction; ``build()`` returns its immutable :class:`Plan`.

    >>> from scenario_engine import Count
    >>> plan = (Scenario("demo", seed=7)
    ...         .generator("counter", topic="tick", every="1s")
    ...         .phase("warm", cycles=3)
    ...         .expect(Count("tick", exact=3))
    ...         .build())
    >>> plan.seed, [step.name for step in plan.steps]
    (7, ['warm'])
    """

    _plan: Plan
    #: key path -> where the builder call that made it was written (for located errors)
    _made: Mapping[str, Made] = attrs.field(factory=dict, eq=False)

    def __init__(
        self,
        name: str,
        seed: int = 0,
        *,
        description: str = "",
        tags: tuple[str, ...] | list[str] = (),
    ) -> None:
        arg.name(name, "Scenario(...)")
        where = f"Scenario({name!r})"
        arg.integer(seed, "seed", where)
        if not isinstance(description, str):
            raise SpecError([Problem(where, f"description must be a string (got {description!r})")])
        self.__attrs_init__(  # type: ignore[attr-defined]
            Plan(name=name, seed=seed, description=description, tags=arg.texts(tags, "tags", where))
        )

    @classmethod
    def _from_plan(cls, plan: Plan, made: Mapping[str, Made] | None = None) -> Scenario:
        new = object.__new__(cls)
        object.__setattr__(new, "_plan", plan)
        object.__setattr__(new, "_made", dict(made or {}))
        return new

    def _evolve(self, _given: Mapping[str, Made] | None = None, **changes: Any) -> Scenario:
        made = record(self._made, self._plan, changes, caller(), _given)
        return Scenario._from_plan(attrs.evolve(self._plan, **changes), made)

    def origins(self) -> dict[str, Made]:
        """Key path (``steps[2]``, ``chaos[0]``, ``bus``) -> the file and line that set it."""
        return dict(self._made)

    def _where(self, method: str) -> str:
        return f"Scenario({self._plan.name!r}).{method}"

    @property
    def name(self) -> str:
        return self._plan.name

    # ------------------------------------------------------------------ settings

    def named(self, name: str) -> Scenario:
        """The same scenario under another name (to specialise a shared base)."""
        return self._evolve(name=arg.name(name, self._where("named(...)")))

    def seed(self, seed: int) -> Scenario:
        """Set the seed every random draw of the run derives from."""
        return self._evolve(seed=arg.integer(seed, "seed", self._where("seed(...)")))

    def bus(self, url: str) -> Scenario:
        """Run on the bus at ``url`` (``memory://``, ``redis://...``, ``nats://...``)."""
        if not isinstance(url, str) or "://" not in url or url.startswith("://"):
            from scenario_engine.buses.url import redact

            shown = redact(url) if isinstance(url, str) else url
            raise SpecError(
                [
                    Problem(
                        self._where("bus(...)"), f"expected a bus URL (got {shown!r})", "'memory://'"
                    )
                ]
            )
        return self._evolve(bus=url)

    def clock(self, kind: str, *, speed: float = 1.0) -> Scenario:
        """``virtual`` (discrete events, default on memory://) or ``wall`` (real time x speed)."""
        where = self._where(f"clock({kind!r})")
        if kind not in ("virtual", "wall"):
            raise SpecError([Problem(where, f"clock must be 'virtual' or 'wall' (got {kind!r})")])
        return self._evolve(clock=kind, speed=arg.speed(speed, where))

    def timeout(self, limit: Any) -> Scenario:
        """Stop the run (as a failure) once this much clock time has passed."""
        return self._evolve(timeout=_seconds(limit, self._where("timeout(...)")))

    def vars(self, **variables: Any) -> Scenario:
        """Variables for payload templates (``{{name}}``); ``--var`` overrides them."""
        values = arg.frozen_map(variables, "vars", self._where("vars(...)"))
        return self._evolve(vars=FrozenMap({**self._plan.vars, **values}))

    def tags(self, *tags: str) -> Scenario:
        """Labels for selecting and reporting."""
        added = arg.texts(tags, "tags", self._where("tags(...)"))
        return self._evolve(tags=(*self._plan.tags, *added))

    def description(self, text: str) -> Scenario:
        """A sentence saying what the scenario shows."""
        if not isinstance(text, str):
            raise SpecError([Problem(self._where("description(...)"),
                                     f"description must be a string (got {text!r})")])
        return self._evolve(description=text)

    # ------------------------------------------------------------------ the world

    def system(self, target: Any, **params: Any) -> Scenario:
        """An in-process system under test: ``'module:Class'`` or a callable taking the bus."""
        where = self._where("system(...)")
        node = SystemNode(
            target=_callable_ref(target, where),
            params=arg.frozen_map(params, "parameters", where),
        )
        return self._evolve(systems=(*self._plan.systems, node))

    def generator(
        self,
        generator: Any,
        *,
        topic: str,
        every: Any = None,
        key: str | None = None,
        rate: Any = None,
        stages: Any = None,
        start_rate: Any = 0.0,
        poisson: bool = False,
        **params: Any,
    ) -> Scenario:
        """Emit on ``topic`` every ``every`` while phases run, or at a load shape's rate
        (``rate=200``, ``rate=ramp(10, 1000, over="30s")``, ``stages=[("10s", 100)]``,
        ``poisson=True``); other params go to the generator."""
        where = self._where(f"generator({generator!r})")
        arg.text(topic, "topic", where)
        arg.label(key, "key", where)
        shape = load_shape(rate, stages, start_rate, poisson, where)
        if shape is not None and every is not None:
            raise SpecError(
                [Problem(where, "give every= or a load shape (rate=, stages=), not both")]
            )
        period = _seconds(1.0 if every is None else every, where)
        if period <= 0:
            raise SpecError([Problem(where, f"every must be > 0 (got {every!r})")])
        node = GeneratorNode(
            ref=_component("generator", generator, params, where),
            topic=topic,
            every=period,
            key=key,
            shape=shape,
        )
        return self._evolve(generators=(*self._plan.generators, node))

    def relay(self, source: str, target: str | None = None, *, into: str | None = None) -> Scenario:
        """Forward what arrives on ``source`` to the topic ``into``, through chaos: a real
        downstream service behind a flaky link (``.relay("order.filled", into="ledger.in")``)."""
        where = self._where(f"relay({source!r})")
        if target is not None and into is not None and target != into:
            raise SpecError(
                [Problem(where, f"give the target once (got {target!r} and into={into!r})")]
            )
        destination = into if into is not None else target
        for value, what in ((source, "source"), (destination, "into")):
            if not isinstance(value, str) or not value:
                raise SpecError([Problem(where, f"{what} must name a topic (got {value!r})",
                                         ".relay('order.filled', into='ledger.order.filled')")])
        node = RelayNode(source=source, target=str(destination))
        return self._evolve(relays=(*self._plan.relays, node))

    def service(self, command: Any, **options: Any) -> Scenario:
        """A real program started for the run, e.g. ``.service("faststream run orders:app",
        ready={"line": "started"})``: it gets the bus address in ``SCENARIO_BUS_URL`` (see
        docs/real-services.md), is waited for, and is stopped at the end (SIGTERM, then
        SIGKILL after ``grace``); ``env=``, ``cwd=``, ``name=``, ``ready_timeout=``,
        ``publishes=`` (topics it may publish on, as a system's ``publishes``)."""
        from scenario_engine.dsl.service import service_node

        node = service_node(command, where=self._where("service(...)"), **options)
        return self._evolve(services=(*self._plan.services, node))

    def topic(
        self,
        name: str,
        *,
        codec: str | None = None,
        subject: str | None = None,
        **params: Any,
    ) -> Scenario:
        """Declare a topic: its wire ``codec`` (over the bus URL's), the broker-side name
        ``subject`` (a Redis stream key or NATS subject, no prefix), the codec's parameters
        (``types={"qty": int}``, ``field="body"``). Declared topics are read from the start."""
        where = self._where(f"topic({name!r})")
        for label, value in (("name", name), ("codec", codec), ("subject", subject)):
            if value is not None and (not isinstance(value, str) or not value):
                raise SpecError([Problem(where, f"{label} must be a non-empty string "
                                                f"(got {value!r})")])
        if "types" in params and isinstance(params["types"], Mapping):
            params["types"] = {
                k: _TYPE_NAMES.get(v, v) if isinstance(v, type) else v
                for k, v in params["types"].items()
            }
        node = TopicNode(name=name, subject=subject, codec=codec,
                         params=FrozenMap(freeze(params)))
        return self._evolve(topics=(*self._plan.topics, node))

    # ------------------------------------------------------------------ steps

    def phase(
        self,
        name: str,
        *,
        cycles: int | None = None,
        duration: Any = None,
        profile: Any = None,
        **params: Any,
    ) -> Scenario:
        """Run the generators for ``cycles`` cycles (or ``duration``) under ``profile``."""
        where = self._where(f"phase({name!r})")
        arg.text(name, "name", where)
        if (cycles is None) == (duration is None):
            raise SpecError(
                [
                    Problem(
                        where,
                        "give cycles= or duration=, not both or neither",
                        "phase('calm', cycles=10)",
                    )
                ]
            )
        if cycles is not None:
            _positive_int(cycles, "cycles", where)
        seconds = None if duration is None else _seconds(duration, where)
        if seconds is not None and seconds <= 0:
            raise SpecError([Problem(where, f"duration must be > 0 (got {duration!r})")])
        ref = None
        if profile is not None:
            ref = _component("profile", profile, params, where)
        elif params:
            raise SpecError(
                [Problem(where, f"parameters {sorted(params)} given without a profile")]
            )
        step = PhaseStep(name=name, cycles=cycles, duration=seconds, profile=ref)
        return self._evolve(steps=(*self._plan.steps, step))

    def publish(
        self,
        topic: str,
        payload: Any = None,
        *,
        repeat: int = 1,
        interval: Any = 0,
        delay: Any = 0,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
        generator: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Scenario:
        """Publish a payload template (``{{index}}``, ``{{timestamp}}``, ``{{var}}``), or
        ``repeat`` payloads that ``generator`` (a name with ``params``, or a spec) makes."""
        where = self._where(f"publish({topic!r})")
        arg.text(topic, "topic", where)
        _positive_int(repeat, "repeat", where)
        frozen_payload = arg.frozen(payload, where)
        ref = None
        if generator is not None:
            if payload is not None:
                raise SpecError(
                    [Problem(where, "give a payload or a generator, not both",
                             f"publish({topic!r}, generator={generator!r}, repeat=10)")]
                )
            ref = _component("generator", generator, dict(params or {}), where)
        elif params:
            raise SpecError([Problem(where, f"params {sorted(params)} given without a generator")])
        step = PublishStep(
            topic=topic,
            payload=frozen_payload,
            generator=ref,
            key=arg.label(key, "key", where),
            headers=arg.frozen_map(headers, "headers", where, strings=True),
            repeat=repeat,
            interval=_seconds(interval, where),
            delay=_seconds(delay, where),
        )
        return self._evolve(steps=(*self._plan.steps, step))

    def wait_for(self, topic: str, *, timeout: Any = 5.0, where: Any = None) -> Scenario:
        """Block until an event on ``topic`` (matching ``where``) arrives; fail at ``timeout``."""
        here = self._where(f"wait_for({topic!r})")
        arg.text(topic, "topic", here)
        seconds = _seconds(timeout, here)
        if seconds <= 0:
            raise SpecError([Problem(here, f"timeout must be > 0 (got {timeout!r})")])
        if where is not None and not (callable(where) or isinstance(where, Mapping)):
            raise SpecError(
                [Problem(here, f"where must be a callable or a mapping (got {where!r})")]
            )
        step = WaitForStep(topic=topic, timeout=seconds, where=arg.frozen(where, here))
        return self._evolve(steps=(*self._plan.steps, step))

    def do(
        self,
        fn: Callable[..., Any] | str,
        *,
        name: str | None = None,
        critical: bool = True,
        timeout: Any = None,
    ) -> Scenario:
        """Call ``fn(ctx)`` mid-run (``ctx.publish``, ``ctx.events``, ``ctx.now``); if it
        raises (or outlives ``timeout``, real time) the scenario stops, unless
        ``critical=False``."""
        hook = self._hook("do", fn, name, timeout)
        step = DoStep(fn=hook.fn, name=hook.name, critical=bool(critical), timeout=hook.timeout)
        return self._evolve(steps=(*self._plan.steps, step))

    def check(self, *assertions: Any, name: str | None = None) -> Scenario:
        """A checkpoint: these assertions must hold on what was delivered so far."""
        where = self._where("check(...)")
        if not assertions:
            raise SpecError(
                [Problem(where, "give at least one assertion", "check(Count('x', min=1))")]
            )
        refs = tuple(_component("assertion", a, {}, where) for a in assertions)
        count = sum(isinstance(s, CheckStep) for s in self._plan.steps)
        label = arg.label(name, "name", where) or f"check {count + 1}"
        return self._evolve(steps=(*self._plan.steps, CheckStep(name=label, assertions=refs)))

    def generate(self, count: int = 1) -> Scenario:
        """Emit ``count`` ticks of every generator now, without advancing cycles."""
        _positive_int(count, "count", self._where("generate(...)"))
        return self._evolve(steps=(*self._plan.steps, GenerateStep(count=count)))

    def replay(
        self,
        path: str,
        *,
        topics: str | tuple[str, ...] | list[str] = "*",
        sources: tuple[str, ...] | list[str] = (),
        speed: float = 1.0,
        loop: int = 1,
    ) -> Scenario:
        """Publish again what an earlier run recorded (``events.jsonl``), at its pace / speed,
        ``loop`` times in a row.

        ``topics`` (globs) and ``sources`` (``engine``, ``system``, ...) pick which
        recorded events; by default every delivered one.
        """
        where = self._where(f"replay({path!r})")
        if not isinstance(path, str) or not path:
            raise SpecError(
                [Problem(where, f"expected the path of an events.jsonl (got {path!r})")]
            )
        _positive_int(loop, "loop", where)
        chosen = (topics,) if isinstance(topics, str) else arg.texts(topics, "topics", where)
        step = ReplayStep(
            path=path, topics=chosen, sources=arg.texts(sources, "sources", where),
            speed=arg.speed(speed, where), loop=loop,
        )
        return self._evolve(steps=(*self._plan.steps, step))

    # ------------------------------------------------------------------ chaos and checks

    def chaos(self, action: ChaosSpec | str, **params: Any) -> Scenario:
        """Add a chaos action: a spec (``Delay(...)``) or a registry name with params."""
        node = _chaos_node(action, params, self._where("chaos(...)"))
        return self._evolve(chaos=(*self._plan.chaos, node))

    def include(self, other: ChaosPlaybook | Scenario, *, during: str | None = None) -> Scenario:
        """Add a ChaosPlaybook's actions (only ``during`` a phase, if given), or another
        scenario's generators (those this one lacks), steps, chaos and expectations."""
        arg.label(during, "during", self._where("include(...)"))
        if isinstance(other, ChaosPlaybook):
            nodes = tuple(
                attrs.evolve(n, during=n.during or during, origin=n.origin or other.name)
                for n in other.chaos_nodes
            )
            start = len(self._plan.chaos)
            given = {
                f"chaos[{start + k}]": made
                for k, made in enumerate(other._origins())
                if made is not None
            }
            here = caller()
            if during is not None and here is not None:
                given.update({f"chaos[{start + k}].during": here for k in range(len(nodes))})
            return self._evolve(given, chaos=(*self._plan.chaos, *nodes))
        if isinstance(other, Scenario):
            if during is not None:
                raise SpecError(
                    [
                        Problem(
                            self._where("include(...)"),
                            "during= applies to chaos playbooks, not scenarios",
                        )
                    ]
                )
            theirs = other._plan
            given = {}
            for name in ("steps", "chaos", "expectations"):
                start = len(getattr(self._plan, name))
                for k in range(len(getattr(theirs, name))):
                    made = other._made.get(f"{name}[{k}]")
                    if made is not None:
                        given[f"{name}[{start + k}]"] = made
            mine = self._plan.generators
            return self._evolve(
                given,
                generators=(*mine, *(g for g in theirs.generators if g not in mine)),
                steps=(*self._plan.steps, *theirs.steps),
                chaos=(*self._plan.chaos, *theirs.chaos),
                expectations=(*self._plan.expectations, *theirs.expectations),
            )
        raise SpecError(
            [
                Problem(
                    self._where("include(...)"),
                    f"expected a ChaosPlaybook or a Scenario (got {other!r})",
                )
            ]
        )

    def expect(self, assertion: AssertionSpec | str, **params: Any) -> Scenario:
        """An assertion checked over the whole run, or only ``before=``, ``during=`` or
        ``after=`` a phase (or ``'chaos'``, the span of the phases chaos is limited to)."""
        where = self._where("expect(...)")
        window = window_of(where, params)
        ref = _component("assertion", assertion, params, where)
        if window is not None:
            return self._windowed(ref, window)
        return self._evolve(expectations=(*self._plan.expectations, ref))

    # ------------------------------------------------------------------ result

    def build(self) -> Plan:
        """The immutable plan, after checking it as a whole (every problem at once)."""
        from scenario_engine.plan.validate import check_plan

        check_plan(self._plan)
        return self._plan

    def __repr__(self) -> str:
        p = self._plan
        return (
            f"Scenario({p.name!r}, seed={p.seed}) with {len(p.steps)} step(s), "
            f"{len(p.chaos)} chaos action(s), {len(p.expectations)} expectation(s)"
        )
