"""Synapse memory and dendritic accumulators with delay ring buffers (integer, vectorised).

Each projection keeps its own accumulator ring of shape (L, n_post) holding the sum of weight
mantissas arriving in each future step; when the step comes, the sum is scaled by the
projection's shared exponent (floor shift, as Lava's Dense does with its per-step sum) and
added to the soma input. A step costs O(delivered synapses + neurons).
"""
from __future__ import annotations

import numpy as np

from ..reference.delivery import synapse_range
from .arith import scale_by_exponent


class ProjectionAccumulator:
    """Delivers one integer projection's spikes and yields its scaled input per step."""

    def __init__(self, qproj, post_size: int):
        self.name = qproj.name
        self.indptr = qproj.indptr
        self.post = qproj.post_index.astype(np.int64)
        self.mant = qproj.weight_mant.astype(np.int64)
        self.delay = qproj.delay_steps.astype(np.int64)
        self.exp = int(qproj.weight_exp)
        length = int(self.delay.max(initial=1)) + 1
        self.ring = np.zeros((length, post_size), dtype=np.int64)
        self.ring_flat = self.ring.reshape(-1)
        self.length, self.size = self.ring.shape
        uniform = self.delay.size and np.all(self.delay == self.delay[0])
        self.uniform_delay = int(self.delay[0]) if uniform else None

    def deliver(self, step: int, spiked_rows: np.ndarray) -> np.ndarray:
        """Add the mantissas of the spiking rows' synapses; returns their target neurons."""
        positions = synapse_range(self.indptr, spiked_rows)
        if positions.size == 0:
            return positions
        targets = self.post[positions]
        if self.uniform_delay is not None:
            np.add.at(self.ring[(step + self.uniform_delay) % self.length], targets, self.mant[positions])
        else:
            slots = (step + self.delay[positions]) % self.length
            np.add.at(self.ring_flat, slots * self.size + targets, self.mant[positions])
        return targets

    def take(self, step: int) -> np.ndarray:
        """The scaled input of this step (int64, n_post); clears the slot."""
        slot = self.ring[step % self.length]
        scaled = scale_by_exponent(slot, self.exp) if self.exp else slot.copy()
        slot[:] = 0
        return scaled
