"""The machine's memory, and the memory a run will take, checked before it is allocated.

A run records per step: every probed trace value (float64) and, on the emulator, its step
counters. A long run with many probes, or a program whose time step is tiny, would otherwise
fail mid-way with a MemoryError (or exhaust the machine); the estimate here is made first and
compared with what the machine has available.
"""
from __future__ import annotations

import os

from .errors import NeurocompileError

#: Per step and sample, the emulator keeps 7 step counters and 2 timing values (8 bytes each).
EMULATOR_BYTES_PER_STEP = 9 * 8


class MemoryBudgetError(NeurocompileError):
    """A run, an input or a projection's synapses would need more memory than the machine
    has available (projections: :func:`neurocompile.ir.projection.check_synapse_memory`)."""


def available_memory_bytes() -> int:
    """The machine's available memory (``MemAvailable`` on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def run_memory_bytes(n_steps: int, probes, samples: int = 1, emulator: bool = False) -> int:
    """Bytes a run of ``n_steps`` records: float64 traces of every probed value (``probes``:
    (population, indices, variable) tuples; spike probes record only spikes) per sample, and
    the emulator's per-step counters."""
    traced = sum(len(indices) for _, indices, variable in probes if variable != "spikes")
    per_step = 8 * traced + (EMULATOR_BYTES_PER_STEP if emulator else 0)
    return int(n_steps) * per_step * int(samples)


def check_run_memory(owner: str, n_steps: int, dt: float, probes, samples: int = 1,
                     emulator: bool = False) -> None:
    """Raise :class:`MemoryBudgetError` when the run's recordings would not fit in the
    machine's available memory, naming the steps, the traced values and what to change."""
    need = run_memory_bytes(n_steps, probes, samples, emulator)
    have = available_memory_bytes()
    if need > have:
        traced = sum(len(indices) for _, indices, variable in probes if variable != "spikes")
        raise MemoryBudgetError(
            f"{owner}: {n_steps} steps (dt = {dt:g} ms) x {samples} sample(s), recording {traced} traced "
            f"values per step, need {need / 2**30:.1f} GiB; this machine has {have / 2**30:.1f} GiB available. "
            f"Run shorter, probe fewer neurons or variables, or use a larger dt")
