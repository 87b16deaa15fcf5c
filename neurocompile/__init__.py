"""neurocompile: compile spiking neural networks onto neuromorphic hardware.

Pipeline: IR (:mod:`neurocompile.ir`) -> float reference (:mod:`neurocompile.reference`) ->
quantize -> place -> emit (emulator or Lava). Units: ms, mV, pA, nS, pF, Hz.
"""
from .errors import BuildError, NetworkError, NeurocompileError, TargetError
from .ir import (
    AllToAll, Explicit, FixedInDegree, FixedProbability, Network, Normal, OneToOne, PoissonSource,
    SpikeTrains, StepCurrent, Uniform,
)
from .models import AdEx, LI, LIF
from .nir import NirFileError, read_nir, write_nir
from .compiler import compile  # noqa: A004 - nc.compile is the public name
from .program import Program
from .program_io import ProgramFileError, load_program as load
from .reference import simulate
from .result import Result
from .validate import compare

__version__ = "0.1.0"

__all__ = [
    "AdEx", "AllToAll", "BuildError", "Explicit", "FixedInDegree", "FixedProbability", "LI", "LIF",
    "Network", "NetworkError", "NirFileError", "read_nir", "write_nir", "Program", "ProgramFileError", "compile", "load", "NeurocompileError", "Normal", "OneToOne", "PoissonSource", "Result",
    "SpikeTrains", "StepCurrent", "TargetError", "Uniform", "compare", "simulate",
]
