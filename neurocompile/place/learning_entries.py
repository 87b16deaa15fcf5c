"""What a plastic synapse takes of a core, as the placers count it.

A plastic synapse takes ``[learning] plastic_synapse_entries`` entries of its core's synapse
memory (its wider weight register) and one of the ``[learning] plastic_synapses`` its core's
learning engine updates. Placers know one additive synapse resource per neuron (its synapse
entries, limit ``core.synapse_entries = E``), so a plastic synapse counts as

    c = max(plastic_synapse_entries, ceil(E / plastic_synapses))

entries. That is sound for both limits at once: a core whose neurons' counted entries fit
``E`` holds at most ``E / c <= plastic_synapses`` plastic synapses, and its real entries
(``plastic_synapse_entries`` per plastic synapse) are no more than the counted ones. It is
exact for the binding limit of a core of plastic synapses alone, and conservative for a core
that mixes them with fixed synapses. The compile still checks both limits exactly after
placement (:func:`~.usage.learning_capacity_problems`).

The placers see these entries as ``c - 1`` extra copies of each plastic projection's pattern
in the network they place (its traffic graph, fan-in and routes do not change: the copies
connect the same neurons), as a projection written in parts is placed as its parts.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import scipy.sparse as sp

from ..ir.projection import Projection


def entries_per_plastic_synapse(target) -> int:
    """``c`` of the module docstring: synapse entries a plastic synapse counts for in placement."""
    learning = target.learning
    return max(learning.plastic_synapse_entries, math.ceil(target.core.synapse_entries / learning.plastic_synapses))


def with_learning_entries(placed, quantized, target):
    """``placed`` (the network the placers see) with ``c - 1`` copies of the pattern of every
    plastic projection added (the same network when none is plastic or the target does not
    learn: the compile refuses plastic projections there)."""
    plastic = {qp.source or qp.name for qp in quantized.projections if getattr(qp, "learning", None) is not None}
    if not plastic or target.learning is None:
        return placed
    copies = entries_per_plastic_synapse(target) - 1
    if copies == 0:
        return placed
    view = copy.copy(placed)
    view.projections = list(placed.projections)
    names = set()
    for proj in placed.projections:
        if proj.name not in plastic:
            continue
        pattern = sp.csr_matrix((proj.weights.data, proj.weights.indices, proj.weights.indptr), shape=proj.weights.shape)
        for k in range(copies):
            names.add(f"{proj.name}:learning{k + 1}")
            view.projections.append(Projection(f"{proj.name}:learning{k + 1}", proj.pre, proj.post, proj.rule, pattern,
                                               proj.delay_steps, proj.dt, proj.receptor, proj.stp))
    view.learning_copies = frozenset(names)
    return view


def learning_copies(network) -> frozenset:
    """Names of the projections :func:`with_learning_entries` added to ``network`` (none for
    any other network): synapse entries, not synapses, so no traffic and no sources."""
    return getattr(network, "learning_copies", frozenset())


def single_neuron_problems(quantized, target) -> list[str]:
    """What no placement can fix: a neuron with more plastic synapses than a core's learning
    engine updates, or more synapse entries than a core stores as placement counts them
    (``c`` per plastic synapse, module docstring); one sentence per limit, naming the first
    such neuron."""
    if target.learning is None:
        return []
    def counts(qp):
        return np.bincount(qp.post_index, minlength=quantized.populations[qp.post].size)

    plastic = {}
    for qp in quantized.projections:
        if getattr(qp, "learning", None) is not None:
            plastic[qp.post] = plastic.get(qp.post, 0) + counts(qp)
    # fixed synapses count only beside plastic ones (a pass over 10^8 synapses otherwise)
    fixed = {}
    for qp in quantized.projections:
        if getattr(qp, "learning", None) is None and qp.post in plastic:
            fixed[qp.post] = fixed.get(qp.post, 0) + counts(qp)
    problems = []
    limit, per_synapse = target.learning.plastic_synapses, entries_per_plastic_synapse(target)
    for name, counts in plastic.items():
        over = np.flatnonzero(counts > limit)
        if over.size:
            problems.append(f"neuron {int(over[0])} of population '{name}' has {int(counts[over[0]])} plastic synapses, "
                            f"more than the {limit} a core's learning engine updates (learning.plastic_synapses; "
                            f"{over.size} neuron(s) over)")
            return problems
    for name, counts in plastic.items():
        entries = fixed.get(name, 0) + per_synapse * counts
        over = np.flatnonzero(entries > target.core.synapse_entries)
        if over.size:
            problems.append(f"neuron {int(over[0])} of population '{name}' needs {int(entries[over[0]])} synapse "
                            f"entries, counting {per_synapse} for each plastic synapse (its "
                            f"{target.learning.plastic_synapse_entries} memory entries, and its share of a learning "
                            f"engine of {limit}), more than core.synapse_entries = {target.core.synapse_entries} "
                            f"({over.size} neuron(s) over)")
            return problems
    return problems
