"""Options that ``[tool.scenario]`` and ``SCENARIO_*`` variables may default: an option
given on the command line wins; one left at its default takes the project's setting."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from scenario_engine.config import ProjectConfig, load_project_config

__all__ = ["configured", "project_config"]


def project_config() -> ProjectConfig:
    """The settings of the project the command runs in (loaded once per command)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    config = obj.get("config")
    if not isinstance(config, ProjectConfig):
        config = load_project_config(Path.cwd())
        obj["config"] = config
        root.obj = obj
    return config


def configured(values: Mapping[str, Any], settings: Mapping[str, str]) -> dict[str, Any]:
    """``values`` (a command's parameters) with each ``param -> setting`` of ``settings``
    taken from the project's configuration, unless given on the command line."""
    ctx = click.get_current_context()
    config = project_config()
    out = dict(values)
    for param, setting in settings.items():
        value = getattr(config, setting)
        if value is None or value == ():
            continue
        source = ctx.get_parameter_source(param)
        if source in (None, ParameterSource.DEFAULT):
            out[param] = value
    return out
