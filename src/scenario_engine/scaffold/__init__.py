"""``scenario new-plugin``: write a working pack with one component of each kind and its tests.

The files are templates in this package (``template/``, with ``__prefix__``
and ``__package__`` standing for the pack's name); what is written installs
with ``pip install -e`` and passes its own tests as it is.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from scenario_engine.errors import UsageError

__all__ = ["NAME_RULE", "write_pack"]

NAME_RULE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TEMPLATES = (
    "pyproject.toml",
    "README.md",
    "src/__package__/__init__.py",
    "src/__package__/components.py",
    "src/__package__/specs.py",
    "tests/test_pack.py",
)


def write_pack(name: str, parent: Path) -> list[Path]:
    """Write the pack ``<name>-pack`` under ``parent``; the files written, in order.

    Raises :class:`UsageError` for a name that cannot be a Python package and a
    name prefix, or when the folder already exists (nothing is overwritten).
    """
    if not NAME_RULE.fullmatch(name):
        raise UsageError(
            f"new-plugin: {name!r} cannot name a pack",
            hint="a lowercase word (letters, digits, _), starting with a letter, e.g. iot",
        )
    folder = parent / f"{name.replace('_', '-')}-pack"
    if folder.exists():
        raise UsageError(f"new-plugin: {folder} already exists", hint="choose another name or -o")
    if not parent.is_dir():
        raise UsageError(f"new-plugin: {parent} is not a folder", hint="give an existing -o DIR")
    package = f"{name}_pack"
    written = []
    root = resources.files(__package__) / "template"
    for relative in _TEMPLATES:
        text = (root / f"{relative}.tmpl").read_text(encoding="utf-8")
        text = text.replace("__prefix__", name).replace("__package__", package)
        target = folder / relative.replace("__package__", package)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
