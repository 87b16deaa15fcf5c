"""Mapping refinement: move whole tiles' or cores' contents to lower the traffic-weighted route cost.

The bisection decides which neurons share a core; this decides where each such group sits.
The objective is ``sum traffic(a, b) * route_cost(a, b)`` over pairs of groups (traffic in
expected spike messages per step, route cost from :meth:`Target.route_cost`), plus the
traffic from host inputs, which enter at core 0: a quadratic-assignment problem, improved by
local search. Each group in turn goes to the position (a used one, swapping with its
occupant, or a free one) that lowers the cost most, sweep after sweep.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .destinations import destination_matrices
from .graph import population_cores
from .mesh_regions import compact_cores


def route_cost_matrix(target, cores_a, cores_b) -> np.ndarray:
    """float (len(cores_a), len(cores_b)): the route cost from every core of ``cores_a`` to
    every core of ``cores_b``."""
    return np.asarray(target.route_cost(np.asarray(cores_a)[:, None], np.asarray(cores_b)[None, :]), dtype=float)


def refine_mapping(network, graph, core, target, unit: int = 1, sweeps: int = 6) -> np.ndarray:
    """int64 (n,): ``core`` (the core of every neuron, global ids) after swapping or moving the
    whole contents of cores (``unit`` 1) or of tiles (``unit`` = cores_per_tile, each core
    keeping its slot in the tile) to lower sum(traffic x route cost), host at core 0.

    Tiles first: a bisection orients each cut arbitrarily, so two regions that talk can land
    on diagonal tiles; moving a whole tile is one step, moving its cores one by one is uphill.
    """
    used = np.unique(core // unit)
    k = used.size
    if k <= 1:
        return core
    part = np.searchsorted(used, core // unit)
    traffic, host = _group_traffic(network, graph, core, target, unit, used)
    sym = traffic + traffic.T
    np.fill_diagonal(sym, 0.0)
    # Candidate positions: the used units plus free ones of a compact region twice as large.
    cpt = target.chip.cores_per_tile
    region = compact_cores(target, min(target.total_cores, 2 * k * unit + 2 * cpt))
    slots = np.union1d(used, np.unique(region // unit))
    dist = route_cost_matrix(target, slots * unit, slots * unit)
    d0 = np.asarray(target.route_cost(0, slots * unit), dtype=float)
    loc = np.searchsorted(slots, used)  # loc[i] = slot of part i
    occupant = np.full(slots.size, -1)
    occupant[loc] = np.arange(k)
    for _ in range(sweeps):
        improved = False
        for i in range(k):
            here = loc[i]
            # cost change of moving part i to every slot, the other parts fixed
            move = sym[i] @ (dist[loc] - dist[loc, here][:, None]) + host[i] * (d0 - d0[here])
            delta = move.copy()
            occ = occupant >= 0
            jj = occupant[occ]
            # a swap also moves the occupant j to i's slot; the i-j term does not change
            back = sym[jj] @ dist[loc, here] - (sym[jj] * dist[loc[jj]][:, loc]).sum(axis=1) \
                + host[jj] * (d0[here] - d0[loc[jj]])
            delta[occ] = move[occ] + back + 2 * sym[i, jj] * dist[here, loc[jj]]
            delta[here] = 0.0
            best = int(np.argmin(delta))
            if delta[best] < -1e-9 * max(1.0, float(sym[i].sum() + host[i])):
                other = occupant[best]
                occupant[here] = other
                if other >= 0:
                    loc[other] = here
                occupant[best] = i
                loc[i] = best
                improved = True
        if not improved:
            break
    return slots[loc[part]] * unit + core % unit


def _group_traffic(network, graph, core, target, unit, used) -> tuple:
    """(traffic (k, k), host (k,)): expected spike messages per step from group i to group j
    (one per destination tile when ``unit`` > 1), and from host inputs into group i; groups
    are the ``used`` cores or tiles."""
    k = used.size
    part = np.searchsorted(used, core // unit)
    dest = destination_matrices(network, population_cores(network, graph, core), target.total_cores)
    traffic = np.zeros((k, k))
    host = np.zeros(k)
    n_units = -(-target.total_cores // unit)
    slot_index = np.full(n_units, -1)
    slot_index[used] = np.arange(k)
    for name, d in dest.items():
        if d.nnz == 0:
            continue
        if unit > 1:  # one message per destination tile
            d = sp.csr_matrix((np.ones(d.nnz), d.indices // unit, d.indptr), shape=(d.shape[0], n_units))
            d.sum_duplicates()
        rows = np.repeat(np.arange(d.shape[0]), np.diff(d.indptr))
        w = graph.rate[name][rows]
        to = slot_index[d.indices]
        if name in graph.offsets:
            src = part[graph.offsets[name] + rows]
            np.add.at(traffic, (src, to), w)
        else:
            host += np.bincount(to, weights=w, minlength=k)
    return traffic, host
