"""Pair-based STDP of one projection in float64 (the rule of :mod:`neurocompile.models.plasticity`).

The traces are per neuron (``x`` per presynaptic, ``y`` per postsynaptic neuron); the weights
are the projection's CSR data, copied for the run, which the projection's delivery reads, so a
changed weight acts on the next spike through it. A presynaptic spike's synapses are one CSR
row; a postsynaptic spike's are found through a column index built once (``by_post``).
"""
from __future__ import annotations

import numpy as np

from .delivery import synapse_range


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

    def step(self, pre_spiked: np.ndarray, post_spiked: np.ndarray, step: int = 0) -> None:
        """One step ``step`` of the rule, after the step's spikes were delivered."""
        self.x *= self.keep_x
        self.y *= self.keep_y
        if pre_spiked.size:
            synapses = synapse_range(self.indptr, np.asarray(pre_spiked, dtype=np.int64))
            w = self.weight[synapses]
            depression = self.a_minus * (self.w_max if self.additive else w - self.w_min)
            self.weight[synapses] = np.clip(w - depression * self.y[self.post[synapses]], self.w_min, self.w_max)
            self.x[pre_spiked] += 1.0
        if post_spiked.size:
            synapses = self.by_post[synapse_range(self.post_ptr, np.asarray(post_spiked, dtype=np.int64))]
            w = self.weight[synapses]
            potentiation = self.a_plus * (self.w_max if self.additive else self.w_max - w)
            self.weight[synapses] = np.clip(w + potentiation * self.x[self.pre[synapses]], self.w_min, self.w_max)
            self.y[post_spiked] += 1.0
        if self.probed.size:
            self.record[step] = self.weight[self.probed]
