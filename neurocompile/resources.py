"""The machine's available memory, and the check that a stage's estimated peak fits in it.

Every stage that can allocate much (a float run, a compile, a chip run, a whole build, a
projection's synapses, reading a NIR file) compares what it will need with
:func:`available_memory_bytes` before it allocates it, and stops with a one-line
:class:`~neurocompile.errors.MemoryBudgetError` that says what to reduce rather than failing
half-way with a MemoryError or exhausting the machine. The estimates are in
:mod:`neurocompile.memory` and :mod:`neurocompile.program.preflight`.

``NEUROCOMPILE_MEMORY_LIMIT`` (bytes, or with a suffix K, M, G, T: powers of 1024, e.g. ``2G``
or ``512M``) replaces the machine's available memory: to keep neurocompile within a share of
a shared machine, or, set high, to run a stage whose estimate is above what the machine
reports (an estimate errs on the high side).
"""
from __future__ import annotations

import os
import re

from .errors import BuildError, MemoryBudgetError  # noqa: F401 - MemoryBudgetError is imported from here too

#: Environment variable that replaces the machine's available memory, bytes (suffix K/M/G/T).
LIMIT_VARIABLE = "NEUROCOMPILE_MEMORY_LIMIT"
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)
_SCALE = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def memory_limit() -> int | None:
    """``NEUROCOMPILE_MEMORY_LIMIT`` in bytes, or None when it is not set (or empty)."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return None
    match = _SIZE.fullmatch(text)
    if match is None:
        raise BuildError(f"environment variable {LIMIT_VARIABLE} = {text!r} is not a memory size: give bytes "
                         "or a number with K, M, G or T (powers of 1024), e.g. 2G")
    return int(float(match.group(1)) * _SCALE[match.group(2).lower()])


def machine_available_bytes() -> int:
    """The machine's available memory: ``MemAvailable`` on Linux, else its physical memory,
    else 8 GiB when neither can be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def available_memory_bytes() -> int:
    """The memory neurocompile may use, bytes: ``NEUROCOMPILE_MEMORY_LIMIT`` when set, else
    :func:`machine_available_bytes`."""
    limit = memory_limit()
    return machine_available_bytes() if limit is None else limit


def available_description(have: int) -> str:
    """``"1.0 GiB available on this machine"``, or ``"... available (NEUROCOMPILE_MEMORY_LIMIT)"``
    when that variable set the amount."""
    from .memory import format_bytes

    source = f"({LIMIT_VARIABLE})" if memory_limit() is not None else "on this machine"
    return f"{format_bytes(have)} available {source}"


def check_memory(owner: str, estimate) -> None:
    """Raise :class:`MemoryBudgetError` when ``estimate`` (a
    :class:`~neurocompile.memory.MemoryEstimate`) peaks above :func:`available_memory_bytes`:
    one line naming ``owner``, the estimate and its largest parts, the sizes it came from, the
    memory available and what to reduce."""
    have = available_memory_bytes()
    if estimate.peak > have:
        override = "" if memory_limit() is not None else \
            f" (estimates err on the high side; {LIMIT_VARIABLE}=SIZE replaces the available memory)"
        raise MemoryBudgetError(
            f"{owner}: needs about {estimate.describe()} at its peak for {estimate.detail}; "
            f"{available_description(have)}: {estimate.what_to_reduce()}{override}")
