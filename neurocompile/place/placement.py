"""The placement: which core every neuron lives on, as plain arrays.

Spike sources (Poisson generators, spike trains) live on the host; their spikes enter the
chip through the host interface of core 0 and are marked with core ``HOST`` (-1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOST = -1


@dataclass(frozen=True)
class Placement:
    """Neuron-to-core assignment.

    Attributes:
        method: the algorithm that produced it (``"sequential"``, ...).
        core_of: population name -> int32 array (size,) with the core index of every neuron
            (``HOST`` for spike sources).
        n_cores: number of cores the target has (indices run 0..n_cores-1).
        chip, row, col, slot: int arrays (n_cores,), location of every core of the target:
            chip on the board, tile row and column on that chip's mesh, slot within the tile.
        notes: what the placer wants a reader to know, one sentence each (e.g. that the
            connectivity looked unstructured, or that its time budget cut the search short).
    """

    method: str
    core_of: dict
    n_cores: int
    chip: np.ndarray
    row: np.ndarray
    col: np.ndarray
    slot: np.ndarray
    notes: tuple = ()

    @classmethod
    def build(cls, method: str, core_of: dict, target, notes: tuple = ()) -> "Placement":
        cores = np.arange(target.total_cores)
        loc = target.core_location(cores)
        return cls(method, {k: np.asarray(v, dtype=np.int32) for k, v in core_of.items()},
                   target.total_cores, *(np.asarray(a, dtype=np.int32) for a in loc), notes=tuple(notes))

    @property
    def used_cores(self) -> np.ndarray:
        """Sorted indices of the cores that hold at least one neuron."""
        used = [c[c >= 0] for c in self.core_of.values()]
        return np.unique(np.concatenate(used)) if used else np.zeros(0, dtype=np.int32)

    def neurons_per_core(self) -> np.ndarray:
        """Neurons on every core of the target (n_cores,)."""
        counts = np.zeros(self.n_cores, dtype=np.int64)
        for cores in self.core_of.values():
            on_chip = cores[cores >= 0]
            counts += np.bincount(on_chip, minlength=self.n_cores)
        return counts
