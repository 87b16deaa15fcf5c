"""Coordinates for neurons such that strongly connected neurons lie close: a multilevel spectral embedding.

The traffic graph (symmetric, weights = expected spikes per step crossing each synapse pair)
is coarsened by repeated seed aggregation until a few thousand clusters remain; the
smallest non-trivial eigenvectors of the coarsest normalized Laplacian (dense, exact) give
the coarse coordinates, which are interpolated back level by level and smoothed by a few
weighted-Jacobi sweeps on each finer graph. This is the algebraic-multigrid shortcut to the
Fiedler vectors of a large graph: sheets map to planes, rings to circles and modules to
separated clusters, at a cost linear in the number of synapses.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

COARSEST = 1500
SMOOTHING_SWEEPS = 4


def _aggregate(adj: sp.csr_matrix, rng) -> np.ndarray:
    """Cluster id of every node: random seed nodes, each other node joins its heaviest seed neighbour.

    Seeds are drawn with probability ~2 / mean degree, so most nodes have a seed neighbour and
    clusters hold a handful of strongly connected nodes (AMG-style aggregation). Mutual
    matching would stall on dense graphs: with hundreds of neighbours, mutual best pairs are rare.
    """
    n = adj.shape[0]
    coo = adj.tocoo()
    keep = coo.row != coo.col
    row, col, weight = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), coo.data[keep]
    mean_degree = max(1.0, row.size / max(n, 1))
    seed = rng.random(n) < float(np.clip(2.0 / mean_degree, 0.05, 0.5))
    cluster = np.arange(n)
    to_seed = seed[col] & ~seed[row]
    r, c = row[to_seed], col[to_seed]
    # Random tie-breaking keeps uniform graphs (grids) from aggregating along one direction.
    w = weight[to_seed] * (1.0 + 0.01 * rng.random(r.size))
    order = np.lexsort((-w, r))
    r, c = r[order], c[order]
    first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else np.zeros(0, np.int64)
    cluster[r[first]] = c[first]
    _, ids = np.unique(cluster, return_inverse=True)
    return ids.reshape(-1)


def spectral_coordinates(adj: sp.csr_matrix, dims: int, seed: int, task=None) -> np.ndarray:
    """(n, dims) coordinates; column k is scaled by 1/sqrt(eigenvalue k) (smooth modes dominate).

    ``task``: a progress task (:mod:`neurocompile.progress`) advanced by one per level
    coarsened and per level interpolated back, or None.
    """
    rng = np.random.default_rng(seed)
    n = adj.shape[0]
    levels, graph = [], adj.tocsr()
    while graph.shape[0] > COARSEST:
        cluster = _aggregate(graph, rng)
        m = int(cluster.max()) + 1
        if m > 0.9 * graph.shape[0]:  # matching stalls (e.g. star-like graphs): stop here
            break
        agg = sp.csr_matrix((np.ones(cluster.size), (np.arange(cluster.size), cluster)),
                            shape=(graph.shape[0], m))
        levels.append((graph, agg))
        graph = (agg.T @ graph @ agg).tocsr()
        if task is not None:
            task.advance()
    coarse = graph.toarray() if graph.shape[0] <= 4000 else None
    if coarse is None:  # too large to solve densely: fall back to random smooth start
        coords = rng.standard_normal((graph.shape[0], dims))
    else:
        np.fill_diagonal(coarse, 0.0)
        deg = coarse.sum(axis=1)
        inv = np.where(deg > 0, 1.0 / np.sqrt(np.maximum(deg, 1e-300)), 0.0)
        lap = np.eye(coarse.shape[0]) - inv[:, None] * coarse * inv[None, :]
        from scipy.linalg import eigh

        top = min(dims, lap.shape[0] - 1)
        vals, vecs = eigh(lap, subset_by_index=[0, top])  # only the smallest few: much faster
        take = slice(1, 1 + top)
        coords = inv[:, None] * vecs[:, take] / np.sqrt(np.maximum(vals[take], 1e-9))[None, :]
        if coords.shape[1] < dims:
            coords = np.hstack([coords, np.zeros((coords.shape[0], dims - coords.shape[1]))])
    for fine, agg in reversed(levels):
        coords = agg @ coords
        deg = np.asarray(fine.sum(axis=1)).ravel() - fine.diagonal()
        off = fine - sp.diags(fine.diagonal())
        inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1e-300), 0.0)
        for _ in range(SMOOTHING_SWEEPS):
            coords = 0.5 * coords + 0.5 * (inv[:, None] * (off @ coords)) * (deg > 0)[:, None] \
                + 0.5 * coords * (deg == 0)[:, None]
        if task is not None:
            task.advance()
    return coords[:n]
