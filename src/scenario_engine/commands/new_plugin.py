"""``scenario new-plugin NAME``: scaffold a pack that installs and passes its own tests."""

from __future__ import annotations

from pathlib import Path

import click

from scenario_engine.commands._common import run_command

__all__ = ["new_plugin"]


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "-o",
    "--output",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="The folder to create the pack in.",
)
@run_command
def new_plugin(name: str, parent: Path) -> None:
    """Write NAME-pack/: a pack with one generator, profile, chaos action and assertion
    under the NAME.* names, spec classes, and conformance tests that pass as written."""
    from scenario_engine.scaffold import write_pack

    written = write_pack(name, parent)
    folder = written[0].parent
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: pip install -e '{folder}[test]' && pytest {folder}")
