"""Whole-core swaps of the neuron-level refinement: exchange the contents of two cores of different tiles.

Per-core usage moves with the contents, so every limit still holds. Only the trees of
senders with a target on, or living on, one of the two cores can change; they are listed per
core, and the lists swap with the contents. Partners are cores of tiles at most
``max_tile_distance`` tile hops away; either core may be empty. The trees a swap changes are
priced and, for the chosen swap, rewritten by one function (:func:`_swap_trees`).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from .multicast_tree import refresh_trees, tree_weight
from .work import SPENT, LIMIT, STOP, VISITED


@njit(nogil=True)
def swap_cores(senders, mesh, core, max_sweeps, min_gain, max_tile_distance, control):
    """Swap the whole contents of two cores of different tiles while the exact traffic drops.

    ``senders``, ``mesh``: records of :mod:`.refine_state` (updated in place); ``core``: int64
    (n,), the candidate core of every placed neuron (relabelled in place). Each core in turn
    is swapped with the partner that lowers the traffic most, sweep after sweep, until
    ``max_sweeps`` or a sweep that gains at most ``min_gain`` of the traffic, or before a core
    when ``control`` (:mod:`.work`) says stop or its work limit is spent; counts its work and
    the cores it visited there. Returns the hop-weighted traffic per step gained.
    """
    n_pre, n_tiles = senders.on_tile.shape
    k = senders.on_core.shape[1]
    core_tile, tile_row, tile_col = mesh.core_tile, mesh.tile_row, mesh.tile_col
    counts = np.empty(n_tiles, dtype=np.int32)
    total = refresh_trees(senders, mesh)
    ptr, listed = _senders_by_core(senders)
    control[SPENT] += n_pre * (n_tiles + k)
    slot = np.arange(k)  # the list of core c is list slot[c]
    seen = np.full(n_pre, -1, dtype=np.int64)
    affected = np.empty(n_pre, dtype=np.int64)
    stamp = 0
    gained_all = 0.0
    stopped = False
    for _ in range(max_sweeps):
        gained = 0.0
        for a in range(k):
            if control[STOP] != 0 or control[SPENT] >= control[LIMIT]:
                stopped = True
                break
            control[VISITED] += 1
            la = slot[a]
            if ptr[la + 1] == ptr[la]:
                continue  # empty and unreferenced: nothing to move
            best_delta, best_b = 0.0, -1
            ta = core_tile[a]
            for b in range(k):
                tb = core_tile[b]
                if ta == tb:
                    continue
                if abs(tile_row[ta] - tile_row[tb]) + abs(tile_col[ta] - tile_col[tb]) > max_tile_distance:
                    continue
                stamp += 1
                n = _union(ptr, listed, la, slot[b], seen, stamp, affected)
                control[SPENT] += n + 1
                delta = _swap_trees(senders, mesh, affected, n, a, b, counts, False, control)
                if delta < best_delta - 1e-12 * (1.0 + abs(best_delta)):
                    best_delta, best_b = delta, b
            if best_b < 0 or best_delta > -1e-15 * (1.0 + total):
                continue
            b = best_b
            la, lb = slot[a], slot[b]
            stamp += 1
            n = _union(ptr, listed, la, lb, seen, stamp, affected)
            _swap_trees(senders, mesh, affected, n, a, b, counts, True, control)
            control[SPENT] += n + core.size
            for v in range(core.size):
                if core[v] == a:
                    core[v] = b
                elif core[v] == b:
                    core[v] = a
            slot[a], slot[b] = lb, la
            gained -= best_delta
        gained_all += gained
        if stopped or gained <= min_gain * max(total - gained_all, 1e-300):
            break
    return gained_all


@njit
def _senders_by_core(senders):
    """CSR (ptr (cores+1,), listed): per candidate core, in increasing order, the senders whose
    tree depends on the core's tile (a target on it, or living on it)."""
    n_pre, k = senders.on_core.shape
    depends = senders.on_core > 0
    for g in range(n_pre):
        if senders.src_core[g] >= 0:
            depends[g, senders.src_core[g]] = True
    ptr = np.zeros(k + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(depends.sum(axis=0))
    fill = ptr[:-1].copy()
    listed = np.empty(ptr[-1], dtype=np.int64)
    for g in range(n_pre):
        for c in range(k):
            if depends[g, c]:
                listed[fill[c]] = g
                fill[c] += 1
    return ptr, listed


@njit
def _union(ptr, listed, la, lb, seen, stamp, affected):
    """Write into ``affected`` the senders of lists ``la`` and ``lb``, each once (``seen`` ==
    ``stamp``), in list order; return their count."""
    n = 0
    for lst in (la, lb):
        for idx in range(ptr[lst], ptr[lst + 1]):
            g = listed[idx]
            if seen[g] != stamp:
                seen[g] = stamp
                affected[n] = g
                n += 1
    return n


@njit
def _swap_trees(senders, mesh, affected, n, a, b, counts, apply, control):
    """The trees of the ``n`` ``affected`` senders when cores ``a`` and ``b`` swap contents.

    ``apply`` False: returns the change of ``sum rate x tree`` the swap would make.
    ``apply`` True: makes the swap in the senders' counts and roots, stores the trees that
    change, and returns 0. ``counts``: int32 (tiles,) scratch. Each tree computed counts the
    tiles as work in ``control`` (:mod:`.work`).
    """
    on_core, on_tile, src_core, tree = senders.on_core, senders.on_tile, senders.src_core, senders.tree
    tile_row, tile_col = mesh.tile_row, mesh.tile_col
    ta, tb = mesh.core_tile[a], mesh.core_tile[b]
    delta = 0.0
    for i in range(n):
        g = affected[i]
        ca, cb = on_core[g, a], on_core[g, b]
        sc = src_core[g]
        new_a = on_tile[g, ta] + cb - ca
        new_b = on_tile[g, tb] + ca - cb
        # same tiles and same root: same tree
        changed = sc == a or sc == b or (new_a > 0) != (on_tile[g, ta] > 0) or (new_b > 0) != (on_tile[g, tb] > 0)
        weight = 0.0
        if changed:
            for t in range(counts.size):
                counts[t] = on_tile[g, t]
            counts[ta] = new_a
            counts[tb] = new_b
            sr, scol = senders.src_row[g], senders.src_col[g]
            if sc == a:
                sr, scol = tile_row[tb], tile_col[tb]
            elif sc == b:
                sr, scol = tile_row[ta], tile_col[ta]
            weight = tree_weight(mesh, counts, sr, scol, -1, -1)
            control[SPENT] += 2 * counts.size  # the copy of the counts and the tree
        if not apply:
            if changed:
                delta += senders.rate[g] * (weight - tree[g])
            continue
        on_tile[g, ta] = new_a
        on_tile[g, tb] = new_b
        on_core[g, a], on_core[g, b] = cb, ca
        if sc == a:
            _move_root(senders, mesh, g, b, tb)
        elif sc == b:
            _move_root(senders, mesh, g, a, ta)
        if changed:
            tree[g] = weight
    return delta


@njit
def _move_root(senders, mesh, g, core, tile):
    """Sender ``g`` now lives on candidate ``core`` of candidate ``tile``."""
    senders.src_core[g] = core
    senders.src_row[g], senders.src_col[g], senders.src_tile[g] = mesh.tile_row[tile], mesh.tile_col[tile], tile
