"""Exceptions raised by neurocompile.

Every error names the object, the parameter, the offending value and the rule it broke, so
that a user can fix the input without reading our source. Use :func:`invalid` to build them.
"""
from __future__ import annotations

import difflib

import numpy as np


class NeurocompileError(Exception):
    """Base class of every error neurocompile raises on purpose.

    Its text is one printable line: characters that are not printable, which can only come from
    a name or a path read from a file, are escaped (:func:`printable`), so that an error never
    moves the cursor or recolours the terminal it is shown on. ``args`` keep the raw text.
    """

    def __str__(self) -> str:
        return printable(super().__str__())


class NetworkError(NeurocompileError, ValueError):
    """A network, population, projection, model or input is malformed."""


class TargetError(NeurocompileError, ValueError):
    """A target description (TOML file) is malformed or cannot be found."""


class BuildError(NeurocompileError):
    """A pipeline stage could not produce its result (for example a network that does not fit)."""


class MemoryBudgetError(NeurocompileError):
    """A stage (a float or chip run, a compile, a build), an input or a projection's synapses
    would need more memory than the machine has available (:mod:`neurocompile.resources`);
    raised before the memory is allocated, naming the estimate, the memory available and what
    to reduce."""


class DistributedError(NeurocompileError):
    """A run spread over MPI ranks (:mod:`neurocompile.mpi`) cannot go on: more ranks than the
    program or batch can be split into, ranks that opened different programs, a rank that
    failed or stopped answering. Raised on every rank, with the same text, never a hang."""


class UnreadableFileError(NeurocompileError):
    """A file the user named is missing, a directory or cannot be read, so nothing of it ran.
    The command line reports it as a usage error (exit code 2), as it does a bad option."""


def printable(text) -> str:
    """``text`` with every character that is not printable escaped as Python writes it
    (``\\x1b``, ``\\n``, ``\\u202e``): a name read from a file (a key, a model, a path) then
    cannot move the cursor, recolour the terminal or break an error message into two lines."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def describe_value(value) -> str:
    """A short, readable rendering of a parameter value for error messages."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, separator=", ")
        if value.dtype.kind not in "biuf":
            return f"array of shape {value.shape} ({value.dtype})"
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value
        if finite.size:
            return f"array of shape {value.shape} (min {finite.min():g}, max {finite.max():g})"
        return f"array of shape {value.shape}"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def invalid(obj: str, param: str, value, rule: str, cls=NetworkError) -> NeurocompileError:
    """Build an error that names the object, the parameter, the value and the broken rule.

    Example: ``invalid("LIF", "tau_mem", -5.0, "must be > 0 ms")`` gives
    ``LIF: tau_mem = -5 must be > 0 ms``.
    """
    return cls(f"{obj}: {param} = {describe_value(value)} {rule}")


def unknown_names(obj: str, what: str, names, allowed, cls=NetworkError) -> NeurocompileError:
    """Error for unknown keyword(s), with the allowed names and a close-match suggestion."""
    names = sorted(names)
    allowed = sorted(allowed)
    hints = []
    for name in names:
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            hints.append(f"'{printable(name)}' (did you mean '{close[0]}'?)")
        else:
            hints.append(f"'{printable(name)}'")
    return cls(
        f"{obj}: unknown {what} {', '.join(hints)}; allowed: {', '.join(allowed) or 'none'}"
    )


def unreadable_file(path, what: str, cls=UnreadableFileError) -> UnreadableFileError | None:
    """An error of class ``cls`` if the file at ``path`` cannot be opened for reading, else None.

    Example: ``unreadable_file("nope.py", "network file")`` gives
    ``network file 'nope.py' does not exist``.
    """
    try:
        with open(path, "rb"):
            return None
    except FileNotFoundError:
        reason = "does not exist"
    except IsADirectoryError:
        reason = "is a directory, not a file"
    except OSError as exc:
        reason = f"cannot be read ({exc.strerror or exc})"
    return cls(f"{what} '{path}' {reason}")
