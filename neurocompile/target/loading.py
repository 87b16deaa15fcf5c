"""Read a target, built-in by name or a user's TOML file by path: :func:`load_target`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import TargetError, UnreadableFileError, invalid, unknown_names
from .builtin import builtin_files
from .description import Target
from .validate import parse_target

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser under another name
    import tomli as tomllib

__all__ = ["load_target"]


def load_target(name_or_path: str | os.PathLike = "emu") -> Target:
    """Load and validate a target.

    ``name_or_path`` is either the bare name of a built-in target (``"emu"``, ``"lava"``; see
    :func:`~neurocompile.target.available_targets`) or the path of a TOML file. A ``str`` is
    read as a path if it ends in ``.toml`` or contains a directory separator. A bare name that
    is not built in, but names an existing file, loads that file. A ``pathlib.Path`` is always
    read as a path.
    """
    if isinstance(name_or_path, os.PathLike):
        text = os.fspath(name_or_path)
        is_path = True
    elif isinstance(name_or_path, str):
        text = name_or_path
        is_path = text.endswith(".toml") or "/" in text or os.sep in text
    else:
        raise invalid("load_target", "name_or_path", name_or_path,
                      "must be a target name or a path to a .toml file", cls=TargetError)

    builtins = builtin_files()
    listing = ", ".join(sorted(builtins)) or "none found"
    if not is_path:
        if text in builtins:
            entry = builtins[text]
            return _parse_text(entry.read_text(encoding="utf-8"), f"'{text}' (built-in, {entry})")
        if Path(text).is_file():
            return _load_path(Path(text))
        unknown = unknown_names("load_target", "target", [text], builtins, cls=TargetError)
        raise TargetError(f"{unknown}; or give the path of a .toml file")
    path = Path(text).expanduser()
    if not path.is_file():
        reason = "is a directory, not a file" if path.is_dir() else "not found"
        raise UnreadableTargetFileError(f"target file '{path}' {reason}; built-in targets: {listing}")
    return _load_path(path)


class UnreadableTargetFileError(TargetError, UnreadableFileError):
    """A target file that is missing or a directory: a usage error on the command line (exit 2)."""


def _load_path(path: Path) -> Target:
    """Read and validate the UTF-8 TOML file at ``path``."""
    source = f"file '{path}'"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TargetError(f"target {source}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TargetError(f"target {source}: is not UTF-8 text ({exc.reason} at byte "
                          f"{exc.start}); TOML files must be UTF-8") from None
    return _parse_text(text, source)


def _parse_text(text: str, source: str) -> Target:
    """Parse TOML ``text`` read from ``source`` and validate it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # message carries "(at line L, column C)"
        raise TargetError(f"target {source}: invalid TOML: {exc}") from None
    return parse_target(data, source)
