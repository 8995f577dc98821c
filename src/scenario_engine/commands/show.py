"""``scenario show``: a readable outline of what a playbook or plan will do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scenario_engine.commands._common import (
    load_selected,
    run_command,
    select_option,
    trust_option,
    vars_option,
)

if TYPE_CHECKING:
    from scenario_engine.plan.nodes import Plan, Ref, Step

__all__ = ["outline", "show"]


@click.command("show")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@select_option
@vars_option
@trust_option
@run_command
def show(
    path: Path,
    select: str | None,
    variables: tuple[tuple[str, str], ...],
    trust: tuple[str, ...],
) -> None:
    """Outline PATH (a playbook or a plan file) without running it.

    For each scenario: seed, bus and clock, systems, the services it starts
    (command line, directory and environment in full), generators, the steps in
    order, chaos with its triggers and assertions, as the DSL would write them.
    """
    plans = load_selected([path], select, variables, trust)
    click.echo("\n\n".join("\n".join(outline(plan, source)) for source, plan in plans))


def outline(plan: Plan, source: Path | None = None) -> Iterator[str]:
    """The lines of a plan's outline (durations with units, components as DSL calls)."""
    import scenario_engine.dsl.assertions
    import scenario_engine.dsl.chaos  # noqa: F401  (registers the built-in specs' reprs)
    from scenario_engine.buses.url import redact
    from scenario_engine.durations import format_duration
    from scenario_engine.plan.describe import describe_chaos, describe_ref, render_value

    yield f"scenario {plan.name!r}  seed={plan.seed}" + (f"  ({source})" if source else "")
    if plan.description:
        yield f"  {plan.description}"
    if plan.tags:
        yield "  tags: " + ", ".join(plan.tags)
    bus = redact(plan.bus) if plan.bus else "memory:// (default)"
    memory = plan.bus is None or plan.bus.startswith("memory:")
    clock = plan.clock or ("virtual" if memory else "wall") + " (default)"
    settings = f"  bus: {bus}   clock: {clock}"
    if plan.speed != 1.0:
        settings += f"   speed: x{plan.speed:g}"
    if plan.timeout is not None:
        settings += f"   timeout: {format_duration(plan.timeout)}"
    yield settings
    if plan.vars:
        yield "  vars: " + ", ".join(f"{k}={render_value(v)}" for k, v in plan.vars.items())
    if plan.systems:
        yield "  systems:"
        for system in plan.systems:
            params = ", ".join(f"{k}={render_value(v)}" for k, v in system.params.items())
            yield f"    {system.target.target}" + (f"({params})" if params else "")
    if plan.services:
        from scenario_engine.plan.services import describe_service

        yield "  services (programs the run starts):"
        for service in plan.services:
            yield f"    {describe_service(service)}"
    if plan.generators:
        yield "  generators:"
        for gen in plan.generators:
            key = f"  key={gen.key}" if gen.key else ""
            every = format_duration(gen.every)
            yield f"    {_named(gen.ref)} -> {gen.topic} every {every}{key}"
    if plan.steps:
        yield "  steps:"
        for i, step in enumerate(plan.steps, 1):
            yield f"    {i}. {_step(step)}"
    if plan.topics:
        yield "  topics:"
        for declared in plan.topics:
            parts = [f"subject {declared.subject!r}"] if declared.subject else []
            if declared.codec:
                from scenario_engine.plan.values import thaw

                params = ", ".join(f"{k}={v!r}" for k, v in thaw(declared.params).items())
                parts.append(f"codec {declared.codec}" + (f"({params})" if params else ""))
            yield f"    {declared.name}: " + ("; ".join(parts) or "read from the start")
    if plan.relays:
        yield "  relays:"
        for relay in plan.relays:
            yield f"    {relay.source} -> {relay.target} (through chaos)"
    if plan.chaos:
        yield "  chaos:"
        for node in plan.chaos:
            during = f"  during {node.during}" if node.during else ""
            origin = f"  [from {node.origin}]" if node.origin else ""
            yield f"    {describe_chaos(node)}{during}{origin}"
    if plan.expectations:
        yield "  expect:"
        for ref in plan.expectations:
            yield f"    {describe_ref(ref)}"
    from scenario_engine.commands._lifecycle_outline import lifecycle_lines

    yield from lifecycle_lines(plan)


def _named(ref: Ref) -> str:
    """A generator or profile: its bare name when it has no parameters, as a playbook names it."""
    from scenario_engine.plan.describe import describe_ref

    return describe_ref(ref) if ref.params else ref.name


def _step(step: Step) -> str:
    from scenario_engine.durations import format_duration
    from scenario_engine.plan.describe import describe_ref, render_value
    from scenario_engine.plan.nodes import (
        CheckStep,
        DoStep,
        GenerateStep,
        PhaseStep,
        PublishStep,
        ReplayStep,
        WaitForStep,
    )

    if isinstance(step, PhaseStep):
        length = (
            f"{step.cycles} cycle{'s' if step.cycles != 1 else ''}"
            if step.cycles is not None
            else format_duration(step.duration or 0.0)
        )
        profile = f", profile {_named(step.profile)}" if step.profile else ""
        return f"phase {step.name}: {length}{profile}"
    if isinstance(step, PublishStep):
        text = f"publish {step.topic}"
        if step.payload is not None:
            text += f" {render_value(step.payload)}"
        if step.generator is not None:
            text += f" from {_named(step.generator)}"
        if step.key:
            text += f" key={step.key}"
        if step.repeat != 1:
            text += f" x{step.repeat}"
        if step.interval:
            text += f" every {format_duration(step.interval)}"
        if step.delay:
            text += f" after {format_duration(step.delay)}"
        return text
    if isinstance(step, WaitForStep):
        where = f" where {render_value(step.where)}" if step.where is not None else ""
        return f"wait_for {step.topic}{where} (timeout {format_duration(step.timeout)})"
    if isinstance(step, DoStep):
        extra = "" if step.critical else ", not critical"
        extra += f", timeout {format_duration(step.timeout)}" if step.timeout else ""
        return f"do {step.name or step.fn.target} ({step.fn.target}{extra})"
    if isinstance(step, CheckStep):
        return f"check {step.name!r}: " + ", ".join(describe_ref(r) for r in step.assertions)
    if isinstance(step, GenerateStep):
        return f"generate {step.count} tick{'s' if step.count != 1 else ''}"
    if isinstance(step, ReplayStep):
        only = f" topics {', '.join(step.topics)}" if step.topics != ("*",) else ""
        sources = f" from {', '.join(step.sources)}" if step.sources else ""
        pace = f" at x{step.speed:g}" if step.speed != 1 else ""
        return f"replay {step.path}{only}{sources}{pace}"
    raise TypeError(f"no outline for step {step!r}")  # pragma: no cover - every Step is above
