"""Sequential placement: fill cores in population order (the naive, PACMAN-style baseline).

Every core holds neurons of one population. A core takes as many consecutive neurons as fit
under all three per-core limits (neurons, synapse entries, fan-in axons); the fan-in limit is
found by one compiled scan over the core's synapses (fan-in grows monotonically with the range).
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError
from .fanin import IncomingSynapses
from .placement import HOST, Placement


def place_sequential(network, target, rates=None, budget_s=None) -> Placement:
    """Place ``network`` on ``target`` in population order; raises BuildError if it cannot fit.

    ``rates`` and ``budget_s`` are accepted for a uniform placer signature and ignored (this
    placer is not activity-aware, and it takes about a second per million synapses).
    """
    incoming = IncomingSynapses(network)
    limits = target.core
    core_of, next_core = {}, 0
    for pop in network.populations.values():
        if pop.is_source:
            core_of[pop.name] = np.full(pop.size, HOST, dtype=np.int32)
            continue
        cores = np.empty(pop.size, dtype=np.int32)
        start = 0
        while start < pop.size:
            stop = _largest_fit(incoming, pop, start, limits)
            if next_core >= target.total_cores:
                raise BuildError(
                    f"Network '{network.name}' does not fit on target '{target.name}': population "
                    f"'{pop.name}' needs more than the {target.total_cores} cores of "
                    f"{target.board.chips} chip(s) (placed {start} of {pop.size} neurons when "
                    "cores ran out); use a target with more chips or cores"
                )
            cores[start:stop] = next_core
            next_core += 1
            start = stop
        core_of[pop.name] = cores
    return Placement.build("sequential", core_of, target)


def _largest_fit(incoming: IncomingSynapses, pop, start: int, limits) -> int:
    """Largest ``stop`` such that neurons ``start:stop`` of ``pop`` fit one core."""
    name = pop.name
    stop = min(pop.size, start + limits.neurons)
    ptr = incoming.indptr[name]
    # Synapse entries: prefix sums give the bound directly.
    over = np.flatnonzero(ptr[start + 1:stop + 1] - ptr[start] > limits.synapse_entries)
    if over.size:
        stop = start + int(over[0])
    if stop == start:
        _raise_single(incoming, pop, start, limits, "synapse entries",
                      incoming.synapses(name, start, start + 1), limits.synapse_entries)
    fit = incoming.largest_fanin_stop(name, start, stop, limits.fanin_axons)
    if fit == start:
        _raise_single(incoming, pop, start, limits, "fan-in axons",
                      incoming.fanin(name, start, start + 1), limits.fanin_axons)
    return fit


def _raise_single(incoming, pop, index, limits, what, need, limit):
    raise BuildError(
        f"Population '{pop.name}': neuron {index} alone needs {need} {what} but a core has "
        f"{limit} ({what} per core, target limit); it cannot be placed on any core. Reduce its "
        f"in-degree or use a target with at least {need} {what} per core"
    )
