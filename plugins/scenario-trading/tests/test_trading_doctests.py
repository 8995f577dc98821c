"""The examples in the pack's docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import scenario_trading

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(scenario_trading.__path__, "scenario_trading.")
)


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_the_module_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
