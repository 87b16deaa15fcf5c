"""Spike delivery through delayed synapses into per-population ring buffers (vectorised).

Each receiving population owns a ring buffer of shape ``(L, size)`` with ``L`` one more than
its largest incoming delay. A spike of step ``k`` through a synapse of delay ``d`` adds the
weight to slot ``(k + d) % L``; step ``k`` reads and clears slot ``k % L``. Only the synapses
of neurons that spiked are touched, so a step costs O(delivered synapses).
"""
from __future__ import annotations

import numpy as np


def synapse_range(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions in CSR data of every synapse of the given rows (concatenated, row order)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # Offsets of each row's first synapse in the output, then a ramp within each row.
    first = np.cumsum(counts) - counts
    return np.repeat(starts - first, counts) + np.arange(total)


class DelayedDelivery:
    """Delivers one projection's spikes into the ring buffer of its postsynaptic population."""

    #: Up to this many spiking rows per step are delivered row by row (measured on CUBA).
    ROWS_ONE_BY_ONE = 16

    def __init__(self, projection, ring: np.ndarray):
        w = projection.weights
        self.indptr = w.indptr.astype(np.int64)
        self.post = w.indices.astype(np.int64)
        self.weight = w.data
        self.delay = projection.delay_steps.astype(np.int64)
        self.ring = ring
        self.ring_flat = ring.reshape(-1)
        self.length, self.size = ring.shape
        self.uniform_delay = int(self.delay[0]) if self.delay.size and np.all(self.delay == self.delay[0]) else None

    def deliver(self, step: int, spiked_rows: np.ndarray) -> int:
        """Add the weights of the spiking rows into the buffer; returns synapses touched.

        Sums are formed in row order (the same floating-point result on both paths): a few
        spiking rows are added one by one (a row's targets are distinct, so a fancy-indexed
        ``+=`` is exact and avoids ``np.add.at``, which is slow in numpy 1.x); many rows go
        through one ``np.add.at``.
        """
        if spiked_rows.size <= self.ROWS_ONE_BY_ONE:
            touched = 0
            for row in spiked_rows:
                lo, hi = self.indptr[row], self.indptr[row + 1]
                if hi == lo:
                    continue
                targets = self.post[lo:hi]
                if self.uniform_delay is not None:
                    self.ring[(step + self.uniform_delay) % self.length, targets] += self.weight[lo:hi]
                else:
                    slots = (step + self.delay[lo:hi]) % self.length
                    self.ring_flat[slots * self.size + targets] += self.weight[lo:hi]
                touched += hi - lo
            return int(touched)
        positions = synapse_range(self.indptr, spiked_rows)
        if positions.size == 0:
            return 0
        targets = self.post[positions]
        weights = self.weight[positions]
        if self.uniform_delay is not None:
            slot = (step + self.uniform_delay) % self.length
            np.add.at(self.ring[slot], targets, weights)
        else:
            slots = (step + self.delay[positions]) % self.length
            np.add.at(self.ring_flat, slots * self.size + targets, weights)
        return int(positions.size)
