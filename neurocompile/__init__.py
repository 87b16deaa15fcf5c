"""neurocompile: compile spiking neural networks onto neuromorphic hardware.

Pipeline: IR (:mod:`neurocompile.ir`) -> float reference (:mod:`neurocompile.reference`) ->
quantize -> place -> emit (emulator or Lava). Units: ms, mV, pA, nS, pF, Hz.

The public names below are imported on first use (PEP 562), so that ``import neurocompile``
is cheap and the command line can start work (the emulator kernel's compilation) before
numpy, scipy and numba are loaded.
"""
from __future__ import annotations

from .lazy import lazy_getattr

__version__ = "0.1.0"

#: Public name -> (submodule, attribute).
_EXPORTS = {
    "BuildError": (".errors", "BuildError"), "NetworkError": (".errors", "NetworkError"),
    "NeurocompileError": (".errors", "NeurocompileError"), "TargetError": (".errors", "TargetError"),
    "MemoryBudgetError": (".errors", "MemoryBudgetError"),
    "AllToAll": (".ir", "AllToAll"), "Explicit": (".ir", "Explicit"),
    "FixedInDegree": (".ir", "FixedInDegree"), "FixedProbability": (".ir", "FixedProbability"),
    "Network": (".ir", "Network"), "Normal": (".ir", "Normal"), "OneToOne": (".ir", "OneToOne"),
    "PoissonSource": (".ir", "PoissonSource"), "SpikeTrains": (".ir", "SpikeTrains"),
    "StepCurrent": (".ir", "StepCurrent"), "Uniform": (".ir", "Uniform"),
    "AdEx": (".models", "AdEx"), "ExpIF": (".models", "ExpIF"), "Izhikevich": (".models", "Izhikevich"),
    "HH": (".models", "HH"),
    "LI": (".models", "LI"), "LIF": (".models", "LIF"),
    "DiscreteLIF": (".models", "DiscreteLIF"), "DiscreteLI": (".models", "DiscreteLI"),
    "CurrentExp": (".models", "CurrentExp"), "CondExp": (".models", "CondExp"),
    "CondDualExp": (".models", "CondDualExp"), "TsodyksMarkram": (".models", "TsodyksMarkram"),
    "NMDA": (".models", "NMDA"), "STDP": (".models", "STDP"),
    "NirFileError": (".nir", "NirFileError"), "read_nir": (".nir", "read_nir"),
    "write_nir": (".nir", "write_nir"),
    "compile": (".program", "compile"),
    "Program": (".program", "Program"),
    "ProgramFileError": (".program", "ProgramFileError"), "load": (".program", "load_program"),
    "simulate": (".reference", "simulate"),
    "Result": (".result", "Result"),
    "compare": (".validate", "compare"),
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, globals(), _EXPORTS)


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
