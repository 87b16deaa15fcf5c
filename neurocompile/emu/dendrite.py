"""Dendritic accumulators with delay ring buffers (integer, vectorised).

Synapses whose projection has a non-negative weight exponent are merged per pair of banks
and add ``mantissa << exponent`` into one ring per postsynaptic bank (shifting left is exact,
so summing first changes nothing). A projection with a negative exponent keeps its own ring,
because the chip (like Lava's Dense) floors each step's *sum* of its mantissas when shifting
right. Step ``k`` reads and clears slot ``k % L``; a spike of step ``k`` through a synapse of
delay ``d`` lands in slot ``(k + d) % L``. Cost: O(delivered synapses + neurons) per step.
"""
from __future__ import annotations

import numpy as np

from ..reference.delivery import synapse_range
from .arith import scale_by_exponent


class Ring:
    """One accumulator ring (L, size) int64 of summed input per future step."""

    def __init__(self, max_delay: int, size: int, exponent: int = 0):
        self.buffer = np.zeros((max_delay + 1, size), dtype=np.int64)
        self.flat = self.buffer.reshape(-1)
        self.length, self.size = self.buffer.shape
        self.exponent = exponent

    def add(self, step: int, table, spiked_rows: np.ndarray) -> np.ndarray:
        """Add the synapses of the spiking rows of ``table``; returns their target indices."""
        positions = synapse_range(table.indptr, spiked_rows)
        if positions.size == 0:
            return positions
        targets = table.post[positions]
        if table.uniform_delay is not None:
            np.add.at(self.buffer[(step + table.uniform_delay) % self.length], targets, table.value[positions])
        else:
            slots = (step + table.delay[positions]) % self.length
            np.add.at(self.flat, slots * self.size + targets, table.value[positions])
        return targets

    def fresh(self) -> "Ring":
        """An empty ring of the same shape and exponent."""
        return Ring(self.length - 1, self.size, self.exponent)

    def take(self, step: int) -> np.ndarray:
        """This step's input (scaled by the ring's exponent); clears the slot."""
        slot = self.buffer[step % self.length]
        out = scale_by_exponent(slot, self.exponent) if self.exponent else slot.copy()
        slot[:] = 0
        return out
