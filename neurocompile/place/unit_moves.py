"""Unit moves of the neuron-level refinement: twin groups, then single neurons, moved between tiles.

A unit (a group of "twins", neurons with the same presynaptic neurons such as the channels of
one position of a convolution, or a single neuron) moves from tile ``A`` to tile ``B``. That
changes the tree of every presynaptic neuron of the unit whose last targets in ``A`` were the
moving members (``A`` leaves the tree) or that had no target in ``B`` (``B`` joins it), and the
members' own trees, whose root moves to ``B``; no other tree changes. The destination core
must keep every per-core limit: neurons, synapse entries, distinct presynaptic sources
(fan-in, counted from ``on_core``) and, if the target limits them, parameter sets.

The kernel takes the records of :mod:`.refine_state`; the trees a move changes are listed
once (:func:`_unit_trees`), both to price a move and to rewrite them after it is made.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..jit import njit
from .multicast_tree import refresh_trees, tree_weight
from .work import SPENT, LIMIT, STOP, VISITED

# Twin groups are moved in chunks of at most this many neurons.
MAX_UNIT = 64
#: Work units of one fan-in lookup (a scattered read of the senders' target counts, which
#: costs about as much as visiting this many tiles of a tree).
FANIN_LOOKUP_WORK = 8


class Units(NamedTuple):
    """The units moved as one, CSR: unit ``u`` is ``members[ptr[u]:ptr[u + 1]]`` (receiver ids)."""

    ptr: np.ndarray
    members: np.ndarray


def twin_units(in_ptr, in_pre, n_pre) -> Units:
    """Units moved as one: groups of "twins" (neurons with the same presynaptic neurons, such as
    the channels of one position in a convolution), in chunks of at most MAX_UNIT, ordered by
    their first member, then every neuron alone.

    ``in_ptr``, ``in_pre``: CSR of the distinct presynaptic (sender) ids of every neuron;
    ``n_pre``: the number of senders. Twins are found by two random 64-bit hashes of the
    presynaptic set (sums modulo 2^64 of fixed random words): a collision would only make a
    move's predicted gain wrong, and the placer re-checks the refined placement exactly.
    """
    n = in_ptr.size - 1
    rng = np.random.default_rng(0x5EED)
    words = rng.integers(0, np.iinfo(np.int64).max, size=(2, max(n_pre, 1)), dtype=np.int64).astype(np.uint64)
    degree = np.diff(in_ptr)
    keys = []
    with np.errstate(over="ignore"):
        for w in words:
            c = np.zeros(in_pre.size + 1, dtype=np.uint64)
            np.cumsum(w[in_pre], dtype=np.uint64, out=c[1:])
            keys.append(c[in_ptr[1:]] - c[in_ptr[:-1]])
    order = np.lexsort((np.arange(n), keys[1], keys[0], degree))
    k0, k1, d = keys[0][order], keys[1][order], degree[order]
    new_group = np.r_[True, (k0[1:] != k0[:-1]) | (k1[1:] != k1[:-1]) | (d[1:] != d[:-1])]
    group = np.cumsum(new_group) - 1
    start = np.flatnonzero(new_group)
    size = np.diff(np.r_[start, n])
    rank = np.arange(n) - start[group]
    chunk = rank // MAX_UNIT
    in_multi = size[group] > 1
    members = order[in_multi]
    key = group[in_multi] * (n // MAX_UNIT + 2) + chunk[in_multi]
    # keep only chunks of 2 or more; order the units by their first member
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    keep = counts > 1
    unit_first = members[first[keep]]
    unit_order = np.argsort(unit_first, kind="stable")
    starts, counts = first[keep][unit_order], counts[keep][unit_order]
    multi = np.concatenate([members[s:s + c] for s, c in zip(starts, counts)]) if starts.size else np.zeros(0, np.int64)
    unit_members = np.r_[multi, np.arange(n)].astype(np.int64)
    unit_ptr = np.r_[0, np.cumsum(np.r_[counts, np.ones(n, dtype=np.int64)])].astype(np.int64)
    return Units(unit_ptr, unit_members)


@njit(nogil=True)
def move_units(units, receivers, senders, mesh, load, limits, max_sweeps, min_gain, control):
    """Move units (twin groups, then single neurons) between tiles while the exact traffic drops.

    Records as in :mod:`.refine_state`; ``load`` (per-core usage) must match the state and is
    kept up to date. All members of a unit have the same presynaptic neurons, so a
    presynaptic neuron of the unit targets every member: it leaves tile A when all its
    targets in A are the moving members, and joins tile B when it had no target there. The
    moving members (those of the unit in the tile of its first member) go to one core of B.
    Stops after ``max_sweeps`` sweeps or one that gains at most ``min_gain`` of the traffic,
    or before a unit when ``control`` (:mod:`.work`) says stop or its work limit is spent;
    counts its work and the units it visited there.
    Returns (hop-weighted traffic per step after the moves, traffic gained).
    """
    n_pre, n_tiles = senders.on_tile.shape
    unit_ptr, unit_members, core_tile = units.ptr, units.members, mesh.core_tile
    total = refresh_trees(senders, mesh)
    control[SPENT] += n_pre * n_tiles
    largest = 1
    for u in range(unit_ptr.size - 1):
        largest = max(largest, unit_ptr[u + 1] - unit_ptr[u])
    moving = np.empty(largest, dtype=np.int64)
    # the trees a move of the unit changes: sender ids, whether the sender is one of the
    # moving members (its root moves) and whether it targets every moving member
    affected = np.empty(n_pre, dtype=np.int64)
    root_moves = np.empty(n_pre, dtype=np.bool_)
    targets_unit = np.empty(n_pre, dtype=np.bool_)
    cands = np.empty(n_tiles, dtype=np.int64)
    mark_tile = np.full(n_tiles, -1, dtype=np.int64)  # == stamp: already a candidate of the unit
    presynaptic = np.full(n_pre, -1, dtype=np.int64)  # == stamp: presynaptic to the unit
    mover = np.full(n_pre, -1, dtype=np.int64)  # == stamp: a moving member's own sender id
    stamp = 0
    gained_all = 0.0
    stopped = False
    for _ in range(max_sweeps):
        gained = 0.0
        for u in range(unit_ptr.size - 1):
            if control[STOP] != 0 or control[SPENT] >= control[LIMIT]:
                stopped = True
                break
            first = unit_members[unit_ptr[u]]
            ta = core_tile[receivers.core[first]]
            m, syn_sum = _moving_members(unit_members[unit_ptr[u]:unit_ptr[u + 1]], receivers, core_tile, ta, moving)
            stamp += 1
            n_aff = _affected_senders(receivers, first, moving, m, presynaptic, mover, stamp, affected, root_moves,
                                      targets_unit)
            n_c = _candidate_tiles(receivers, senders, first, moving, m, ta, mark_tile, stamp, cands)
            # the members, the affected senders, the candidate tiles; each candidate tile's cores
            # and trees are counted where they are priced
            control[SPENT] += m * (1 + n_tiles) + n_aff + n_c * (mesh.cores_per_tile + n_aff)
            control[VISITED] += 1
            best_delta, best_core = 0.0, -1
            for ci in range(n_c):
                tb = cands[ci]
                pick = _destination_core(receivers, senders, mesh, load, limits, first, moving, m, syn_sum, tb,
                                         control)
                if pick < 0:
                    continue
                delta = _unit_trees(senders, mesh, affected, root_moves, targets_unit, n_aff, m, ta, tb, False, control)
                if delta < best_delta - 1e-12 * (1.0 + abs(best_delta)):
                    best_delta, best_core = delta, pick
            if best_core < 0 or best_delta > -1e-15 * (1.0 + total):
                continue
            tb = core_tile[best_core]
            _move_counts(receivers, senders, mesh, load, moving, m, best_core, ta, tb)
            _unit_trees(senders, mesh, affected, root_moves, targets_unit, n_aff, m, ta, tb, True, control)
            gained -= best_delta
        total -= gained
        gained_all += gained
        if stopped or gained <= min_gain * max(total, 1e-300):
            break
    return total, gained_all


@njit
def _moving_members(members, receivers, core_tile, ta, moving):
    """Write into ``moving`` the ``members`` of a unit on tile ``ta``; return (their count,
    their synapse entries)."""
    m, syn_sum = 0, 0
    for v in members:
        if core_tile[receivers.core[v]] == ta:
            moving[m] = v
            m += 1
            syn_sum += receivers.in_synapses[v]
    return m, syn_sum


@njit
def _affected_senders(receivers, first, moving, m, presynaptic, mover, stamp, affected, root_moves, targets_unit):
    """List the senders whose tree a move of the unit changes, in the order their changes
    are summed: its presynaptic neurons (those of its first member) that stay, then the
    moving members that send. Marks both kinds with ``stamp`` (in ``presynaptic``,
    ``mover``); returns their count."""
    in_ptr, in_pre, sender = receivers.in_ptr, receivers.in_pre, receivers.sender
    for j in range(in_ptr[first], in_ptr[first + 1]):
        presynaptic[in_pre[j]] = stamp
    for i in range(m):
        if sender[moving[i]] >= 0:
            mover[sender[moving[i]]] = stamp
    n = 0
    for j in range(in_ptr[first], in_ptr[first + 1]):
        g = in_pre[j]
        if mover[g] != stamp:  # a moving member's own tree is listed below
            affected[n], root_moves[n], targets_unit[n] = g, False, True
            n += 1
    for i in range(m):
        gv = sender[moving[i]]
        if gv >= 0:
            affected[n], root_moves[n], targets_unit[n] = gv, True, presynaptic[gv] == stamp
            n += 1
    return n


@njit
def _candidate_tiles(receivers, senders, first, moving, m, ta, mark_tile, stamp, cands):
    """Write into ``cands`` the tiles other than ``ta`` of the unit's presynaptic neurons, then
    of the moving members' targets (each once: ``mark_tile`` == ``stamp``); return their count."""
    in_ptr, in_pre, on_tile, src_tile = receivers.in_ptr, receivers.in_pre, senders.on_tile, senders.src_tile
    n_c = 0
    for j in range(in_ptr[first], in_ptr[first + 1]):
        t = src_tile[in_pre[j]]
        if t >= 0 and t != ta and mark_tile[t] != stamp:
            mark_tile[t] = stamp
            cands[n_c] = t
            n_c += 1
    for i in range(m):
        gv = receivers.sender[moving[i]]
        if gv < 0:
            continue
        for t in range(on_tile.shape[1]):
            if on_tile[gv, t] > 0 and t != ta and mark_tile[t] != stamp:
                mark_tile[t] = stamp
                cands[n_c] = t
                n_c += 1
    return n_c


@njit
def _destination_core(receivers, senders, mesh, load, limits, first, moving, m, syn_sum, tb, control):
    """The core of tile ``tb`` with room for all ``m`` moving members under every limit that
    adds the fewest new fan-in sources (the first such), or -1. Counts each fan-in lookup as
    work in ``control`` (:mod:`.work`): a scattered read of the target counts."""
    in_ptr, in_pre, on_core = receivers.in_ptr, receivers.in_pre, senders.on_core
    pick, pick_new = -1, 1 << 40
    for b in range(tb * mesh.cores_per_tile, (tb + 1) * mesh.cores_per_tile):
        if load.neurons[b] + m > limits.neurons or load.synapse_entries[b] + syn_sum > limits.synapse_entries:
            continue
        if limits.parameter_sets >= 0 and load.parameter_sets[b] + _new_sets(receivers, load, moving, m, b) \
                > limits.parameter_sets:
            continue
        new = 0
        control[SPENT] += FANIN_LOOKUP_WORK * (in_ptr[first + 1] - in_ptr[first])
        for j in range(in_ptr[first], in_ptr[first + 1]):
            if on_core[in_pre[j], b] == 0:
                new += 1
        if load.fanin_axons[b] + new > limits.fanin_axons:
            continue
        if new < pick_new:
            pick, pick_new = b, new
    return pick


@njit
def _new_sets(receivers, load, moving, m, b):
    """Distinct parameter sets of the moving members that core ``b`` does not hold yet."""
    parameter_set, set_count = receivers.parameter_set, load.set_count
    new_sets = 0
    for i in range(m):
        s_i = parameter_set[moving[i]]
        if set_count[b, s_i] > 0:
            continue
        seen_before = False
        for i2 in range(i):
            if parameter_set[moving[i2]] == s_i:
                seen_before = True
                break
        if not seen_before:
            new_sets += 1
    return new_sets


@njit
def _unit_trees(senders, mesh, affected, root_moves, targets_unit, n, m, ta, tb, apply, control):
    """The trees of the ``n`` ``affected`` senders when the ``m`` moving members go from tile
    ``ta`` to ``tb`` (:func:`_affected_senders`).

    A sender that targets every moving member leaves ``ta`` when those were its only targets
    there and joins ``tb`` when it had none there; a moving sender's root moves to ``tb``.
    ``apply`` False: the counts are those before the move; returns the change of
    ``sum rate x tree`` the move would make. ``apply`` True: the counts are those after it;
    stores the new trees and returns 0. Each tree computed counts the candidate tiles as work
    in ``control`` (:mod:`.work`).
    """
    on_tile, tree = senders.on_tile, senders.tree
    n_tiles = on_tile.shape[1]
    delta = 0.0
    for i in range(n):
        g = affected[i]
        if root_moves[i]:
            row, col = mesh.tile_row[tb], mesh.tile_col[tb]
        else:
            row, col = senders.src_row[g], senders.src_col[g]
        if apply:
            tree[g] = tree_weight(mesh, on_tile[g], row, col, -1, -1)
            control[SPENT] += n_tiles
            continue
        drop, add = -1, -1
        if targets_unit[i]:
            drop = ta if on_tile[g, ta] == m else -1
            add = tb if on_tile[g, tb] == 0 else -1
        if drop >= 0 or add >= 0 or root_moves[i]:  # else same tiles, same root: same tree
            delta += senders.rate[g] * (tree_weight(mesh, on_tile[g], row, col, drop, add) - tree[g])
            control[SPENT] += n_tiles
    return delta


@njit
def _move_counts(receivers, senders, mesh, load, moving, m, b, ta, tb):
    """Move the ``m`` moving members from tile ``ta`` to core ``b`` of tile ``tb``: target
    counts, per-core usage, the members' cores and, for those that send, their roots."""
    in_ptr, in_pre, on_core, on_tile = receivers.in_ptr, receivers.in_pre, senders.on_core, senders.on_tile
    set_count = load.set_count
    for i in range(m):
        v = moving[i]
        a = receivers.core[v]
        for j in range(in_ptr[v], in_ptr[v + 1]):
            g = in_pre[j]
            # v's input from g moves from core a to core b
            left, joined = _distinct_change(on_core[g, a], on_core[g, b])
            load.fanin_axons[a] -= left
            load.fanin_axons[b] += joined
            on_core[g, a] -= 1
            on_core[g, b] += 1
            on_tile[g, ta] -= 1
            on_tile[g, tb] += 1
        load.neurons[a] -= 1
        load.neurons[b] += 1
        load.synapse_entries[a] -= receivers.in_synapses[v]
        load.synapse_entries[b] += receivers.in_synapses[v]
        s_v = receivers.parameter_set[v]
        left, joined = _distinct_change(set_count[a, s_v], set_count[b, s_v])
        load.parameter_sets[a] -= left
        load.parameter_sets[b] += joined
        set_count[a, s_v] -= 1
        set_count[b, s_v] += 1
        receivers.core[v] = b
        gv = receivers.sender[v]
        if gv >= 0:
            senders.src_row[gv] = mesh.tile_row[tb]
            senders.src_col[gv] = mesh.tile_col[tb]
            senders.src_tile[gv] = tb
            senders.src_core[gv] = b


@njit
def _distinct_change(count_from, count_to):
    """(1 if the last item of a kind leaves its core, 1 if it is the first of its kind on the
    core it joins) for one item moving between cores holding ``count_from`` and ``count_to``
    items of its kind."""
    return (1 if count_from == 1 else 0), (1 if count_to == 0 else 0)
