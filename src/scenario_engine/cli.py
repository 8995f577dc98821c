"""The ``scenario`` command: a thin click group whose subcommands load on first use.

``scenario --help`` imports click and this module only. The table below
names each command's ``module:attr`` and one-line help, so listing commands
imports neither the engine, nor loguru, nor any plugin; a command's module
is imported when that command runs.
"""

from __future__ import annotations

import importlib
import re
import traceback
from typing import Any

import click

__all__ = ["COMMANDS", "main"]

#: command name -> ("module:attr", one-line help shown by ``scenario --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": (
        "scenario_engine.commands.check:check",
        "Validate playbooks and plans (components too) without running them.",
    ),
    "compile": (
        "scenario_engine.commands.compile:compile_command",
        "Compile a playbook to a TOML or JSON plan file.",
    ),
    "diff": (
        "scenario_engine.commands.diff:diff",
        "Compare two runs: verdicts, counts, chaos, latencies, the first divergent event.",
    ),
    "explore": (
        "scenario_engine.commands.explore:explore",
        "Run many seeds, group failures by signature, shrink each to a reproducer.",
    ),
    "host": (
        "scenario_engine.commands.host:host",
        "Run an in-process system as a bus-connected service.",
    ),
    "new-plugin": (
        "scenario_engine.commands.new_plugin:new_plugin",
        "Write a new pack: one component of each kind, with its tests.",
    ),
    "orchestrate": (
        "scenario_engine.commands.orchestrate:orchestrate",
        "Run orchestrations: scenarios in sequence and in parallel, looped.",
    ),
    "play": (
        "scenario_engine.commands.play:play",
        "Run playbooks and plans; report and record.",
    ),
    "plugins": (
        "scenario_engine.commands.plugins:plugins",
        "List installed components by kind, with the distribution of each.",
    ),
    "shrink": (
        "scenario_engine.commands.shrink:shrink_command",
        "Reduce a failing seed to a minimal chaos schedule and a reproducer playbook.",
    ),
    "record": (
        "scenario_engine.commands.record:record",
        "Record the live traffic of a bus to a JSONL file (the events.jsonl format).",
    ),
    "replay": (
        "scenario_engine.commands.replay:replay",
        "Publish a recording again on a bus: at a speed, looping, filtered, through chaos.",
    ),
    "runs": (
        "scenario_engine.commands.runs:runs_command",
        "List past runs under the report directory; prune old ones.",
    ),
    "schedule": (
        "scenario_engine.commands.schedule:schedule",
        "Schedule runs (once, in, every, cron) and run the scheduler.",
    ),
    "show": (
        "scenario_engine.commands.show:show",
        "Outline a playbook or plan: phases, steps, chaos, assertions.",
    ),
}


def _unavailable(name: str, target: str, short: str, err: BaseException) -> click.Command:
    """A stand-in for a command whose module cannot be imported: says so, exits 3."""

    def fail(**_: Any) -> None:
        ctx = click.get_current_context()
        if (ctx.find_root().obj or {}).get("debug"):
            click.echo("".join(traceback.format_exception(err)).rstrip(), err=True)
        click.echo(
            f"error: the {name!r} command is not available: cannot import {target} "
            f"({type(err).__name__}: {err})",
            err=True,
        )
        click.echo("  hint: reinstall scenario-engine; rerun with --debug for the traceback",
                   err=True)
        ctx.exit(3)

    return click.Command(
        name,
        callback=fail,
        help=f"{short} (unavailable)",
        short_help=short,
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


#: the group's own flags, also accepted after the subcommand (``scenario play x.py -v``)
_GLOBAL_FLAG = re.compile(r"^(--debug|--verbose|--quiet|-[vq]+)$")


def hoist_global_flags(args: list[str]) -> list[str]:
    """Move ``-v``, ``-q`` and ``--debug`` given after the subcommand to before it."""
    first = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
    if first is None:
        return args
    head, rest = args[: first + 1], args[first + 1 :]
    end = rest.index("--") if "--" in rest else len(rest)
    flags = [a for a in rest[:end] if _GLOBAL_FLAG.match(a)]
    if not flags:
        return args
    kept = [a for a in rest[:end] if not _GLOBAL_FLAG.match(a)] + rest[end:]
    return [*head[:-1], *flags, head[-1], *kept]


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that command is used."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_flags(args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        target, short = COMMANDS[cmd_name]
        module_name, _, attr = target.partition(":")
        try:
            command = getattr(importlib.import_module(module_name), attr)
        except Exception as err:  # a missing or broken command must not crash the others
            return _unavailable(cmd_name, target, short, err)
        if not isinstance(command, click.Command):
            problem = TypeError(f"{target} is a {type(command).__name__}, not a click command")
            return _unavailable(cmd_name, target, short, problem)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Help text from the table, so ``--help`` imports no command module."""
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        rows += [
            (name, command.get_short_help_str())
            for name, command in sorted(self.commands.items())
            if name not in COMMANDS
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    name="scenario", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="scenario-engine", prog_name="scenario")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv: debug).")
@click.option("-q", "--quiet", count=True, help="Less output: errors only.")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: int, quiet: int) -> None:
    """Scenario-based testing for event-driven systems, written as Python playbooks.

    A playbook says what the world does (data through phases), what goes wrong
    (chaos on the event stream) and what must stay true (assertions).

    Exit codes: 0 every assertion held, 1 an assertion failed, 2 invalid
    playbook, plan or usage, 3 infrastructure or plugin failure, 130 interrupted.
    """
    ctx.ensure_object(dict).update(debug=debug, verbosity=verbose - quiet)


if __name__ == "__main__":
    main(prog_name="scenario")
