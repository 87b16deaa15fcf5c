"""Chip target descriptions: the TOML files in ``targets/``, loaded into frozen dataclasses.

A target says what the compiler may assume about a chip: the mesh of cores, the per-core
resource limits, the integer number formats, the neuron models that run on it and the energy and
time each operation costs. The built-in targets are ``emu`` (our emulator) and ``lava`` (Loihi-like
limits for Lava emission). A user describes another chip by writing a TOML file in the same
layout and passing its path to :func:`load_target`.

Layout of a target file (each section maps onto one dataclass, each key onto one field)::

    format_version = 1            # optional, only 1 exists
    backend = "emu"               # "emu" or "lava"
    name = "emu"
    description = "..."
    [chip]       ChipGeometry     mesh of tiles on one chip, cores per tile
    [board]      BoardGeometry    mesh of chips, cost of crossing an inter-chip link
    [core]       CoreLimits       neurons, fan-in axons, synapse entries ... per core
    [precision]  Precision        bit widths and exponent ranges of the integer formats
    [models]     ModelSupport     neuron models the backend runs
    [adex]       AdExTable        exp() lookup table; required iff the target runs AdEx or ExpIF
    [hh]         HHGateTables     gate tables of HH neurons; required iff the target runs HH
    [energy]     EnergyCosts      pJ per operation
    [time]       TimeCosts        ns per operation

Every validation failure raises :class:`~neurocompile.errors.TargetError`. Its message names the
file, the ``section.key``, the offending value and the rule. Unknown sections and keys are
rejected, never ignored.

Modules, one job each:

* :mod:`.spec`: the type and bounds of each key, and the one checker that enforces them.
* :mod:`.precision`: :class:`Precision`, the chip's register formats, and :data:`LOIHI_PRECISION`.
* :mod:`.sections`: the dataclasses of the other sections.
* :mod:`.layout`: the file's version, backends, known models, top-level keys and sections.
* :mod:`.description`: :class:`Target` and the geometry, costs and model support it answers.
* :mod:`.validate`: a parsed file (dict) to a :class:`Target`, with every rule checked.
* :mod:`.builtin`: where the built-in target files are found (wheel or source tree).
* :mod:`.loading`: :func:`load_target`, by built-in name or file path.
"""
from __future__ import annotations

from .builtin import available_targets
from .description import CoreLocation, Hops, Target
from .layout import BACKENDS, FORMAT_VERSION, KNOWN_MODELS
from .loading import load_target
from .precision import LOIHI_PRECISION, Precision
from .sections import (AdExTable, BoardGeometry, ChipGeometry, CoreLimits, EnergyCosts, HHGateTables,
                       ModelSupport, TimeCosts)

__all__ = [
    "AdExTable",
    "BACKENDS",
    "BoardGeometry",
    "ChipGeometry",
    "CoreLimits",
    "CoreLocation",
    "EnergyCosts",
    "HHGateTables",
    "FORMAT_VERSION",
    "Hops",
    "KNOWN_MODELS",
    "LOIHI_PRECISION",
    "ModelSupport",
    "Precision",
    "Target",
    "TimeCosts",
    "available_targets",
    "load_target",
]
