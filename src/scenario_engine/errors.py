"""One error root for everything the engine raises on purpose.

The exit code lives on the class, so the CLI maps any error to its code in one
place (``except ScenarioError as err: sys.exit(err.exit_code)``).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "BusError",
    "InfrastructureError",
    "PlanError",
    "PlaybookError",
    "PluginError",
    "Problem",
    "ScenarioError",
    "UnknownComponentError",
    "UsageError",
]


@attrs.frozen
class Problem:
    """One thing wrong with a plan, located by a key path or ``file:line``."""

    where: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


class ScenarioError(Exception):
    """Root of every error the engine raises on purpose."""

    exit_code: int = 3

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(ScenarioError):
    """The command or an argument was misused."""

    exit_code = 2


class PlanError(ScenarioError):
    """A plan or playbook is invalid; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem] | str, *, hint: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems, hint)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        if len(self.problems) == 1:
            message = str(self.problems[0])
        else:
            lines = [f"{len(self.problems)} problems:"]
            lines += [f"  - {p}" for p in self.problems]
            message = "\n".join(lines)
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class UnknownComponentError(PlanError):
    """A component name that no installed plugin provides."""


class PlaybookError(PlanError):
    """A Python playbook failed to load (syntax error, exception at import)."""


class InfrastructureError(ScenarioError):
    """Something outside the plan failed: a broker, the disk, a plugin."""

    exit_code = 3


class PluginError(InfrastructureError):
    """An installed plugin is broken: import error, wrong type, or a name claimed twice."""


class BusError(InfrastructureError):
    """A bus could not be reached or failed mid-run."""
