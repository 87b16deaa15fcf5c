"""Dual recursive bisection: neurons and cores halved together, neurons cut along spectral directions.

The region of cores is halved (:func:`.mesh_regions.halve`: between chips first, then across
its longer side, whole tiles before cores); the neurons are halved along one of four
directions of their coordinates (:func:`cut_orders`: the two principal axes and the
diagonals between them), at the position with the smallest traffic cut
(:func:`cut_profile`) among those that leave both halves within capacity under every limit
and some slack; the direction with the smallest such cut is taken. Each half of the neurons
goes on with its half of the cores, until a region is a single core. Neurons that talk end
up on nearby cores.

The coordinates are spectral (:mod:`.embedding`) or, without a traffic graph, the network
order (:func:`candidate_coordinates`).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from .embedding import spectral_coordinates
from .graph import NeuronGraph
from .mesh_regions import halve

#: Spectral coordinates computed per neuron; the bisection tries the leading 2, 3 and all.
EMBEDDING_DIMS = 6


def candidate_coordinates(graph: NeuronGraph, seed: int, structured: bool, task=None) -> list:
    """The coordinate sets ((n, d) float arrays) a placer bisects along, each tried and scored.

    The leading 2, 3 or all spectral coordinates: which bisects best depends on the network
    (sheets and rings want few, modular networks more). With a traffic graph, the network
    order is a candidate too: it is often meaningful (modules, rows of a map). Without one
    (``structured`` False, or no synapses between placed neurons) the network order is the
    only coordinate. ``task``: a progress task for the embedding's levels, or None.
    """
    spectral = _coordinates(graph, seed, task)
    sets = [spectral[:, :d] for d in (2, 3) if d < spectral.shape[1]] + [spectral]
    if structured and graph.adjacency is not None and graph.adjacency.nnz:
        sets.append(np.arange(graph.n, dtype=float)[:, None])
    return sets


def _coordinates(graph: NeuronGraph, seed: int, task=None) -> np.ndarray:
    if graph.adjacency is None or graph.adjacency.nnz == 0:
        return np.arange(graph.n, dtype=float)[:, None]  # network order
    return spectral_coordinates(graph.adjacency, EMBEDDING_DIMS, seed, task)


def cut_orders(points: np.ndarray) -> list:
    """Orders of the points ((m, d) coordinates) along the directions a bisection tries: the
    two principal axes and the two diagonals between them (stable ties by index).

    On a square map (a feature map, a sheet cut into a square) the two leading axes have
    about equal spread, so the principal axis points in an arbitrary direction, often a
    diagonal; trying the straight and the diagonal directions and keeping the least cut
    gives quadrants rather than pinwheels.
    """
    index = np.arange(points.shape[0])
    centred = points - points.mean(axis=0)
    if points.shape[1] == 1:
        return [np.lexsort((index, centred[:, 0]))]
    _, vecs = np.linalg.eigh(centred.T @ centred)
    # eigenvector signs are arbitrary (they may differ between LAPACK builds): fix them
    first, second = (_signed(vecs[:, -1]), _signed(vecs[:, -2]))
    directions = [first, second, (first + second) / np.sqrt(2.0), (first - second) / np.sqrt(2.0)]
    return [np.lexsort((index, centred @ _signed(direction))) for direction in directions]


def _signed(direction: np.ndarray) -> np.ndarray:
    """``direction`` with its largest component positive."""
    return direction * (1 if direction[np.argmax(np.abs(direction))] > 0 else -1)


def cut_profile(adjacency, members: np.ndarray, order: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """cut[s] = traffic (expected spikes per step) between ordered members [:s] and [s:],
    for s = 0..len.

    ``scratch``: int64 array (n,) of -1, returned as it was; it maps neurons to positions so
    that only the members' own adjacency rows are read (a compiled pass, no submatrix copy).
    """
    m = members.size
    if adjacency is None:
        return np.zeros(m + 1)
    return _cut_profile_kernel(adjacency.indptr, adjacency.indices, adjacency.data,
                               np.asarray(members, dtype=np.int64)[order], scratch)


@njit
def _cut_profile_kernel(indptr, indices, data, ordered, position):
    m = ordered.size
    for i in range(m):
        position[ordered[i]] = i
    diff = np.zeros(m + 1)
    for i in range(m):
        u = ordered[i]
        for j in range(indptr[u], indptr[u + 1]):
            q = position[indices[j]]
            if q > i:  # each undirected edge once; non-members are -1
                diff[i + 1] += data[j]
                diff[q + 1] -= data[j]
    for i in range(m):
        position[ordered[i]] = -1
    return np.cumsum(diff)


def bisect(graph, coords, shares, cores, target, members=None, budget=None, task=None) -> np.ndarray:
    """int64 (n,): the core of every neuron (global ids) by dual recursive bisection of the
    neurons along ``coords`` ((n, d)) and of the region ``cores``.

    ``shares``: (n, limits) shares of a core (:func:`.capacity.core_shares`) or (n,) for a
    single limit. ``members``: the neurons to place (default all); the others are left at -1.
    ``budget``: a :class:`.budget.PlacementBudget` whose wall clock is checked before every
    split (:class:`.budget.OutOfTime` when it has run out), or None. ``task``: a progress
    task advanced by one per region split, or None.
    """
    shares = shares.reshape(graph.n, -1)
    core = np.full(graph.n, -1, dtype=np.int64)
    scratch = np.full(graph.n, -1, dtype=np.int64)
    stack = [(np.arange(graph.n) if members is None else np.asarray(members, dtype=np.int64), cores)]
    while stack:
        members, region = stack.pop()
        if region.size == 1 or members.size == 0:
            core[members] = region[0]
            continue
        if budget is not None:
            budget.check_time()
        if task is not None:
            task.advance()
        first, second = halve(target, region)
        share = first.size / region.size
        member_shares = shares[members]
        total = member_shares.sum(axis=0)
        # Each half may fill up to halfway between the region's fill and full: a half filled
        # to the brim could leave its own halves no split that keeps every limit.
        fill = float(total.max()) / region.size
        fill = max(fill, min(1.0, fill + (1.0 - fill) / 2))
        lo, hi = total - second.size * fill, first.size * fill
        best = None
        for order in cut_orders(coords[members]):
            # cumulative share of every limit of the first s members, s = 0..len
            w = np.vstack([np.zeros((1, shares.shape[1])), np.cumsum(member_shares[order], axis=0)])
            feasible = np.all((w >= lo - 1e-9) & (w <= hi + 1e-9), axis=1)
            off_share = np.abs(w - total * share).max(axis=1)
            if not feasible.any():  # no exact fit: take the split closest to the proportional one
                feasible = np.zeros_like(feasible)
                feasible[np.argmin(off_share)] = True
            cut = cut_profile(graph.adjacency, members, order, scratch)
            # Among feasible splits, least traffic cut; ties go to the proportional split.
            score = np.where(feasible, cut, np.inf) + 1e-9 * off_share
            s = int(np.argmin(score))
            if best is None or score[s] < best[0]:
                best = (score[s], order, s)
        _, order, s = best
        stack.append((members[order[:s]], first))
        stack.append((members[order[s:]], second))
    return core
