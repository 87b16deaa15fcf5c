"""Populations that receive only through dense projections (a CNN's readout): placed after the rest.

Such a neuron hears every neuron of its source population, so its spectral coordinates sit
at the centre of every axis and no cut separates it: it ends up inside one of the spatial
regions, which then match the mesh badly. Where it goes barely changes its sources' trees as
long as it is near them, so the placer also builds a variant in which these neurons are left
out of the bisection and then filled onto the free cores nearest to the neurons that feed
them (:func:`place_dense_inputs_last`).
"""
from __future__ import annotations

import numpy as np

from .bisection import bisect
from .capacity import cores_needed
from .mapping import route_cost_matrix
from .mesh_regions import compact_cores

#: A projection with at least this fraction of all (pre, post) pairs connected is dense.
DENSE_INPUT = 0.5


def dense_input_neurons(network, graph):
    """Boolean (n,) of the neurons of populations that receive only through dense projections
    from on-chip populations (at least ``DENSE_INPUT`` of all pairs connected), such as a
    CNN's fully connected readout; None when there are none or only such populations."""
    late = np.zeros(graph.n, dtype=bool)
    for name in graph.names:
        inputs = [pr for pr in network.projections if pr.post.name == name and not pr.pre.is_source]
        if inputs and all(pr.weights.nnz >= DENSE_INPUT * pr.pre.size * pr.post.size for pr in inputs):
            late[graph.offsets[name]:graph.offsets[name] + graph.sizes[name]] = True
    return late if late.any() and not late.all() else None


def place_dense_inputs_last(graph, coords, shares, target, k, late, budget=None):
    """int64 (n,): the core of every neuron, the others bisected onto a compact region of
    their own, then the ``late`` neurons filled onto the free cores nearest (traffic-weighted
    route cost) to the neurons that send to them; None if they do not fit.

    ``shares``: (n, limits) shares of a core (:func:`.capacity.core_shares`); ``k``: the core
    count of the placement this is a variant of. ``budget``: checked during the bisection
    (:func:`.bisection.bisect`).
    """
    rest = np.flatnonzero(~late)
    k_rest = max(int(np.ceil(cores_needed(shares[rest]) - 1e-9)),
                 k - int(np.ceil(cores_needed(shares[late]) - 1e-9)))
    if k_rest >= target.total_cores:
        return None
    region = compact_cores(target, k_rest)
    core = bisect(graph, coords, shares, region, target, members=rest, budget=budget)
    free = np.setdiff1d(np.arange(target.total_cores), region)
    # traffic from every used core into the late neurons
    into = graph.adjacency[rest][:, np.flatnonzero(late)].sum(axis=1)
    feeding = np.bincount(core[rest], weights=np.asarray(into).ravel(), minlength=target.total_cores)
    used = np.flatnonzero(feeding)
    cost = feeding[used] @ route_cost_matrix(target, used, free) if used.size else np.zeros(free.size)
    free = free[np.argsort(cost, kind="stable")]
    # fill the nearest free cores in network order, each up to every limit
    members = np.flatnonzero(late)
    cum = np.vstack([np.zeros((1, shares.shape[1])), np.cumsum(shares[members], axis=0)])
    start = 0
    for c in free:
        if start == members.size:
            break
        # the first member that would overflow a limit of this core
        stop = min(int(np.searchsorted(cum[:, j], cum[start, j] + 1.0 + 1e-9, side="right")) - 1
                   for j in range(shares.shape[1]))
        stop = max(stop, start + 1)
        core[members[start:stop]] = c
        start = stop
    return core if start == members.size else None
