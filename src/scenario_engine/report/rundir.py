"""Where a run's files go: ``<report-dir>/<scenario>/<timestamp>-seed<N>/``, plus ``latest``.

Every run gets a folder of its own, created exclusively, so no run ever
overwrites another's ``events.jsonl`` or ``report.json`` -- not two plans
with the same name, not two runs in the same second. ``<scenario>`` is the
name made safe for every file system; names that had to be changed carry a
short digest of the original, so ``a/b``, ``a b`` and ``a_b`` stay apart.
``latest`` in the scenario's folder names the newest run: a relative
symbolic link, or where links cannot be made, a text file holding the run
folder's name (:func:`resolve` follows both).

This module owns the layout; whatever lists, prunes or reads past runs
builds on :func:`scenario_folder`, :func:`run_folders` and :func:`latest`.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

__all__ = [
    "LATEST",
    "latest",
    "new_run_dir",
    "point_latest",
    "resolve",
    "run_folders",
    "safe_name",
    "scenario_folder",
]

LATEST = "latest"
#: longest scenario folder name kept whole (file systems allow 255 bytes a name)
MAX_NAME = 80
#: how a run folder is named: UTC time to the second, seed, and ``-2``, ``-3`` on a clash
_RUN = re.compile(r"^\d{8}T\d{6}Z-seed-?\d+(?:-\d+)?$")


def safe_name(name: str) -> str:
    """A folder name for scenario ``name``: itself when it is safe, else a safe form with a
    digest of the original (distinct names never share a folder)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    safe = safe.strip("._")
    if safe == name and len(name) <= MAX_NAME and name != LATEST:
        return name
    digest = hashlib.blake2b(name.encode(), digest_size=3).hexdigest()
    return f"{(safe or 'scenario')[:MAX_NAME]}-{digest}"


def scenario_folder(base: Path, name: str) -> Path:
    """The folder holding every run of scenario ``name`` under ``base``."""
    return base / safe_name(name)


def new_run_dir(base: Path, name: str, seed: int, *, now: float | None = None) -> Path:
    """Create this run's own folder (never an existing one) and point ``latest`` at it."""
    folder = scenario_folder(base, name)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    stem = f"{stamp}-seed{seed}"
    attempt = 1
    while True:
        path = folder / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            attempt += 1
            continue
        point_latest(path)
        return path


def point_latest(run_dir: Path) -> None:
    """Make ``latest`` beside ``run_dir`` name it (replaced atomically, never half-written)."""
    link = run_dir.parent / LATEST
    tmp = run_dir.parent / f".{LATEST}.{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(run_dir.name, target_is_directory=True)
    except OSError:  # no symbolic links here: a text file naming the folder instead
        tmp.write_text(run_dir.name + "\n", encoding="utf-8")
    tmp.replace(link)


def latest(folder: Path) -> Path | None:
    """The newest run folder of a scenario folder, or None when it has none."""
    link = folder / LATEST
    if link.is_symlink() or link.is_dir():
        return link.resolve() if link.exists() else None
    if link.is_file():
        target = folder / link.read_text(encoding="utf-8").strip()
        return target if target.is_dir() else None
    return None


def resolve(path: Path) -> Path:
    """``path`` with a ``latest`` part that is a text file (no symbolic links) followed."""
    parts = path.parts
    for i, part in enumerate(parts):
        if part == LATEST:
            here = Path(*parts[: i + 1])
            if here.is_file() and not here.is_symlink():
                target = latest(here.parent)
                if target is not None:
                    return target.joinpath(*parts[i + 1 :])
    return path


def run_folders(folder: Path) -> list[Path]:
    """A scenario folder's run folders, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and _RUN.match(p.name)
    )
