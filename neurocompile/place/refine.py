"""Neuron-level refinement: move neurons, twin groups and whole cores' contents between tiles
while the exact hop-weighted traffic drops.

The hop-weighted traffic depends only on the tile of every neuron (cores of one tile are 0
hops apart): a neuron ``u`` costs ``p_u`` times the weight of its XY multicast tree, whose
shape is fixed by the source tile and the set of tiles holding its targets. The refinement
keeps, for every presynaptic neuron ``g``, the number of its distinct targets on every
candidate core (``on_core[g, k]``) and tile (``on_tile[g, t]``), and the weight of its tree.
Two local searches alternate (docs/placement.md, section 5, step 6):

* whole-core swaps (:func:`_core_swaps`): the contents of two cores of different, nearby tiles
  are exchanged; usage moves with the contents, so every limit still holds;
* unit moves (:func:`_sweeps`): a unit (a group of "twins", neurons with the same presynaptic
  neurons, or a single neuron) moves from tile ``A`` to tile ``B``. That changes the tree of
  every presynaptic neuron of the unit whose last targets in ``A`` were the moving members
  (``A`` leaves the tree) or that had no target in ``B`` (``B`` joins it), and the members'
  own trees, whose root moves to ``B``; no other tree changes. The destination core must keep
  every per-core limit: neurons, synapse entries, distinct presynaptic sources (fan-in,
  counted from ``on_core``) and, if the target limits them, parameter sets.

A change is made only when its exact traffic change is negative. Units and cores are visited
in a fixed order, sweep after sweep, until a sweep gains less than a tiny fraction, so the
result is deterministic. Candidate destination tiles of a unit are the tiles of its
presynaptic neurons and of its targets; candidate cores are all cores of the tiles in use,
free ones included. The loops are compiled (:mod:`neurocompile.jit`): each move updates a
few hundred counters, which in numpy would cost far more in call overhead than in work.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..jit import njit
from .destinations import structure
from .placement import HOST
from .routing import board_tiles
from .usage import parameter_set_ids

# Dense count arrays (presynaptic neurons x candidate cores) larger than this are not built.
MAX_COUNT_ENTRIES = 60_000_000
# Networks with more synapses are returned unchanged (the pattern copies would not fit memory).
MAX_SYNAPSES = 30_000_000
MAX_SWEEPS = 12
# Twin groups are moved in chunks of at most this many neurons.
MAX_UNIT = 64
# Whole-core swaps are tried between tiles at most this many tile hops apart.
SWAP_TILE_DISTANCE = 2
# A sweep that gains less than this fraction of the traffic ends the refinement.
MIN_SWEEP_GAIN = 1e-4


#: A tile holding at most this many of a neuron's targets could be emptied by a few moves.
FEW_TARGETS = 2
#: Below this rate-weighted share of such (neuron, tile) pairs the refinement is skipped
#: (the structured benchmarks have 5 % (ring) to 55 % (modular); CUBA with measured rates 0.05 %).
MIN_GAINABLE_SHARE = 0.01


def _can_gain(on_tile_core: np.ndarray, p_pre: np.ndarray) -> bool:
    """Whether moves or core swaps could remove a tile from some neuron's multicast tree.

    ``on_tile_core[g, t, c]``: targets of presynaptic neuron ``g`` on core ``c`` of tile ``t``.
    A tree only loses a tile when that tile ends up without the neuron's targets, which single
    moves achieve where the neuron has few targets (at most ``FEW_TARGETS``). When
    (rate-weighted) almost no (neuron, tile) pair is like that, as in dense random networks
    where every neuron reaches every tile with many targets, the refinement is skipped: its
    moves cannot gain there (CUBA: no such pair; it also spares compiling the refinement
    loops, seconds on a first run). Whole-core swaps alone could still consolidate a lone
    core into another tile; on the population-structured benchmarks they did not gain.
    """
    per_tile = on_tile_core.sum(axis=2)
    reached = per_tile > 0
    gainable = reached & (per_tile <= FEW_TARGETS)
    weight = float((reached * p_pre[:, None]).sum())
    return weight > 0 and float((gainable * p_pre[:, None]).sum()) / weight >= MIN_GAINABLE_SHARE


def refine_neurons(network, core_of: dict, target, rate: dict, max_sweeps: int = MAX_SWEEPS) -> dict:
    """A copy of ``core_of`` with neurons moved between tiles to lower the hop-weighted traffic.

    ``rate``: population -> expected spikes per step of every neuron. The input placement
    must respect every limit; the output does too, and its traffic is never higher. Returns
    the input unchanged when the network or the count arrays would be too large.
    """
    pops = list(network.populations.values())
    neurons = [p for p in pops if not p.is_source]
    if not neurons or not network.projections or network.n_synapses > MAX_SYNAPSES:
        return core_of
    offsets, n = {}, 0
    for p in neurons:
        offsets[p.name] = n
        n += p.size
    core = np.concatenate([np.asarray(core_of[p.name], dtype=np.int64) for p in neurons])
    cpt = target.chip.cores_per_tile
    tiles = np.unique(core // cpt)
    cand_cores = (tiles[:, None] * cpt + np.arange(cpt)[None, :]).ravel()
    k_cores, n_tiles = cand_cores.size, tiles.size
    local_core = np.searchsorted(cand_cores, core)
    core_tile = np.repeat(np.arange(n_tiles), cpt)
    # presynaptic ids: every neuron with an outgoing projection, sources included
    senders = [p for p in pops if any(pr.pre.name == p.name for pr in network.projections)]
    pre_offsets, n_pre = {}, 0
    for p in senders:
        pre_offsets[p.name] = n_pre
        n_pre += p.size
    if n_pre * k_cores > MAX_COUNT_ENTRIES:
        return core_of
    rows, cols = [], []
    for proj in network.projections:
        pattern = structure(proj.weights).tocoo()
        rows.append(pattern.row.astype(np.int64) + pre_offsets[proj.pre.name])
        cols.append(pattern.col.astype(np.int64) + offsets[proj.post.name])
    targets = sp.csr_matrix((np.ones(sum(r.size for r in rows), dtype=np.float32),
                             (np.concatenate(rows), np.concatenate(cols))), shape=(n_pre, n))
    targets.sum_duplicates()
    targets.sort_indices()
    incoming = targets.T.tocsr()
    incoming.sort_indices()
    in_syn = np.zeros(n, dtype=np.int64)
    for proj in network.projections:
        start = offsets[proj.post.name]
        in_syn[start:start + proj.post.size] += np.bincount(proj.weights.indices, minlength=proj.post.size)
    pre_of = np.full(n, -1, dtype=np.int64)
    p_pre = np.zeros(n_pre)
    src_core = np.zeros(n_pre, dtype=np.int64)
    for p in senders:
        s = pre_offsets[p.name]
        p_pre[s:s + p.size] = rate[p.name]
        if p.is_source:
            src_core[s:s + p.size] = 0  # host inputs enter at core 0 (HOST)
        else:
            o = offsets[p.name]
            pre_of[o:o + p.size] = np.arange(s, s + p.size)
            src_core[s:s + p.size] = core[o:o + p.size]
    src_row, src_col = (np.asarray(a, dtype=np.int64) for a in board_tiles(target, src_core))
    # tile index of every on-chip source among the candidate tiles (-1 for host inputs: their
    # tile is not offered as a destination; trying it made the CNN result slightly worse)
    src_tile = np.searchsorted(tiles, src_core // cpt)
    src_tile = np.where((src_tile < n_tiles) & (tiles[np.minimum(src_tile, n_tiles - 1)] == src_core // cpt),
                        src_tile, -1).astype(np.int64)
    is_host = np.ones(n_pre, dtype=bool)
    for p in senders:
        if not p.is_source:
            is_host[pre_offsets[p.name]:pre_offsets[p.name] + p.size] = False
    src_tile[is_host] = -1
    tile_row, tile_col = (np.asarray(a, dtype=np.int64) for a in board_tiles(target, tiles * cpt))
    mr, mc = target.chip.mesh_rows, target.chip.mesh_cols
    cost = float(target.board.inter_chip_link_cost)
    n_rows, n_cols = target.board.chip_rows * mr, target.board.chip_cols * mc
    # prefix weights along a row / column: crossing into the next chip costs `cost`
    w_col = np.r_[0.0, np.cumsum(np.where((np.arange(1, n_cols) % mc) == 0, cost, 1.0))]
    w_row = np.r_[0.0, np.cumsum(np.where((np.arange(1, n_rows) % mr) == 0, cost, 1.0))]
    g = np.repeat(np.arange(n_pre), np.diff(targets.indptr))
    tgt_core = local_core[targets.indices]
    on_core = np.bincount(g * k_cores + tgt_core, minlength=n_pre * k_cores).astype(np.int32)
    on_core = on_core.reshape(n_pre, k_cores)
    if not _can_gain(on_core.reshape(n_pre, n_tiles, cpt), p_pre):
        return core_of  # e.g. dense random networks: every tree stays as it is
    on_tile = on_core.reshape(n_pre, n_tiles, cpt).sum(axis=2).astype(np.int32)
    limits = target.core
    sets_limit = limits.neuron_parameter_sets
    if sets_limit is not None:
        ids = parameter_set_ids(network)
        _, set_of = np.unique(np.concatenate([ids[p.name] for p in neurons]), return_inverse=True)
        set_of = set_of.reshape(-1).astype(np.int64)
        n_sets = int(set_of.max()) + 1
        if n_sets * k_cores > MAX_COUNT_ENTRIES:
            return core_of
    else:
        set_of, n_sets, sets_limit = np.zeros(n, dtype=np.int64), 1, -1
    # core of every presynaptic neuron among the candidate cores (-1: host input)
    pre_src_core = np.full(n_pre, -1, dtype=np.int64)
    has_pre = pre_of >= 0
    pre_src_core[pre_of[has_pre]] = local_core[has_pre]
    in_ptr, in_pre = incoming.indptr.astype(np.int64), incoming.indices.astype(np.int64)
    tile_args = (core_tile.astype(np.int64), tile_row, tile_col, w_row, w_col)
    unit_ptr, unit_members = _move_units(in_ptr, in_pre, n_pre)
    for _ in range(max_sweeps):
        swapped = _core_swaps(pre_src_core, p_pre, src_row, src_col, src_tile, local_core, *tile_args,
                              on_core, on_tile, max_sweeps, MIN_SWEEP_GAIN, SWAP_TILE_DISTANCE)
        # usage per core, recounted after the swaps (the contents moved with them)
        usage_neurons = np.bincount(local_core, minlength=k_cores).astype(np.int64)
        usage_syn = np.bincount(local_core, weights=in_syn, minlength=k_cores).astype(np.int64)
        usage_fanin = (on_core > 0).sum(axis=0).astype(np.int64)
        set_count = np.bincount(local_core * n_sets + set_of, minlength=k_cores * n_sets)
        set_count = set_count.reshape(k_cores, n_sets).astype(np.int32)
        usage_sets = (set_count > 0).sum(axis=1).astype(np.int64)
        total, moved = _sweeps(unit_ptr, unit_members, in_ptr, in_pre, pre_of, p_pre, src_row, src_col,
                               src_tile, pre_src_core, local_core, *tile_args, on_core, on_tile, usage_neurons,
                               usage_syn, usage_fanin, in_syn, set_of, set_count, usage_sets, int(limits.neurons),
                               int(limits.synapse_entries), int(limits.fanin_axons), int(sets_limit), int(cpt),
                               int(max_sweeps), MIN_SWEEP_GAIN)
        if swapped + moved <= MIN_SWEEP_GAIN * max(total, 1e-300):
            break
    new_core = cand_cores[local_core]
    out = dict(core_of)
    for p in pops:
        if p.is_source:
            out[p.name] = np.full(p.size, HOST, dtype=np.int32)
        else:
            out[p.name] = new_core[offsets[p.name]:offsets[p.name] + p.size].astype(np.int32)
    return out


def _move_units(in_ptr, in_pre, n_pre):
    """Units moved as one: groups of "twins" (neurons with the same presynaptic neurons, such as
    the channels of one position in a convolution), in chunks of at most MAX_UNIT, then every
    neuron alone. Returns a CSR (unit_ptr, unit_members).

    Twins are found by two random 64-bit hashes of the presynaptic set (sums modulo 2^64 of
    fixed random words): a collision would only make a move's predicted gain wrong, and
    ``ours`` re-checks the refined placement exactly.
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
    return unit_ptr, unit_members


@njit
def _tree_cost(counts, sr, sc, tile_row, tile_col, w_row, w_col, col_lo, col_hi, drop, add):
    """Weight of the XY multicast tree from tile (sr, sc) to the tiles with counts > 0
    (tile ``drop`` treated as absent, tile ``add`` as present; -1 for none)."""
    for x in range(col_lo.size):
        col_lo[x] = 1 << 30
        col_hi[x] = -1
    lo_c, hi_c = sc, sc
    for t in range(counts.size):
        present = counts[t] > 0
        if t == drop:
            present = False
        if t == add:
            present = True
        if present:
            c, r = tile_col[t], tile_row[t]
            if c < lo_c:
                lo_c = c
            if c > hi_c:
                hi_c = c
            if r < col_lo[c]:
                col_lo[c] = r
            if r > col_hi[c]:
                col_hi[c] = r
    total = w_col[hi_c] - w_col[lo_c]
    for x in range(lo_c, hi_c + 1):
        if col_hi[x] >= 0:
            lo, hi = min(col_lo[x], sr), max(col_hi[x], sr)
            total += w_row[hi] - w_row[lo]
    return total


@njit
def _sweeps(unit_ptr, unit_members, in_ptr, in_pre, pre_of, p_pre, src_row, src_col, src_tile, pre_src_core,
            core, core_tile, tile_row, tile_col, w_row, w_col, on_core, on_tile, usage_neurons, usage_syn,
            usage_fanin, in_syn, set_of, set_count, usage_sets, lim_neurons, lim_syn, lim_fanin, lim_sets, cpt,
            max_sweeps, min_gain):
    """Move units (twin groups, then single neurons) between tiles while the exact traffic drops.

    All members of a unit have the same presynaptic neurons, so a presynaptic neuron of the
    unit targets every member: it leaves tile A when all its targets in A are the moving
    members, and joins tile B when it had no target there. The moving members (those of the
    unit in the tile of its first member) go to one core of B.
    """
    n_pre, n_tiles = on_tile.shape
    col_lo = np.empty(w_col.size, dtype=np.int64)
    col_hi = np.empty(w_col.size, dtype=np.int64)
    tree = np.empty(n_pre)
    total = 0.0
    for g in range(n_pre):
        tree[g] = _tree_cost(on_tile[g], src_row[g], src_col[g], tile_row, tile_col, w_row, w_col,
                             col_lo, col_hi, -1, -1)
        total += p_pre[g] * tree[g]
    n_units = unit_ptr.size - 1
    largest = 1
    for u in range(n_units):
        largest = max(largest, unit_ptr[u + 1] - unit_ptr[u])
    moving = np.empty(largest, dtype=np.int64)
    mark_tile = np.full(n_tiles, -1, dtype=np.int64)
    common = np.full(n_pre, -1, dtype=np.int64)   # == stamp: presynaptic to the unit
    mover = np.full(n_pre, -1, dtype=np.int64)    # == stamp: a moving neuron's own id
    cands = np.empty(n_tiles, dtype=np.int64)
    stamp = 0
    gained_all = 0.0
    for sweep in range(max_sweeps):
        gained = 0.0
        for u in range(n_units):
            first = unit_members[unit_ptr[u]]
            ta = core_tile[core[first]]
            m, syn_sum = 0, 0
            for idx in range(unit_ptr[u], unit_ptr[u + 1]):
                v = unit_members[idx]
                if core_tile[core[v]] == ta:
                    moving[m] = v
                    m += 1
                    syn_sum += in_syn[v]
            stamp += 1
            for j in range(in_ptr[first], in_ptr[first + 1]):
                common[in_pre[j]] = stamp
            for i in range(m):
                gv = pre_of[moving[i]]
                if gv >= 0:
                    mover[gv] = stamp
            # candidate tiles: those of the presynaptic neurons and of the members' targets
            n_c = 0
            for j in range(in_ptr[first], in_ptr[first + 1]):
                t = src_tile[in_pre[j]]
                if t >= 0 and t != ta and mark_tile[t] != stamp:
                    mark_tile[t] = stamp
                    cands[n_c] = t
                    n_c += 1
            for i in range(m):
                gv = pre_of[moving[i]]
                if gv < 0:
                    continue
                for t in range(n_tiles):
                    if on_tile[gv, t] > 0 and t != ta and mark_tile[t] != stamp:
                        mark_tile[t] = stamp
                        cands[n_c] = t
                        n_c += 1
            best_delta, best_core = 0.0, -1
            for ci in range(n_c):
                tb = cands[ci]
                # a core of tile tb with room for all moving members; fewest new fan-in sources
                pick, pick_new = -1, 1 << 40
                for b in range(tb * cpt, tb * cpt + cpt):
                    if usage_neurons[b] + m > lim_neurons or usage_syn[b] + syn_sum > lim_syn:
                        continue
                    if lim_sets >= 0:
                        new_sets = 0
                        for i in range(m):
                            s_i = set_of[moving[i]]
                            if set_count[b, s_i] > 0:
                                continue
                            seen_before = False
                            for i2 in range(i):
                                if set_of[moving[i2]] == s_i:
                                    seen_before = True
                                    break
                            if not seen_before:
                                new_sets += 1
                        if usage_sets[b] + new_sets > lim_sets:
                            continue
                    new = 0
                    for j in range(in_ptr[first], in_ptr[first + 1]):
                        if on_core[in_pre[j], b] == 0:
                            new += 1
                    if usage_fanin[b] + new > lim_fanin:
                        continue
                    if new < pick_new:
                        pick, pick_new = b, new
                if pick < 0:
                    continue
                delta = 0.0
                for j in range(in_ptr[first], in_ptr[first + 1]):
                    g = in_pre[j]
                    if mover[g] == stamp:
                        continue  # its root moves too: counted below
                    drop = ta if on_tile[g, ta] == m else -1
                    add = tb if on_tile[g, tb] == 0 else -1
                    if drop >= 0 or add >= 0:
                        new_cost = _tree_cost(on_tile[g], src_row[g], src_col[g], tile_row, tile_col,
                                              w_row, w_col, col_lo, col_hi, drop, add)
                        delta += p_pre[g] * (new_cost - tree[g])
                for i in range(m):
                    gv = pre_of[moving[i]]
                    if gv < 0:
                        continue
                    drop, add = -1, -1
                    if common[gv] == stamp:
                        drop = ta if on_tile[gv, ta] == m else -1
                        add = tb if on_tile[gv, tb] == 0 else -1
                    new_cost = _tree_cost(on_tile[gv], tile_row[tb], tile_col[tb], tile_row, tile_col,
                                          w_row, w_col, col_lo, col_hi, drop, add)
                    delta += p_pre[gv] * (new_cost - tree[gv])
                if delta < best_delta - 1e-12 * (1.0 + abs(best_delta)):
                    best_delta, best_core = delta, pick
            if best_core < 0 or best_delta > -1e-15 * (1.0 + total):
                continue
            b = best_core
            tb = core_tile[b]
            for i in range(m):
                v = moving[i]
                a = core[v]
                for j in range(in_ptr[v], in_ptr[v + 1]):
                    g = in_pre[j]
                    on_core[g, a] -= 1
                    if on_core[g, a] == 0:
                        usage_fanin[a] -= 1
                    if on_core[g, b] == 0:
                        usage_fanin[b] += 1
                    on_core[g, b] += 1
                    on_tile[g, ta] -= 1
                    on_tile[g, tb] += 1
                usage_neurons[a] -= 1
                usage_neurons[b] += 1
                usage_syn[a] -= in_syn[v]
                usage_syn[b] += in_syn[v]
                s_v = set_of[v]
                set_count[a, s_v] -= 1
                if set_count[a, s_v] == 0:
                    usage_sets[a] -= 1
                if set_count[b, s_v] == 0:
                    usage_sets[b] += 1
                set_count[b, s_v] += 1
                core[v] = b
                gv = pre_of[v]
                if gv >= 0:
                    src_row[gv] = tile_row[tb]
                    src_col[gv] = tile_col[tb]
                    src_tile[gv] = tb
                    pre_src_core[gv] = b
            for j in range(in_ptr[first], in_ptr[first + 1]):
                g = in_pre[j]
                tree[g] = _tree_cost(on_tile[g], src_row[g], src_col[g], tile_row, tile_col, w_row, w_col,
                                     col_lo, col_hi, -1, -1)
            for i in range(m):
                gv = pre_of[moving[i]]
                if gv >= 0:
                    tree[gv] = _tree_cost(on_tile[gv], src_row[gv], src_col[gv], tile_row, tile_col, w_row,
                                          w_col, col_lo, col_hi, -1, -1)
            gained -= best_delta
        total -= gained
        gained_all += gained
        if gained <= min_gain * max(total, 1e-300):
            break
    return total, gained_all


@njit
def _core_swaps(pre_src_core, p_pre, src_row, src_col, src_tile, core, core_tile, tile_row, tile_col,
                w_row, w_col, on_core, on_tile, max_sweeps, min_gain, max_tile_distance):
    """Swap the whole contents of two cores of different tiles (either may be empty) while the
    exact traffic drops. Per-core usage moves with the contents, so every limit still holds.

    Only the trees of presynaptic neurons with a target on, or living on, one of the two cores
    can change; they are listed per core (the lists swap with the contents). Partners are
    cores of tiles at most ``max_tile_distance`` tile hops away.
    """
    n_pre, n_tiles = on_tile.shape
    k = on_core.shape[1]
    col_lo = np.empty(w_col.size, dtype=np.int64)
    col_hi = np.empty(w_col.size, dtype=np.int64)
    tmp = np.empty(n_tiles, dtype=np.int32)
    tree = np.empty(n_pre)
    total = 0.0
    for g in range(n_pre):
        tree[g] = _tree_cost(on_tile[g], src_row[g], src_col[g], tile_row, tile_col, w_row, w_col,
                             col_lo, col_hi, -1, -1)
        total += p_pre[g] * tree[g]
    # per-core lists of the presynaptic neurons whose tree depends on the core's tile
    count = np.zeros(k + 1, dtype=np.int64)
    for g in range(n_pre):
        sc = pre_src_core[g]
        for c in range(k):
            if on_core[g, c] > 0 or sc == c:
                count[c + 1] += 1
    ptr = np.cumsum(count)
    fill = ptr[:-1].copy()
    listed = np.empty(ptr[-1], dtype=np.int64)
    for g in range(n_pre):
        sc = pre_src_core[g]
        for c in range(k):
            if on_core[g, c] > 0 or sc == c:
                listed[fill[c]] = g
                fill[c] += 1
    slot = np.arange(k)  # the list of core c is list slot[c]
    seen = np.full(n_pre, -1, dtype=np.int64)
    stamp = 0
    gained_all = 0.0
    for sweep in range(max_sweeps):
        gained = 0.0
        for a in range(k):
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
                lb = slot[b]
                stamp += 1
                delta = 0.0
                for side in range(2):
                    lst = la if side == 0 else lb
                    for idx in range(ptr[lst], ptr[lst + 1]):
                        g = listed[idx]
                        if seen[g] == stamp:
                            continue
                        seen[g] = stamp
                        ca, cb = on_core[g, a], on_core[g, b]
                        sc = pre_src_core[g]
                        new_a = on_tile[g, ta] + cb - ca
                        new_b = on_tile[g, tb] + ca - cb
                        if sc != a and sc != b and (new_a > 0) == (on_tile[g, ta] > 0) \
                                and (new_b > 0) == (on_tile[g, tb] > 0):
                            continue  # same tiles, same root: same tree
                        for t in range(n_tiles):
                            tmp[t] = on_tile[g, t]
                        tmp[ta] = new_a
                        tmp[tb] = new_b
                        sr, scol = src_row[g], src_col[g]
                        if sc == a:
                            sr, scol = tile_row[tb], tile_col[tb]
                        elif sc == b:
                            sr, scol = tile_row[ta], tile_col[ta]
                        new_cost = _tree_cost(tmp, sr, scol, tile_row, tile_col, w_row, w_col, col_lo,
                                              col_hi, -1, -1)
                        delta += p_pre[g] * (new_cost - tree[g])
                if delta < best_delta - 1e-12 * (1.0 + abs(best_delta)):
                    best_delta, best_b = delta, b
            if best_b < 0 or best_delta > -1e-15 * (1.0 + total):
                continue
            b = best_b
            tb = core_tile[b]
            la, lb = slot[a], slot[b]
            stamp += 1
            for side in range(2):
                lst = la if side == 0 else lb
                for idx in range(ptr[lst], ptr[lst + 1]):
                    g = listed[idx]
                    if seen[g] == stamp:
                        continue
                    seen[g] = stamp
                    ca, cb = on_core[g, a], on_core[g, b]
                    sc = pre_src_core[g]
                    on_tile[g, ta] += cb - ca
                    on_tile[g, tb] += ca - cb
                    on_core[g, a], on_core[g, b] = cb, ca
                    if sc == a:
                        pre_src_core[g] = b
                        src_row[g], src_col[g], src_tile[g] = tile_row[tb], tile_col[tb], tb
                    elif sc == b:
                        pre_src_core[g] = a
                        src_row[g], src_col[g], src_tile[g] = tile_row[ta], tile_col[ta], ta
                    tree[g] = _tree_cost(on_tile[g], src_row[g], src_col[g], tile_row, tile_col, w_row, w_col,
                                         col_lo, col_hi, -1, -1)
            for v in range(core.size):
                if core[v] == a:
                    core[v] = b
                elif core[v] == b:
                    core[v] = a
            slot[a], slot[b] = lb, la
            gained -= best_delta
        gained_all += gained
        if gained <= min_gain * max(total - gained_all, 1e-300):
            break
    return gained_all
