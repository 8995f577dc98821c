"""``scenario plugins``: what is installed, by kind, and where each name comes from."""

from __future__ import annotations

import click

from scenario_engine.commands._common import run_command
from scenario_engine.spi import GROUPS

__all__ = ["plugins"]


@click.command("plugins")
@click.option("--kind", type=click.Choice(sorted(GROUPS)), help="Only this kind of component.")
@click.option(
    "--check",
    "load",
    is_flag=True,
    help="Also import every component and mark the broken ones (listing alone imports none).",
)
@run_command
def plugins(kind: str | None, load: bool) -> None:
    """List each entry-point group, each name in it, its target and its distribution.

    Names claimed by two distributions are always marked. With --check every
    component is imported too: a broken one is marked with why, and the
    command exits 3 if any is.
    """
    import os

    from scenario_engine.errors import PluginError
    from scenario_engine.registry import AUTOLOAD_ENV, default_registry

    registry = default_registry()
    entries = registry.entries(kind)
    broken = {(b.info.kind, b.info.name, b.info.distribution): b.reason
              for b in registry.conflicts()}
    if load:
        for info in entries:
            key = (info.kind, info.name, info.distribution)
            if key in broken:
                continue
            try:
                registry.load(info.kind, info.name)
            except PluginError as err:
                broken[key] = err.message
    if os.environ.get(AUTOLOAD_ENV, "") not in ("", "0"):
        click.echo(f"({AUTOLOAD_ENV} is set: only scenario-engine's own components)")
    name_width = max((len(e.name) for e in entries), default=0)
    target_width = max((len(e.target) for e in entries), default=0)
    for group_kind in [kind] if kind else list(GROUPS):
        click.echo(f"{GROUPS[group_kind]}  ({group_kind})")
        mine = [e for e in entries if e.kind == group_kind]
        if not mine:
            click.echo("  (none)")
        for info in mine:
            click.echo(
                f"  {info.name:<{name_width}}  {info.target:<{target_width}}  {info.origin}"
            )
            reason = broken.get((info.kind, info.name, info.distribution))
            if reason:
                click.echo(f"    BROKEN: {reason}")
    if load:
        count = len({key for key in broken if key[0] in ([kind] if kind else GROUPS)})
        if count:
            click.echo(f"{count} of {len(entries)} components are broken", err=True)
            click.get_current_context().exit(3)
        click.echo(f"all {len(entries)} components load")
