"""Pair-based STDP of one projection in float64 (the rule of :mod:`neurocompile.models.plasticity`).

The traces are per neuron (``x`` per presynaptic, ``y`` per postsynaptic neuron); the weights
are the projection's CSR data, copied for the run, which the projection's delivery reads, so a
changed weight acts on the next spike through it. A presynaptic spike's synapses are one CSR
row; a postsynaptic spike's are found through a column index built once (``by_post``).

One step, after the step's spikes were delivered (so a spike carries the weight it found)::

    x <- x e^{-dt/tau_plus},  y <- y e^{-dt/tau_minus}
    each synapse of a presynaptic spike:   w <- clip(w - A_minus D(w) y_post, w_min, w_max);  then x_pre += 1
    each synapse of a postsynaptic spike:  w <- clip(w + A_plus P(w) x_pre, w_min, w_max);    then y_post += 1

with ``D = w_max``, ``P = w_max`` (additive) or ``D = w - w_min``, ``P = w_max - w``
(multiplicative). A pair in the same step therefore counts as pre before post (``x`` already
holds the new presynaptic spike when the postsynaptic one reads it). The reference always
learns every step: the chip's learning epochs (``[learning] epoch_log2``) are an approximation
of this rule, whose error docs/chip.md section 3.6 and the report's Learning table state.
"""
from __future__ import annotations

import numpy as np

from ..jit import njit


@njit(nogil=True)
def _stdp_step(weight, x, y, keep_x, keep_y, pre_spiked, post_spiked, indptr, post, by_post, post_ptr, pre,
               w_min, w_max, additive, a_plus, a_minus, probed, record_row):
    """One step of the rule (module docstring) in place on ``weight``, ``x`` and ``y``, and the
    probed weights written to ``record_row``.

    One compiled pass instead of a dozen numpy calls on a few synapses per step (the Song et
    al. network spends most of a step in their per-call overhead). The float64 operations are
    those of the numpy form it replaced, in the same order (numba neither reassociates nor
    fuses them), so the weights are bit-identical: ``np.clip(a, lo, hi)`` is ``min(max(a, lo), hi)``.
    """
    for i in range(x.size):
        x[i] *= keep_x
    for i in range(y.size):
        y[i] *= keep_y
    for r in range(pre_spiked.size):
        row = pre_spiked[r]
        for s in range(indptr[row], indptr[row + 1]):
            w = weight[s]
            depression = a_minus * (w_max if additive else w - w_min)
            weight[s] = min(max(w - depression * y[post[s]], w_min), w_max)
    for r in range(pre_spiked.size):  # after every depression: all read the old x
        x[pre_spiked[r]] += 1.0
    for r in range(post_spiked.size):
        column = post_spiked[r]
        for k in range(post_ptr[column], post_ptr[column + 1]):
            s = by_post[k]
            w = weight[s]
            potentiation = a_plus * (w_max if additive else w_max - w)
            weight[s] = min(max(w + potentiation * x[pre[s]], w_min), w_max)
    for r in range(post_spiked.size):
        y[post_spiked[r]] += 1.0
    for k in range(probed.size):
        record_row[k] = weight[probed[k]]


class PlasticSynapses:
    """The weights and traces of one plastic projection during a run."""

    def __init__(self, projection, weight: np.ndarray, probed: np.ndarray | None = None, n_steps: int = 0):
        rule = projection.plasticity
        #: synapse indices recorded every step into ``record[step, k]``
        self.probed = np.zeros(0, np.int64) if probed is None else np.asarray(probed, dtype=np.int64)
        self.record = np.zeros((n_steps if self.probed.size else 0, self.probed.size))
        self.rule = rule
        self.weight = weight  # the delivery's array: updated in place
        w = projection.weights
        self.indptr = w.indptr.astype(np.int64)
        self.post = w.indices.astype(np.int64)
        self.pre = np.repeat(np.arange(projection.pre.size), np.diff(self.indptr))
        # synapse positions sorted by postsynaptic neuron, with their column pointers
        self.by_post = np.argsort(self.post, kind="stable")
        self.post_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.post, minlength=projection.post.size))])
        dt = projection.dt
        self.keep_x = np.exp(-dt / float(rule.tau_plus))
        self.keep_y = np.exp(-dt / float(rule.tau_minus))
        self.x = np.zeros(projection.pre.size)
        self.y = np.zeros(projection.post.size)
        self.w_min, self.w_max = float(rule.w_min), float(rule.w_max)
        self.additive = rule.rule == "additive"
        self.a_plus, self.a_minus = float(rule.A_plus), float(rule.A_minus)
        self._no_record = np.zeros(0)  # the record row of a projection without weight probes

    def step(self, pre_spiked: np.ndarray, post_spiked: np.ndarray, step: int = 0) -> None:
        """One step ``step`` of the rule (:func:`_stdp_step`), after the step's spikes were delivered."""
        _stdp_step(self.weight, self.x, self.y, self.keep_x, self.keep_y,
                   np.asarray(pre_spiked, dtype=np.int64), np.asarray(post_spiked, dtype=np.int64),
                   self.indptr, self.post, self.by_post, self.post_ptr, self.pre, self.w_min, self.w_max,
                   self.additive, self.a_plus, self.a_minus, self.probed,
                   self.record[step] if self.probed.size else self._no_record)
