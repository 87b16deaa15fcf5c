"""How much of a core every neuron takes, under each per-core limit kept apart.

A neuron's share of a core is a vector: ``1 / core.neurons``, ``in_synapses /
core.synapse_entries`` and an estimated fan-in share ``alpha * in_sources /
core.fanin_axons`` (``in_sources``: its synapses, without the entries that count plastic
synapses' learning, :mod:`.learning_entries`); a core holds at most 1 in every column. Neuron count and synapse entries
are additive, so those shares are exact. The fan-in of a group is less than the sum of its
in-degrees (shared sources), so ``alpha`` starts at 0 and the placer raises it from the
overlap it measures (:func:`overlap_factor`) whenever a core exceeds its fan-in.
"""
from __future__ import annotations

import numpy as np

from .graph import NeuronGraph


def core_shares(graph: NeuronGraph, limits, alpha: float) -> np.ndarray:
    """(n, 3) float: the share of a core every neuron takes of each limit (neurons, synapse
    entries, estimated fan-in); a core holds at most 1 in every column.

    The limits stay apart rather than folded into one weight (the largest share): a
    neuron-bound population with few inputs per neuron (a first convolution) and a
    synapse-bound one fill cores together, which a single weight would forbid.
    """
    # A neuron with more inputs than half a core's fan-in leaves room for few others.
    heavy = graph.in_sources / limits.fanin_axons
    fanin = np.where(heavy > 0.5, heavy, 0.0)
    if alpha > 0:
        fanin = np.maximum(fanin, alpha * graph.in_sources / limits.fanin_axons)
    return np.column_stack([np.full(graph.n, 1.0 / limits.neurons), graph.in_synapses / limits.synapse_entries,
                            fanin])


def cores_needed(shares: np.ndarray) -> float:
    """Fewest cores (fractional) that hold ``shares`` ((n, limits), :func:`core_shares`)
    under every limit."""
    return float(shares.sum(axis=0).max(initial=0.0))


def overlap_factor(graph: NeuronGraph, placement, usage, limits) -> float:
    """Measured fan-in / sum of in-synapses on the cores that exceed their fan-in (on all
    used cores when none does): the ``alpha`` that would have predicted the fan-in."""
    core = np.concatenate([placement.core_of[n] for n in graph.names]).astype(np.int64)
    syn = np.bincount(core, weights=graph.in_sources, minlength=placement.n_cores)
    over = usage.fanin_axons > limits.fanin_axons
    if not over.any():
        over = usage.fanin_axons > 0
    ratio = usage.fanin_axons[over] / np.maximum(syn[over], 1)
    return float(ratio.max(initial=0.0))
