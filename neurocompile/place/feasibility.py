"""Networks that cannot be placed: errors that name the population, the limit and what would fit.

A neuron whose own inputs exceed a core's limits can never be placed
(:func:`check_single_neurons`, before any placement); a network whose neurons together need
more cores than the target has fails after the placer's attempts
(:func:`raise_too_large`), which measures the fan-in a core would have at the density the
target would need.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import BuildError
from .bisection import bisect
from .destinations import structure
from .graph import population_cores
from .mesh_regions import compact_cores
from .placement import Placement
from .usage import core_usage


def check_single_neurons(network, graph, target) -> None:
    """Raise BuildError for the first population with a neuron whose incoming synapses or
    distinct presynaptic sources alone exceed a core's ``synapse_entries`` or ``fanin_axons``."""
    limits = target.core
    syn = graph.split(graph.in_synapses)
    for name in graph.names:
        over = np.flatnonzero(syn[name] > limits.synapse_entries)
        if over.size:
            i = int(over[np.argmax(syn[name][over])])
            raise BuildError(
                f"Population '{name}': neuron {i} alone has {int(syn[name][i])} incoming synapses but a "
                f"core of target '{target.name}' stores {limits.synapse_entries} (core.synapse_entries); "
                f"it cannot be placed. Reduce its in-degree or use a target with core.synapse_entries >= "
                f"{int(syn[name][i])}")
        if syn[name].max(initial=0) <= limits.fanin_axons:
            continue
        distinct = _distinct_sources(network, name)
        over = np.flatnonzero(distinct > limits.fanin_axons)
        if over.size:
            i = int(over[np.argmax(distinct[over])])
            raise BuildError(
                f"Population '{name}': neuron {i} alone has {int(distinct[i])} distinct presynaptic sources "
                f"but a core of target '{target.name}' has {limits.fanin_axons} fan-in axons "
                f"(core.fanin_axons); it cannot be placed on any core. Reduce its in-degree or use a "
                f"target with core.fanin_axons >= {int(distinct[i])}")


def _distinct_sources(network, name) -> np.ndarray:
    """int (size,): distinct presynaptic neurons of every neuron of population ``name``.

    Projections from one presynaptic population share its columns: a neuron reaching another
    through two projections (two receptors, a projection written in parts) is one source."""
    by_pre: dict = {}
    for p in network.projections:
        if p.post.name == name:
            pattern = structure(p.weights).T.tocsr()
            by_pre[p.pre.name] = pattern if p.pre.name not in by_pre else by_pre[p.pre.name] + pattern
    blocks = list(by_pre.values())
    pattern = sp.hstack(blocks).tocsr() if blocks else sp.csr_matrix((network.populations[name].size, 0))
    pattern.sum_duplicates()
    return np.diff(pattern.indptr)


def raise_too_large(network, graph, target, coords) -> None:
    """Raise BuildError: the network needs more cores than the target has. Names the binding
    limit and what would fit; when fan-in binds, bisects along ``coords`` at the density the
    target would need and reports the fan-in measured there."""
    limits = target.core
    total = target.total_cores
    need = {
        "core.neurons": graph.n / limits.neurons,
        "core.synapse_entries": graph.in_synapses.sum() / limits.synapse_entries,
    }
    base = f"Network '{network.name}' does not fit on target '{target.name}' ({total} cores)"
    binding = max(need, key=need.get)
    if need[binding] > total:
        key = binding.split(".")[1]
        per_core = getattr(limits, key)
        amount = graph.n if key == "neurons" else int(graph.in_synapses.sum())
        raise BuildError(
            f"{base}: {amount} {key.replace('_', ' ')} need at least {int(np.ceil(need[binding]))} cores of "
            f"{per_core} ({binding}), {int(np.ceil(need[binding])) - total} more than it has; use a target "
            f"with more chips, or {binding} >= {int(np.ceil(amount / total))}")
    # Fan-in binds: place at the density the target would need and measure the fan-in.
    share = np.maximum(1.0 / limits.neurons, graph.in_synapses / limits.synapse_entries)
    k = int(min(total, max(1, np.ceil(share.sum()))))
    dense_k = max(k, min(total, int(np.ceil(graph.n / max(1, int(np.ceil(graph.n / total)))))))
    core = bisect(graph, coords, np.full(graph.n, 1.0 / max(1, int(np.ceil(graph.n / dense_k)))),
                  compact_cores(target, dense_k), target)
    # a probe, never returned: only its usage is read
    placement = Placement.build("fan-in probe", population_cores(network, graph, core), target)
    usage = core_usage(network, placement, target)
    worst = int(np.argmax(usage.fanin_axons))
    fanin = int(usage.fanin_axons[worst])
    per_core = int(usage.neurons[worst])
    lower = int(np.ceil(usage.fanin_axons / limits.fanin_axons).sum())
    pops = [n for n in graph.names if np.any(placement.core_of[n] == worst)]
    if fanin <= limits.fanin_axons:
        raise BuildError(
            f"{base}: spread evenly, no core exceeds a limit, but the placer could not find such a "
            f"placement that also respects every limit (largest fan-in {fanin} of {limits.fanin_axons}); "
            f"use a target with more cores or larger cores")
    raise BuildError(
        f"{base}: the fan-in limit binds. Spreading the {graph.n} neurons over all {total} cores puts up to "
        f"{per_core} neurons on a core, and such a core (core {worst}, population(s) {', '.join(pops)}) "
        f"receives {fanin} distinct presynaptic sources: {fanin - limits.fanin_axons} more than "
        f"core.fanin_axons = {limits.fanin_axons}. This network's connectivity is dense: a target "
        f"with core.fanin_axons >= {fanin} at {per_core} neurons per core would fit, or one with at least "
        f"{lower} cores of the current size (fewer neurons per core)")
