"""Where the built-in targets live: package data in a wheel, ``targets/`` in a source tree.

The TOML files are kept in the repository's top-level ``targets/`` folder, reviewed as data.
The wheel ships the same files inside the package as ``neurocompile/_targets`` (pyproject.toml,
``[tool.hatch.build.targets.wheel.force-include]``); a source checkout (also an editable
install) reads ``targets/`` directly.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["available_targets", "builtin_files"]

# This file is neurocompile/target/builtin.py; the repository root is two folders above the
# package folder neurocompile/.
_SOURCE_TREE_TARGETS = Path(__file__).resolve().parents[2] / "targets"


def _builtin_dirs() -> list:
    """Directories holding built-in targets: the installed package data first, then the source tree."""
    dirs = []
    try:
        from importlib.resources import files

        packaged = files("neurocompile") / "_targets"
        if packaged.is_dir():
            dirs.append(packaged)
    except Exception:  # noqa: BLE001 - e.g. namespace packages on old importlib; use the fallback
        pass
    if _SOURCE_TREE_TARGETS.is_dir():
        dirs.append(_SOURCE_TREE_TARGETS)
    return dirs


def builtin_files() -> dict:
    """Built-in target name -> file (Traversable or Path); package data wins over the source tree."""
    found: dict = {}
    for directory in _builtin_dirs():
        for entry in directory.iterdir():
            if entry.name.endswith(".toml") and entry.is_file():
                found.setdefault(entry.name[: -len(".toml")], entry)
    return found


def available_targets() -> list[str]:
    """Names of the built-in targets, sorted."""
    return sorted(builtin_files())
