"""What every command shares: error mapping, logging, parameter types and loading.

Commands stay thin: they parse, call the library and let :func:`run_command`
map what goes wrong to an exit code, in one place:

- a :class:`ScenarioError` exits with its class's code, its message on
  stderr after ``error:`` and its hint on a line of its own;
- any other exception is an internal error (exit 3) that says to rerun with
  ``--debug``; tracebacks are printed only with ``--debug``;
- Ctrl-C exits 130; click's own usage errors keep exit 2.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import ScenarioError

if TYPE_CHECKING:
    from scenario_engine.plan.nodes import Plan
    from scenario_engine.plan.trust import Trust

__all__ = [
    "DurationType",
    "VarType",
    "debug_enabled",
    "echo_error",
    "load_selected",
    "run_command",
    "select_option",
    "setup_logging",
    "trust_option",
    "trust_policy",
    "vars_option",
    "verbosity",
]

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:  # click >= 8.2 types ParamType by what it converts to; older click does not
    _PairType = click.ParamType[tuple[str, str]]
    _SecondsType = click.ParamType[float]
else:
    _PairType = _SecondsType = click.ParamType

_LEVELS = {-1: "ERROR", 0: "WARNING", 1: "INFO", 2: "DEBUG"}


def _settings() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, dict) else {}


def debug_enabled() -> bool:
    """Whether ``--debug`` was given to ``scenario``."""
    return bool(_settings().get("debug"))


def verbosity() -> int:
    """``-v`` count minus ``-q`` count given to ``scenario`` (0 by default)."""
    return int(_settings().get("verbosity", 0))


# --------------------------------------------------------------------------- logging


def _to_stderr(message: Any) -> None:
    # resolved at each write: click's test runner swaps sys.stderr per invocation
    sys.stderr.write(str(message))


def _format(record: Any) -> str:
    context = " ".join(f"{k}={v}" for k, v in record["extra"].items() if k != "_context")
    record["extra"]["_context"] = f" [{context}]" if context else ""
    return "{level: <7} {message}{extra[_context]}\n{exception}"


def setup_logging(level: int) -> None:
    """Send the engine's log to stderr: warnings by default, ``-v`` info, ``-vv`` debug,
    ``-q`` errors only. The only place that adds loguru sinks."""
    from loguru import logger

    logger.remove()  # loguru's default sink prints everything, at DEBUG
    logger.add(_to_stderr, level=_LEVELS[max(-1, min(level, 2))], format=_format)
    logger.enable("scenario_engine")


# --------------------------------------------------------------------------- errors


def echo_error(err: BaseException) -> None:
    """Print an error the way every command does (with the traceback under ``--debug``)."""
    if debug_enabled():
        click.echo("".join(traceback.format_exception(err)).rstrip(), err=True)
    if isinstance(err, ScenarioError):
        click.echo(f"error: {err}", err=True)
    else:
        click.echo(f"error: internal error: {type(err).__name__}: {err}", err=True)
        click.echo(
            "  hint: this is a bug in scenario-engine or a plugin; rerun with --debug "
            "for the traceback",
            err=True,
        )


def run_command(fn: F) -> F:
    """Decorate a command's callback: set up logging, map every error to its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        setup_logging(verbosity())
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ScenarioError as err:
            echo_error(err)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `scenario plugins | head`: the reader left, nothing to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception as err:
            echo_error(err)
            ctx.exit(3)

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------- parameter types


class VarType(_PairType):
    """``--var NAME=VALUE``: a template variable; converts to a ``(name, value)`` pair."""

    name = "NAME=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        name, sep, text = str(value).partition("=")
        if not sep or not name.strip().isidentifier():
            self.fail(
                f"expected NAME=VALUE with NAME a variable name, such as user=alice "
                f"(got {value!r})",
                param,
                ctx,
            )
        return (name.strip(), text)


class DurationType(_SecondsType):
    """A duration such as ``500ms``, ``5s``, ``2m`` or seconds; converts to float seconds."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            return value
        try:
            return parse_duration(value)
        except DurationError as err:
            self.fail(str(err), param, ctx)


def select_option(fn: F) -> F:
    """``-k NAME``: only scenarios whose name matches (a name or glob; commas for several)."""
    return click.option(
        "-k",
        "select",
        metavar="NAME",
        help="Only scenarios whose name matches: a name or a glob; several separated by commas.",
    )(fn)


def vars_option(fn: F) -> F:
    """``--var NAME=VALUE`` (repeatable; ``--variable`` is the same): template variables over
    the playbook's own."""
    return click.option(
        "--var",
        "--variable",
        "variables",
        type=VarType(),
        multiple=True,
        help="Set a template variable, overriding the playbook's (repeatable).",
    )(fn)


def trust_option(fn: F) -> F:
    """``--trust MODULE`` (repeatable): plan files may call code from MODULE and its submodules."""
    return click.option(
        "--trust",
        "trust",
        metavar="MODULE",
        multiple=True,
        help="Let plan files call code from MODULE and its submodules (repeatable); "
        "also [tool.scenario] trust = [...] in pyproject.toml.",
    )(fn)


# --------------------------------------------------------------------------- loading


def trust_policy(modules: Iterable[str] = ()) -> Trust:
    """``--trust`` modules plus ``[tool.scenario] trust`` of the project run from."""
    from scenario_engine.config import load_project_config
    from scenario_engine.plan.trust import Trust

    config = load_project_config(Path.cwd())
    where = f"{config.path}: [tool.scenario] trust"
    return Trust.of(modules) + Trust.of(config.trust, where=where)


def load_selected(
    paths: Iterable[str | PathLike[str]],
    select: str | None = None,
    variables: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    trust: Iterable[str] = (),
) -> list[tuple[Path, Plan]]:
    """The plans in ``paths`` chosen by ``-k``, with ``--var`` values set (see ``load_plans``);
    plan files may name callables of the modules ``trust`` and the project trust."""
    from scenario_engine.loaders import load_plans

    return load_plans(
        paths, select=select, variables=dict(variables), trust=trust_policy(trust)
    )
