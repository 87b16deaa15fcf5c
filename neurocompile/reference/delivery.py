"""Spike delivery through delayed synapses into per-population ring buffers.

Each receiving population owns a ring buffer of shape ``(L, size)`` with ``L`` one more than
its largest incoming delay. A spike of step ``k`` through a synapse of delay ``d`` adds the
weight to slot ``(k + d) % L``; step ``k`` reads and clears slot ``k % L``. Only the synapses
of neurons that spiked are touched, so a step costs O(delivered synapses).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit


@njit(nogil=True)
def _deliver_rows(ring_flat, indptr, post, weight, delay, uniform_delay, rows, step, length, size):
    """Add the weights of ``rows`` into ``ring_flat`` in row order; returns synapses touched.

    Each addition lands in slot ``(step + delay) % length`` (``uniform_delay`` > 0: the same
    delay for every synapse). One compiled loop: a step delivers a few rows of ~100 synapses,
    where numpy's per-call overhead cost more than the additions (measured on CUBA).
    """
    touched = 0
    for r in range(rows.size):
        row = rows[r]
        for j in range(indptr[row], indptr[row + 1]):
            d = uniform_delay if uniform_delay > 0 else delay[j]
            ring_flat[((step + d) % length) * size + post[j]] += weight[j]
        touched += indptr[row + 1] - indptr[row]
    return touched


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

        Sums are formed row by row, synapse by synapse (the order ``np.add.at`` would use).
        """
        if spiked_rows.size == 0:
            return 0
        return int(_deliver_rows(self.ring_flat, self.indptr, self.post, self.weight, self.delay,
                                 self.uniform_delay or 0, np.asarray(spiked_rows, dtype=np.int64),
                                 step, self.length, self.size))
