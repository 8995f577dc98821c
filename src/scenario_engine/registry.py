"""Entry-point discovery: one group per component kind, lazy loading, clear failures.

Listing reads names, targets and distributions from package metadata and
imports nothing; a component is imported on first use and checked against
its protocol. A broken plugin is reported with its entry point and
distribution and never breaks the others. Set
``SCENARIO_ENGINE_DISABLE_PLUGIN_AUTOLOAD=1`` to see only the core's own
components.
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from importlib import metadata
from typing import Any

import attrs

from scenario_engine.errors import (
    PlanError,
    PluginError,
    Problem,
    UnknownComponentError,
    UsageError,
)
from scenario_engine.plan.nodes import CheckStep, PhaseStep, Plan, PublishStep, Ref
from scenario_engine.plan.trust import references, thawed_unimported
from scenario_engine.plan.values import CallableRef
from scenario_engine.spi import (
    GROUPS,
    ChaosAction,
    Codec,
    Generator,
    Monitor,
    ParamError,
    Profile,
)

__all__ = [
    "AUTOLOAD_ENV",
    "KNOWN_PACKS",
    "BrokenPlugin",
    "EntryInfo",
    "Registry",
    "check_components",
    "default_registry",
]

CORE_DISTRIBUTION = "scenario-engine"
AUTOLOAD_ENV = "SCENARIO_ENGINE_DISABLE_PLUGIN_AUTOLOAD"

#: namespaces of the project's own packs, for install hints (see scenario_engine.packs)
KNOWN_PACKS: Mapping[str, str] = {
    "trading": "scenario-trading",
    "redis": "scenario-redis",
    "nats": "scenario-nats",
}

_PROTOCOLS: Mapping[str, type] = {
    "generator": Generator,
    "profile": Profile,
    "chaos": ChaosAction,
    "assertion": Monitor,
    "codec": Codec,
}


@attrs.frozen
class EntryInfo:
    """One registered component, read from metadata without importing it."""

    kind: str
    name: str
    target: str
    distribution: str
    version: str

    @property
    def origin(self) -> str:
        return f"{self.distribution} {self.version}"


@attrs.frozen
class BrokenPlugin:
    """A component that cannot be used, and why."""

    info: EntryInfo
    reason: str


def _distribution_of(ep: metadata.EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return ("<unknown distribution>", "?")
    return (dist.name or "?", dist.version or "?")


def _check_kind(kind: str) -> None:
    if kind not in GROUPS:
        raise ValueError(f"unknown component kind {kind!r} (kinds: {', '.join(GROUPS)})")


class Registry:
    """Components of every kind, found through the ``scenario_engine.*`` entry-point groups.

    ``entry_points`` replaces discovery (tests pass their own).
    """

    def __init__(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        self._given = None if entry_points is None else list(entry_points)
        self._index: dict[str, dict[str, list[tuple[EntryInfo, metadata.EntryPoint]]]] | None = None
        self._loaded: dict[tuple[str, str], Any] = {}
        self._failed: dict[tuple[str, str], PluginError] = {}

    # ------------------------------------------------------------------ listing (no imports)

    def _build_index(self) -> dict[str, dict[str, list[tuple[EntryInfo, metadata.EntryPoint]]]]:
        if self._index is not None:
            return self._index
        kinds = {group: kind for kind, group in GROUPS.items()}
        index: dict[str, dict[str, list[tuple[EntryInfo, metadata.EntryPoint]]]] = {
            kind: {} for kind in GROUPS
        }
        if self._given is not None:
            found: Iterable[metadata.EntryPoint] = self._given
        else:
            everything = metadata.entry_points()  # one scan of the installed metadata
            found = [ep for group in kinds for ep in everything.select(group=group)]
        core_only = os.environ.get(AUTOLOAD_ENV, "") not in ("", "0")
        seen: set[tuple[str, str, str]] = set()
        for ep in found:
            kind = kinds.get(ep.group)
            if kind is None:
                continue
            dist, version = _distribution_of(ep)
            if core_only and dist != CORE_DISTRIBUTION:
                continue
            # the same distribution can be visible twice (editable + site): count it once
            if (kind, ep.name, dist) in seen:
                continue
            seen.add((kind, ep.name, dist))
            info = EntryInfo(kind=kind, name=ep.name, target=ep.value, distribution=dist,
                             version=version)
            index[kind].setdefault(ep.name, []).append((info, ep))
        self._index = index
        return index

    def entries(self, kind: str | None = None) -> list[EntryInfo]:
        """Every registered component (of one kind), sorted by kind and name."""
        index = self._build_index()
        if kind:
            _check_kind(kind)
        kinds = [kind] if kind else list(GROUPS)
        return [
            info
            for k in kinds
            for name in sorted(index.get(k, {}))
            for info, _ in index[k][name]
        ]

    def names(self, kind: str) -> list[str]:
        """The registered names of one kind, sorted."""
        _check_kind(kind)
        return sorted(self._build_index().get(kind, {}))

    def conflicts(self) -> list[BrokenPlugin]:
        """Names claimed by more than one distribution (found without importing)."""
        out = []
        for kind, by_name in self._build_index().items():
            for name, claims in sorted(by_name.items()):
                if len(claims) > 1:
                    owners = " and ".join(info.origin for info, _ in claims)
                    for info, _ in claims:
                        out.append(BrokenPlugin(info, f"{kind} {name!r} is claimed by {owners}"))
        return out

    # ------------------------------------------------------------------ loading

    def unknown(self, kind: str, name: str, where: str = "") -> UnknownComponentError:
        """The error for a name nobody provides, with close matches and an install hint."""
        from scenario_engine.packs import REPOSITORY_PACKS, install_hint

        names = self.names(kind)
        hint = ""
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        namespace = name.partition(".")[0] if "." in name else ""
        owners = [i for i in self.entries() if namespace and i.name.startswith(namespace + ".")]
        what = "chaos action" if kind == "chaos" else kind
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif kind == "bus" and name in REPOSITORY_PACKS:
            hint = f"no installed plugin provides '{name}://' buses; {install_hint(name)}"
        elif owners:
            theirs = [n for n in names if n.startswith(namespace + ".")]
            hint = (
                f"the {owners[0].distribution} {owners[0].version} pack provides "
                f"'{namespace}.*' names; "
                + (f"its {what}s: {', '.join(theirs)}" if theirs else f"it has no {what}s")
            )
        elif namespace:
            hint = f"no installed plugin provides '{namespace}.*' names; {install_hint(namespace)}"
        else:
            hint = "known: " + (", ".join(names) or "none") + " (see `scenario plugins`)"
        return UnknownComponentError([Problem(where, f"unknown {what} {name!r}", hint)])

    def info(self, kind: str, name: str) -> EntryInfo:
        """Where a registered name comes from (read without importing it)."""
        claims = self._build_index().get(kind, {}).get(name)
        if not claims:
            raise self.unknown(kind, name)
        return claims[0][0]

    def load(self, kind: str, name: str, where: str = "") -> Any:
        """The factory registered as ``name``, imported on first use."""
        key = (kind, name)
        if key in self._loaded:
            return self._loaded[key]
        if key in self._failed:  # import once: a broken plugin fails the same way each time
            raise self._failed[key]
        claims = self._build_index().get(kind, {}).get(name)
        if not claims:
            raise self.unknown(kind, name, where)
        if len(claims) > 1:
            owners = " and ".join(info.origin for info, _ in claims)
            raise PluginError(
                f"{kind} {name!r} is claimed by {owners}",
                hint="uninstall one of them, or disable one with "
                f"{AUTOLOAD_ENV}=1 to use only the core",
            )
        info, ep = claims[0]
        try:
            obj = ep.load()
        except (Exception, SystemExit) as err:
            failure = PluginError(
                f"{kind} {name!r} ({info.target}, from {info.origin}) failed to load: "
                f"{type(err).__name__}: {err}",
                hint=f"fix or reinstall {info.distribution}; `scenario plugins --check` "
                "lists what works",
            )
            failure.__cause__ = err
            self._failed[key] = failure
            raise failure from err
        if not callable(obj):
            failure = PluginError(
                f"{kind} {name!r} ({info.target}, from {info.origin}) is not a factory: "
                f"got {type(obj).__name__}",
                hint="an entry point must name a class or a function",
            )
            self._failed[key] = failure
            raise failure
        self._loaded[key] = obj
        return obj

    def create(self, kind: str, name: str, params: Mapping[str, Any], where: str = "") -> Any:
        """Make a component from plain parameters; bad parameters become located plan errors."""
        factory = self.load(kind, name, where)
        _check_signature(factory, kind, name, params, where)
        try:
            obj = factory(**params)
        except ParamError as err:
            raise PlanError([Problem(f"{where}.params.{err.param}" if where else err.param,
                                     err.text)]) from err
        except (TypeError, ValueError) as err:
            raise PlanError([Problem(f"{where}.params" if where else name, str(err))]) from err
        protocol = _PROTOCOLS.get(kind)
        if protocol is not None and not isinstance(obj, protocol):
            info = self.info(kind, name)
            missing = [
                m for m in _protocol_members(protocol) if not hasattr(obj, m)
            ]
            raise PluginError(
                f"{kind} {name!r} ({info.target}, from {info.origin}) made a "
                f"{type(obj).__name__} that is not a {protocol.__name__}: missing "
                + ", ".join(missing),
                hint=f"see scenario_engine.spi.{protocol.__name__}",
            )
        return obj

    def load_all(self) -> list[BrokenPlugin]:
        """Import every component; what fails is returned, never raised."""
        broken = self.conflicts()
        conflicted = {(b.info.kind, b.info.name) for b in broken}
        for info in self.entries():
            if (info.kind, info.name) in conflicted:
                continue
            try:
                self.load(info.kind, info.name)
            except PluginError as err:
                broken.append(BrokenPlugin(info, err.message))
        return broken


def _protocol_members(protocol: type) -> list[str]:
    return sorted(
        name
        for name in getattr(protocol, "__protocol_attrs__", ())
        or [n for n in vars(protocol) if not n.startswith("_")]
    )


def _check_signature(
    factory: Callable[..., Any], kind: str, name: str, params: Mapping[str, Any], where: str
) -> None:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return
    accepted = [
        p.name for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    problems = []
    for key in params:
        if key not in accepted:
            close = difflib.get_close_matches(key, accepted, n=1)
            hint = f"did you mean {close[0]!r}?" if close else (
                "accepted: " + (", ".join(accepted) or "no parameters"))
            path = f"{where}.params.{key}" if where else key
            problems.append(Problem(path, f"{kind} {name!r} has no parameter {key!r}", hint))
    missing = [
        p.name for p in signature.parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name not in params
    ]
    for key in missing:
        path = f"{where}.params.{key}" if where else key
        problems.append(Problem(path, f"{kind} {name!r} requires parameter {key!r}"))
    if problems:
        raise PlanError(problems)


@cache
def default_registry() -> Registry:
    """The registry of everything installed (built once per process)."""
    return Registry()


# --------------------------------------------------------------------------- plans


def _component_refs(plan: Plan) -> Iterator[tuple[str, str, Ref]]:
    """Every component reference of a plan: key path, the kind its position implies, the ref."""
    for i, gen in enumerate(plan.generators):
        yield f"generators[{i}].ref", "generator", gen.ref
    for i, step in enumerate(plan.steps):
        if isinstance(step, PhaseStep) and step.profile is not None:
            yield f"steps[{i}].profile", "profile", step.profile
        elif isinstance(step, PublishStep) and step.generator is not None:
            yield f"steps[{i}].generator", "generator", step.generator
        elif isinstance(step, CheckStep):
            for j, ref in enumerate(step.assertions):
                yield f"steps[{i}].assertions[{j}]", "assertion", ref
    for i, node in enumerate(plan.chaos):
        yield f"chaos[{i}].action", "chaos", node.action
    for i, ref in enumerate(plan.expectations):
        yield f"expectations[{i}]", "assertion", ref
    for i, ref in enumerate(plan.lifecycle.requires):
        yield f"lifecycle.requires[{i}]", "assertion", ref
    for i, window in enumerate(plan.windows):
        yield f"windows[{i}].assertion", "assertion", window.assertion


def _callable_refs(plan: Plan) -> Iterator[tuple[str, CallableRef]]:
    """Callables a plan names outside component parameters: systems, vars, steps, conditions."""
    yield from references(plan.systems, "systems")
    yield from references(plan.vars, "vars")
    for i, step in enumerate(plan.steps):
        for field in attrs.fields(type(step)):
            value = getattr(step, field.name)
            is_component = isinstance(value, Ref) or (
                isinstance(value, tuple) and any(isinstance(v, Ref) for v in value)
            )
            if not is_component:  # a component's parameters are checked with it, below
                yield from references(value, f"steps[{i}].{field.name}")
    for i, node in enumerate(plan.chaos):
        yield from references(node.triggers, f"chaos[{i}].triggers")
    life = plan.lifecycle
    for name in ("setup", "teardown", "snapshots", "rollbacks"):
        yield from references(getattr(life, name), f"lifecycle.{name}")


def check_components(
    plan: Plan, registry: Registry | None = None, where: str = ""
) -> list[Problem]:
    """Every component of ``plan`` that no plugin provides, or that rejects its parameters,
    and every callable the plan names that is untrusted or cannot be found.

    No callable is imported or called: a reference is checked by its trust
    and by finding its module on ``sys.path`` (see :func:`plan.trust.find_problem`).

    Each component is made once, as the run would make it, so a factory's own
    parameter checks (``ParamError``) are reported here with their key paths.
    A broken plugin is not a plan problem: its :class:`PluginError` propagates.
    """
    registry = registry or default_registry()
    prefix = f"{where}." if where else ""
    problems: list[Problem] = []
    for path, target in _callable_refs(plan):
        thawed_unimported(target, prefix + path, problems)
    if plan.bus and "://" in plan.bus:
        scheme = plan.bus.partition("://")[0]
        if scheme not in registry.names("bus"):
            problems += registry.unknown("bus", scheme, f"{prefix}bus").problems
        elif "${" not in plan.bus:  # the URL's own shape (redacted in the message); no connection
            from scenario_engine.buses.url import parse_bus_url

            try:
                parse_bus_url(plan.bus)
            except UsageError as err:
                problems.append(Problem(f"{prefix}bus", err.message, err.hint))
    problems += _check_codecs(plan, registry, prefix)
    for relative, kind, ref in _component_refs(plan):
        path = prefix + relative
        if ref.name not in registry.names(kind):
            problems += registry.unknown(kind, ref.name, f"{path}.name").problems
            continue
        found: list[Problem] = []
        params = thawed_unimported(ref.params, f"{path}.params", found)
        if found:
            problems += found
            continue
        try:
            registry.create(kind, ref.name, params, where=path)
        except PlanError as err:
            problems += err.problems
    return problems


def _check_codecs(plan: Plan, registry: Registry, prefix: str) -> list[Problem]:
    """Each declared topic's codec, and the bus URL's ``?codec=``: known, and accepting its
    parameters."""
    problems: list[Problem] = []
    if plan.bus and "codec=" in plan.bus:
        from urllib.parse import parse_qsl, urlsplit

        options = dict(parse_qsl(urlsplit(plan.bus).query))
        name = options.get("codec")
        if name and name not in registry.names("codec"):
            problems += registry.unknown("codec", name, f"{prefix}bus").problems
    for i, node in enumerate(plan.topics):
        if node.codec is None:
            continue
        path = f"{prefix}topics[{i}]"
        if node.codec not in registry.names("codec"):
            problems += registry.unknown("codec", node.codec, f"{path}.codec").problems
            continue
        found: list[Problem] = []
        params = thawed_unimported(node.params, f"{path}.params", found)
        if found:
            problems += found
            continue
        try:
            registry.create("codec", node.codec, params, where=path)
        except PlanError as err:
            problems += err.problems
    return problems
