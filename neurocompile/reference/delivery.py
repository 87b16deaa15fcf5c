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
def _deliver_rows(ring_flat, indptr, post, weight, delay, uniform_delay, rows, scale, step, length, size):
    """Add the weights of ``rows``, times the row's ``scale`` (short-term plasticity's
    efficacy; 1 without it), into ``ring_flat`` in row order; returns synapses touched.

    Each addition lands in slot ``(step + delay) % length`` (``uniform_delay`` > 0: the same
    delay for every synapse). One compiled loop: a step delivers a few rows of ~100 synapses,
    where numpy's per-call overhead cost more than the additions (measured on CUBA).
    """
    touched = 0
    for r in range(rows.size):
        row = rows[r]
        factor = scale[r]
        for j in range(indptr[row], indptr[row + 1]):
            d = uniform_delay if uniform_delay > 0 else delay[j]
            ring_flat[((step + d) % length) * size + post[j]] += weight[j] * factor
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


class ShortTermState:
    """Tsodyks–Markram state of one projection's presynaptic neurons (float64), updated at
    their spikes from the exact solution between spikes (:mod:`neurocompile.models.short_term`).

    The relaxation over the steps since a neuron's last spike is exact, so the result equals a
    per-step relaxation (the chip's) up to rounding.
    """

    def __init__(self, stp, size: int, dt: float):
        self.U = float(stp.U)
        self.dt = dt
        self.tau_fac, self.tau_rec = float(stp.tau_fac), float(stp.tau_rec)
        self.u = np.zeros(size)
        self.x = np.ones(size)
        self.last = np.zeros(size, dtype=np.int64)  # step of the last update

    def efficacy(self, step: int, rows: np.ndarray) -> np.ndarray:
        """Relax the spiking ``rows`` to ``step``, facilitate, return ``u x`` and deplete."""
        elapsed = (step - self.last[rows]) * self.dt
        u, x = self.u[rows], self.x[rows]
        u = u * (np.exp(-elapsed / self.tau_fac) if self.tau_fac > 0 else 0.0)
        x = 1.0 + (x - 1.0) * (np.exp(-elapsed / self.tau_rec) if self.tau_rec > 0 else 0.0)
        u = u + self.U * (1.0 - u)
        efficacy = u * x
        self.u[rows], self.x[rows], self.last[rows] = u, x - efficacy, step
        return efficacy


class NmdaGate:
    """Wang's (2002) presynaptic NMDA gating of one projection (float64): ``x``, ``s`` per
    presynaptic neuron. Each step, after the step's spikes (``x += 1``), the saturating rise is
    integrated exactly for the step's ``x(t) = x e^{-t/tau_rise}``,
    ``s <- 1 - (1 - s) exp(-alpha x tau_rise (1 - e^{-dt/tau_rise}))``, then ``s`` decays by
    ``e^{-dt/tau_decay}`` and ``x`` by ``e^{-dt/tau_rise}`` (splitting; its error is
    second order in dt / tau_decay). The rise ``D = s_after_rise - s_before`` is what the
    step adds to every postsynaptic ``g = sum w s``, whose own exponential decay with
    ``tau_decay`` carries the rest.
    """

    def __init__(self, receptor, size: int, dt: float):
        tau_rise, tau_decay, alpha = float(receptor.tau_rise), float(receptor.tau_decay), float(receptor.alpha)
        self.rise = alpha * tau_rise * -np.expm1(-dt / tau_rise)  # integral of alpha x(t) per unit x
        self.keep_x, self.keep_s = np.exp(-dt / tau_rise), np.exp(-dt / tau_decay)
        self.x = np.zeros(size)
        self.s = np.zeros(size)

    def step(self, spiked: np.ndarray):
        """Advance one step; returns (rows whose gate rose, their rise D)."""
        self.x[spiked] += 1.0
        active = np.flatnonzero(self.x > 0)
        rise = np.zeros(0)
        if active.size:
            s = self.s[active]
            risen = 1.0 - (1.0 - s) * np.exp(-self.rise * self.x[active])
            rise = risen - s
            self.s[active] = risen
        self.s *= self.keep_s
        self.x *= self.keep_x
        self.x[self.x < 1e-300] = 0.0
        return active, rise


class DelayedDelivery:
    """Delivers one projection's spikes into the ring buffer of its postsynaptic population
    (with its short-term plasticity, if any)."""

    def __init__(self, projection, ring: np.ndarray):
        w = projection.weights
        self.indptr = w.indptr.astype(np.int64)
        self.post = w.indices.astype(np.int64)
        # a plastic projection's weights change during the run: the run gets its own copy
        self.weight = w.data.copy() if projection.plasticity is not None else w.data
        self.delay = projection.delay_steps.astype(np.int64)
        self.ring = ring
        self.ring_flat = ring.reshape(-1)
        self.length, self.size = ring.shape
        self._ones = np.ones(projection.pre.size)  # the scale of every row without short-term plasticity
        self.uniform_delay = int(self.delay[0]) if self.delay.size and np.all(self.delay == self.delay[0]) else None
        self.stp = None if projection.stp is None else ShortTermState(projection.stp, projection.pre.size,
                                                                      projection.dt)
        receptor = projection.post.model.receptors.get(projection.receptor)
        self.gate = NmdaGate(receptor, projection.pre.size, projection.dt) if getattr(receptor, "gated", False) \
            else None
        # all-to-all with one weight and one delay: a gate's rises reach every neuron alike
        full = self.post.size == projection.pre.size * self.size and np.all(np.diff(self.indptr) == self.size)
        self.uniform = (self.gate is not None and self.uniform_delay is not None and bool(full)
                        and bool(np.all(self.weight == self.weight[0])))

    def deliver(self, step: int, spiked_rows: np.ndarray) -> int:
        """Add the weights of the spiking rows into the buffer; returns synapses touched.

        Sums are formed row by row, synapse by synapse (the order ``np.add.at`` would use).
        """
        if self.gate is not None:  # graded: every step, from the gates
            rows, rise = self.gate.step(np.asarray(spiked_rows, dtype=np.int64))
            if self.uniform:
                if rows.size:
                    self.ring[(step + self.uniform_delay) % self.length] += self.weight[0] * rise.sum()
                return int(rows.size * self.size)
            return int(_deliver_rows(self.ring_flat, self.indptr, self.post, self.weight, self.delay,
                                     self.uniform_delay or 0, rows.astype(np.int64), rise, step, self.length,
                                     self.size))
        if spiked_rows.size == 0:
            return 0
        rows = np.asarray(spiked_rows, dtype=np.int64)
        scale = self._ones[:rows.size] if self.stp is None else self.stp.efficacy(step, rows)
        return int(_deliver_rows(self.ring_flat, self.indptr, self.post, self.weight, self.delay,
                                 self.uniform_delay or 0, rows, scale, step, self.length, self.size))
