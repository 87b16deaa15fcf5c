"""What a target file holds: its version, top-level keys and sections.

The loader (:mod:`.validate`) and :meth:`Target.to_dict` both walk :data:`SECTIONS`, so a file
and its dict form have the same layout.
"""
from __future__ import annotations

from .precision import Precision
from .sections import (AdExTable, BoardGeometry, ChipGeometry, CoreLimits, EnergyCosts, HHGateTables,
                       LearningEngine, ModelSupport, TimeCosts)

FORMAT_VERSION = 1
BACKENDS = ("emu", "lava")
# Model names as registered in neurocompile.models.MODELS (neurons), RECEPTORS (receptor kinds)
# and the plasticity rules (short-term, STDP). They are repeated here so that this package does not import
# the models; a test checks that the lists agree.
KNOWN_MODELS = ("LIF", "LI", "AdEx", "ExpIF", "Izhikevich", "HH", "DiscreteLIF", "DiscreteLI", "CurrentExp", "CondExp", "CondDualExp", "NMDA",
                "TsodyksMarkram", "STDP")

#: Section name -> (dataclass, required?), in the order of a target file.
SECTIONS: dict[str, tuple[type, bool]] = {
    "chip": (ChipGeometry, True),
    "board": (BoardGeometry, True),
    "core": (CoreLimits, True),
    "precision": (Precision, True),
    "models": (ModelSupport, True),
    "adex": (AdExTable, False),
    "hh": (HHGateTables, False),
    "learning": (LearningEngine, False),
    "energy": (EnergyCosts, True),
    "time": (TimeCosts, True),
}
#: Keys outside any section; each is a string except format_version.
TOP_LEVEL_KEYS = ("format_version", "backend", "name", "description")
