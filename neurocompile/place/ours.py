"""``ours``: connectivity- and mesh-aware placement that respects every per-core limit.

1. Capacity. Every neuron takes a share of a core under each limit, kept apart (a vector):
   ``1 / neurons``, ``in_synapses / synapse_entries`` and an estimated fan-in share
   ``alpha * in_synapses / fanin_axons``; a core holds at most 1 of each. Neuron count and
   synapse entries are additive, so those shares are exact, and a neuron-bound population
   can fill the same cores as a synapse-bound one. The fan-in of a group is less than the sum
   of its in-degrees (shared sources), so ``alpha`` starts at 0 and is raised from the
   measured overlap whenever a core exceeds its fan-in.
2. Region. The fewest cores that hold the shares under every limit, taken as a compact block
   of tiles around core 0 (:mod:`.mesh_regions`).
3. Dual recursive bisection. The region is halved (between chips first, then across its
   longer side, whole tiles before cores); the neurons are halved along one of four
   directions of their spectral coordinates (:mod:`.embedding`: the two principal axes and
   the diagonals between them), at the position with the smallest traffic cut among those
   that leave both halves within capacity and some slack; the direction with the smallest
   such cut is taken. Neurons that talk end up on nearby cores.
   Populations that receive only through dense projections (a CNN's readout) also get a
   variant where they are left out of the bisection and then put on the free cores nearest
   to the neurons that feed them: spectral coordinates place such a hub at the centre of
   every axis, inside one of the regions.
4. Mapping refinement. Whole tiles' and then whole cores' contents are swapped or moved
   (free ones included) to lower the traffic-weighted route cost, host inputs fixed at core
   0 (a quadratic-assignment local search).
5. Exact check. The per-core usage is counted exactly; a core over its fan-in raises
   ``alpha`` and the placement is redone; a core over an additive limit (a bisection that ran
   out of slack) adds a small margin to the weights; as a last resort over-full cores are split by
   :func:`.repair.repair`. Candidates with the minimal core count and with the count rounded
   up to whole tiles are scored with the exact multicast model.
6. Neuron-level refinement (:mod:`.refine`) of the best few candidates under the exact
   multicast objective: whole cores' contents swapped between tiles, groups of neurons with
   the same inputs and single neurons moved between tiles, every limit kept. A refined
   placement is used only if its exactly recomputed traffic is lower; the best is kept.

Deterministic: the only randomness (tie-breaking in the coarsening) is seeded with the
network's seed.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import BuildError
from ..jit import njit
from .destinations import destination_matrices
from .embedding import spectral_coordinates
from .graph import NeuronGraph, neuron_graph
from .mesh_regions import compact_cores, halve
from .metrics import placement_metrics, spikes_per_step
from .placement import HOST, Placement
from .refine import refine_neurons
from .repair import repair
from .sequential import place_sequential
from .usage import core_usage

# Above this many synapses the traffic graph is not built: such networks are dense enough
# (e.g. the cortical microcircuit) that every core talks to almost every other one, and
# neurons are kept in network order.
GRAPH_SYNAPSE_LIMIT = 30_000_000
EMBEDDING_DIMS = 6
# A projection with at least this fraction of all (pre, post) pairs connected is dense.
DENSE_INPUT = 0.5
MAX_ATTEMPTS = 12
# Candidates (best first by exact traffic) that get the neuron-level refinement.
REFINED_CANDIDATES = 3


def place_ours(network, target, rates=None) -> Placement:
    """Place ``network`` on ``target``; ``rates``: optional population -> Hz (activity-aware)."""
    pops = {p.name: (p.size, p.model) for p in network.populations.values()}
    p_step = spikes_per_step(pops, network.dt, rates)
    structured = network.n_synapses <= GRAPH_SYNAPSE_LIMIT
    graph = neuron_graph(network, p_step, with_adjacency=structured)
    limits = target.core
    _check_single_neurons(network, graph, target)
    if graph.n == 0:
        return Placement.build("ours", _core_of(network, graph, np.zeros(0, np.int64)), target)
    spectral = _coordinates(graph, network.seed)
    # The leading 2, 3 or all spectral coordinates: which bisects best depends on the network
    # (sheets and rings want few, modular networks more), so each is tried and scored.
    coord_sets = [spectral[:, :d] for d in (2, 3) if d < spectral.shape[1]] + [spectral]
    if structured and graph.adjacency is not None and graph.adjacency.nnz:
        # Network order is often meaningful (modules, rows of a map): bisect along it as well.
        coord_sets.append(np.arange(graph.n, dtype=float)[:, None])
    late = _dense_input_neurons(network, graph) if structured else None
    candidates, first_error = [], None
    for coords in coord_sets:
        try:
            candidates += _legal_placements(network, graph, coords, target, structured, late)
        except BuildError as exc:
            first_error = first_error or exc
    # The naive fill is a candidate too, so that `ours` is never worse than it.
    try:
        candidates.append(place_sequential(network, target))
    except BuildError:
        pass
    if not candidates:
        raise first_error
    scored = []
    for pl in candidates:
        m = placement_metrics(network, pl, target, rates)
        scored.append((m.violations, m.hop_weighted_traffic, m.messages_per_step, m.cores_used))
    # The refinement can reorder the candidates: refine the few best and keep the best result.
    ranked = sorted(range(len(candidates)), key=lambda i: scored[i])[:REFINED_CANDIDATES]
    refined = [_refined(network, candidates[i], target, p_step, rates, scored[i]) for i in ranked]
    return _renamed(min(refined, key=lambda r: r[1])[0], target)


def _refined(network, placement, target, p_step, rates, score) -> tuple:
    """(placement, score) after neuron-level refinement (:mod:`.refine`); the refined placement
    is kept only if it is legal and its exact traffic is lower (``score``: (violations,
    traffic, messages, cores) of ``placement``)."""
    if score[0]:
        return placement, score
    core_of = refine_neurons(network, placement.core_of, target, p_step)
    if core_of is placement.core_of:
        return placement, score
    refined = Placement.build("ours", core_of, target)
    m = placement_metrics(network, refined, target, rates)
    if m.violations == 0 and m.hop_weighted_traffic < score[1]:
        return refined, (m.violations, m.hop_weighted_traffic, m.messages_per_step, m.cores_used)
    return placement, score


def _renamed(placement, target):
    return Placement.build("ours", placement.core_of, target)


def _legal_placements(network, graph, coords, target, structured, late=None) -> list:
    """Placements by bisection along ``coords`` that respect every limit (BuildError if none).

    ``late``: boolean (n,) of neurons that also get a variant placed after the others
    (:func:`_dense_input_neurons`), or None.
    """
    limits = target.core
    tried = []
    alpha, clamped, margin = 0.0, False, 0.0
    for attempt in range(MAX_ATTEMPTS):
        weight = _weights(graph, limits, alpha) * (1.0 + margin)
        k_min = int(np.ceil(_cores_needed(weight) - 1e-9))
        if k_min > target.total_cores:
            if clamped or _cores_needed(_weights(graph, limits, 0.0)) > target.total_cores:
                _raise_too_large(network, graph, target, coords)
            # the fan-in estimate asks for more cores than exist: try spreading over all of them
            k_min, clamped = target.total_cores, True
            weight = weight * (k_min / _cores_needed(weight))
        cpt = target.chip.cores_per_tile
        ks = [k_min]
        whole_tiles = min(-(-k_min // cpt) * cpt, target.total_cores)
        if structured and whole_tiles != k_min:
            ks.append(whole_tiles)
        results = []
        for k in ks:
            variants = [_bisect(graph, coords, weight, compact_cores(target, k), target)]
            if late is not None:
                variants.append(_dense_inputs_last(graph, coords, weight, target, k, late))
            for core in variants:
                if core is None:
                    continue
                core = _refine_mapping(network, graph, core, target, unit=cpt)
                core = _refine_mapping(network, graph, core, target)
                placement = Placement.build("ours", _core_of(network, graph, core), target)
                usage = core_usage(network, placement, target)
                results.append((placement, usage))
        ok = [(pl, us) for pl, us in results if us.n_violations() == 0]
        if ok:
            return [pl for pl, _ in ok]
        # the attempt with the fewest violations leaves the repair the most free cores
        tried.append(min(results, key=lambda r: r[1].n_violations()))
        if clamped:
            break
        usage = results[0][1]
        additive = np.any(usage.neurons > limits.neurons) or np.any(usage.synapse_entries > limits.synapse_entries)
        if additive:
            # Additive limits are exact in the weights; they are exceeded only when a bisection
            # ran out of slack and cut past a core's capacity by a neuron or so: keep a margin.
            margin = max(2.0 * float(weight.max(initial=0.0)), 2.0 * margin)
        if np.any(usage.fanin_axons > limits.fanin_axons) or not additive:
            alpha = max(alpha * 1.5, _overlap_factor(graph, results[0][0], usage, limits) * 1.05)
    # the fan-in estimate did not converge: split the over-full cores onto free ones
    for placement, _ in sorted(tried, key=lambda r: r[1].n_violations()):
        try:
            return [Placement.build("ours", repair(network, placement.core_of, target), target)]
        except BuildError:
            continue
    _raise_too_large(network, graph, target, coords)


# -- dense-input populations -------------------------------------------------------------------

def _dense_input_neurons(network, graph):
    """Boolean (n,) of the neurons of populations that receive only through dense projections
    from on-chip populations (at least DENSE_INPUT of all pairs connected), such as a CNN's
    fully connected readout; None when there are none or only such populations.

    Such a neuron hears every neuron of its source population, so spectral coordinates put it
    at the centre of every axis and no cut separates it: it ends up inside one of the spatial
    regions, which then match the mesh badly. Where it goes barely changes its sources'
    trees as long as it is near them, so it is placed after the others (:func:`_dense_inputs_last`).
    """
    late = np.zeros(graph.n, dtype=bool)
    for name in graph.names:
        inputs = [pr for pr in network.projections if pr.post.name == name and not pr.pre.is_source]
        if inputs and all(pr.weights.nnz >= DENSE_INPUT * pr.pre.size * pr.post.size for pr in inputs):
            late[graph.offsets[name]:graph.offsets[name] + graph.sizes[name]] = True
    return late if late.any() and not late.all() else None


def _dense_inputs_last(graph, coords, weight, target, k, late):
    """Core of every neuron: the others bisected onto a compact region of their own, then the
    ``late`` neurons filled onto the free cores nearest (traffic-weighted route cost) to the
    neurons that send to them. None if they do not fit."""
    rest = np.flatnonzero(~late)
    k_rest = max(int(np.ceil(_cores_needed(weight[rest]) - 1e-9)),
                 k - int(np.ceil(_cores_needed(weight[late]) - 1e-9)))
    if k_rest >= target.total_cores:
        return None
    region = compact_cores(target, k_rest)
    core = _bisect(graph, coords, weight, region, target, members=rest)
    free = np.setdiff1d(np.arange(target.total_cores), region)
    # traffic from every used core into the late neurons
    into = graph.adjacency[rest][:, np.flatnonzero(late)].sum(axis=1)
    feeding = np.bincount(core[rest], weights=np.asarray(into).ravel(), minlength=target.total_cores)
    used = np.flatnonzero(feeding)
    cost = feeding[used] @ _route_cost_matrix(target, used, free) if used.size else np.zeros(free.size)
    free = free[np.argsort(cost, kind="stable")]
    # fill the nearest free cores in network order, each up to every limit
    members = np.flatnonzero(late)
    cum = np.vstack([np.zeros((1, weight.shape[1])), np.cumsum(weight[members], axis=0)])
    start = 0
    for c in free:
        if start == members.size:
            break
        # the first member that would overflow a limit of this core
        stop = min(int(np.searchsorted(cum[:, j], cum[start, j] + 1.0 + 1e-9, side="right")) - 1
                   for j in range(weight.shape[1]))
        stop = max(stop, start + 1)
        core[members[start:stop]] = c
        start = stop
    return core if start == members.size else None


# -- capacity ---------------------------------------------------------------------------------

def _weights(graph: NeuronGraph, limits, alpha: float) -> np.ndarray:
    """(n, 3): the share of a core every neuron takes of each limit (neurons, synapse
    entries, estimated fan-in); a core holds at most 1 in every column.

    The limits stay apart rather than folded into one weight (the largest share): a
    neuron-bound population with few inputs per neuron (a first convolution) and a
    synapse-bound one fill cores together, which a single weight would forbid.
    """
    # A neuron with more inputs than half a core's fan-in leaves room for few others.
    heavy = graph.in_synapses / limits.fanin_axons
    fanin = np.where(heavy > 0.5, heavy, 0.0)
    if alpha > 0:
        fanin = np.maximum(fanin, alpha * graph.in_synapses / limits.fanin_axons)
    return np.column_stack([np.full(graph.n, 1.0 / limits.neurons), graph.in_synapses / limits.synapse_entries,
                            fanin])


def _cores_needed(weight: np.ndarray) -> float:
    """Fewest cores (fractional) that hold ``weight`` ((n, limits) shares) under every limit."""
    return float(weight.sum(axis=0).max(initial=0.0))


def _overlap_factor(graph, placement, usage, limits) -> float:
    """Measured fan-in / sum of in-synapses on the cores that exceed their fan-in."""
    core = np.concatenate([placement.core_of[n] for n in graph.names]).astype(np.int64)
    syn = np.bincount(core, weights=graph.in_synapses, minlength=placement.n_cores)
    over = usage.fanin_axons > limits.fanin_axons
    if not over.any():
        over = usage.fanin_axons > 0
    ratio = usage.fanin_axons[over] / np.maximum(syn[over], 1)
    return float(ratio.max(initial=0.0))


# -- bisection --------------------------------------------------------------------------------

def _coordinates(graph: NeuronGraph, seed: int) -> np.ndarray:
    if graph.adjacency is None or graph.adjacency.nnz == 0:
        return np.arange(graph.n, dtype=float)[:, None]  # network order
    return spectral_coordinates(graph.adjacency, EMBEDDING_DIMS, seed)


def _cut_orders(points: np.ndarray) -> list:
    """Orders of the points along the directions a bisection tries: the two principal axes
    and the two diagonals between them (stable ties by index).

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


def _cut_profile(adjacency, members: np.ndarray, order: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """cut[s] = traffic between ordered members [:s] and [s:], for s = 0..len.

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


def _bisect(graph, coords, weight, cores, target, members=None) -> np.ndarray:
    """Core of every neuron (global ids) by dual recursive bisection of neurons and cores.

    ``weight``: (n, limits) shares of a core (:func:`_weights`) or (n,) for a single limit.
    ``members``: the neurons to place (default all); the others are left at -1.
    """
    weight = weight.reshape(graph.n, -1)
    core = np.full(graph.n, -1, dtype=np.int64)
    scratch = np.full(graph.n, -1, dtype=np.int64)
    stack = [(np.arange(graph.n) if members is None else np.asarray(members, dtype=np.int64), cores)]
    while stack:
        members, region = stack.pop()
        if region.size == 1 or members.size == 0:
            core[members] = region[0]
            continue
        first, second = halve(target, region)
        share = first.size / region.size
        member_weight = weight[members]
        total = member_weight.sum(axis=0)
        # Each half may fill up to halfway between the region's fill and full: a half filled
        # to the brim could leave its own halves no split that keeps every limit.
        fill = float(total.max()) / region.size
        fill = max(fill, min(1.0, fill + (1.0 - fill) / 2))
        lo, hi = total - second.size * fill, first.size * fill
        best = None
        for order in _cut_orders(coords[members]):
            # cumulative share of every limit of the first s members, s = 0..len
            w = np.vstack([np.zeros((1, weight.shape[1])), np.cumsum(member_weight[order], axis=0)])
            feasible = np.all((w >= lo - 1e-9) & (w <= hi + 1e-9), axis=1)
            off_share = np.abs(w - total * share).max(axis=1)
            if not feasible.any():  # no exact fit: take the split closest to the proportional one
                feasible = np.zeros_like(feasible)
                feasible[np.argmin(off_share)] = True
            cut = _cut_profile(graph.adjacency, members, order, scratch)
            # Among feasible splits, least traffic cut; ties go to the proportional split.
            score = np.where(feasible, cut, np.inf) + 1e-9 * off_share
            s = int(np.argmin(score))
            if best is None or score[s] < best[0]:
                best = (score[s], order, s)
        _, order, s = best
        stack.append((members[order[:s]], first))
        stack.append((members[order[s:]], second))
    return core


# -- mapping refinement -------------------------------------------------------------------------

def _route_cost_matrix(target, cores_a, cores_b) -> np.ndarray:
    return np.asarray(target.route_cost(np.asarray(cores_a)[:, None], np.asarray(cores_b)[None, :]), dtype=float)


def _refine_mapping(network, graph, core, target, unit: int = 1, sweeps: int = 6) -> np.ndarray:
    """Swap/move the whole contents of cores (``unit`` 1) or of tiles (``unit`` =
    cores_per_tile, each core keeping its slot in the tile) to lower sum(traffic x route
    cost), host at core 0.

    Tiles first: a bisection orients each cut arbitrarily, so two regions that talk can land
    on diagonal tiles; moving a whole tile is one step, moving its cores one by one is uphill.
    """
    used = np.unique(core // unit)
    k = used.size
    if k <= 1:
        return core
    part = np.searchsorted(used, core // unit)
    core_of = {n: core[graph.offsets[n]:graph.offsets[n] + graph.sizes[n]] for n in graph.names}
    for p in network.populations.values():
        if p.is_source:
            core_of[p.name] = np.full(p.size, HOST)
    dest = destination_matrices(network, core_of, target.total_cores)
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
    sym = traffic + traffic.T
    np.fill_diagonal(sym, 0.0)
    # Candidate positions: the used units plus free ones of a compact region twice as large.
    cpt = target.chip.cores_per_tile
    region = compact_cores(target, min(target.total_cores, 2 * k * unit + 2 * cpt))
    slots = np.union1d(used, np.unique(region // unit))
    dist = _route_cost_matrix(target, slots * unit, slots * unit)
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


# -- helpers ------------------------------------------------------------------------------------

def _core_of(network, graph, core) -> dict:
    out = {}
    for p in network.populations.values():
        if p.is_source:
            out[p.name] = np.full(p.size, HOST, dtype=np.int32)
        else:
            start = graph.offsets[p.name]
            out[p.name] = core[start:start + p.size].astype(np.int32)
    return out


def _check_single_neurons(network, graph, target) -> None:
    """A neuron whose own inputs exceed a core's limits can never be placed: say which and why."""
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
    import scipy.sparse as sp

    from .destinations import structure

    blocks = [structure(p.weights).T.tocsr() for p in network.projections if p.post.name == name]
    pattern = sp.hstack(blocks).tocsr() if blocks else sp.csr_matrix((network.populations[name].size, 0))
    pattern.sum_duplicates()
    return np.diff(pattern.indptr)


def _raise_too_large(network, graph, target, coords) -> None:
    """The network needs more cores than the target has: name the binding limit and what would fit."""
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
    core = _bisect(graph, coords, np.full(graph.n, 1.0 / max(1, int(np.ceil(graph.n / dense_k)))),
                   compact_cores(target, dense_k), target)
    placement = Placement.build("ours", _core_of(network, graph, core), target)
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
