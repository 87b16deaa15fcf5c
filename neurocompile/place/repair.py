"""Make any placement legal: split every core that exceeds a limit onto the nearest free cores.

The neurons of an over-full core are taken in order (parameter set, population, index) and cut
into the longest runs that fit every limit, exactly counted: neurons, synapse entries, distinct
presynaptic sources and, if the target limits them, parameter sets. The first run stays; each
further run goes to the free core with the cheapest route from the original one. Used by
the ``spectral`` placer as a last resort and for the benchmark's external baselines, which
know nothing of fan-in or synapse memory.
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError
from .destinations import destination_matrices, structure
from .usage import LIMIT_KEYS, core_usage, parameter_set_ids


def _incoming_pairs(network, name, members, cache):
    """(position in members, global presynaptic id) of every synapse onto ``members`` of ``name``."""
    offsets, start = {}, 0
    for p in network.populations.values():
        offsets[p.name] = start
        start += p.size
    pos, gid = [], []
    for proj in network.projections:
        if proj.post.name != name:
            continue
        if proj.name not in cache:  # post-major pattern, built once per projection
            cache[proj.name] = structure(proj.weights).T.tocsr()
        rows = cache[proj.name][members]
        pos.append(np.repeat(np.arange(members.size), np.diff(rows.indptr)))
        gid.append(rows.indices.astype(np.int64) + offsets[proj.pre.name])
    if not pos:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pos), np.concatenate(gid)


def _prefix_distinct(position, key, n):
    """distinct[s] = number of distinct keys among items with position < s, s = 0..n."""
    if key.size == 0:
        return np.zeros(n + 1, dtype=np.int64)
    order = np.lexsort((position, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    return np.r_[0, np.cumsum(np.bincount(position[order][first], minlength=n))]


def repair(network, core_of: dict, target) -> dict:
    """A copy of ``core_of`` in which no core exceeds a limit; BuildError if cores run out."""
    from .placement import Placement

    core_of = {k: np.asarray(v, dtype=np.int32).copy() for k, v in core_of.items()}
    placement = Placement.build("repair", core_of, target)
    dest = destination_matrices(network, core_of, placement.n_cores)
    usage = core_usage(network, placement, target, dest)
    limits = {w: getattr(target.core, LIMIT_KEYS[w]) for w in LIMIT_KEYS}
    over = np.zeros(placement.n_cores, dtype=bool)
    for what, limit in limits.items():
        used = getattr(usage, what)
        if used is not None and limit is not None:
            over |= used > limit
    if not over.any():
        return core_of
    ids = parameter_set_ids(network)
    free = usage.neurons == 0
    cache: dict = {}
    for core in np.flatnonzero(over):
        members = [(name, np.flatnonzero(cores == core)) for name, cores in core_of.items()]
        members = [(n, m) for n, m in members if m.size]
        members.sort(key=lambda nm: int(ids[nm[0]][nm[1][0]]))
        names = np.concatenate([[i] * m.size for i, (_, m) in enumerate(members)])
        local = np.concatenate([m for _, m in members])
        n = local.size
        # prefix counts over the ordered neurons of this core
        pos_all, gid_all, syn = [], [], np.zeros(n + 1, dtype=np.int64)
        start = 0
        for name, m in members:
            pos, gid = _incoming_pairs(network, name, m, cache)
            pos_all.append(pos + start)
            gid_all.append(gid)
            start += m.size
        pos_all, gid_all = np.concatenate(pos_all), np.concatenate(gid_all)
        syn[1:] = np.cumsum(np.bincount(pos_all, minlength=n))
        set_key = np.concatenate([ids[nm][m] for nm, m in members])
        s = 0
        first_run = True
        while s < n:
            sel = pos_all >= s
            fan = _prefix_distinct(pos_all[sel] - s, gid_all[sel], n - s)
            sets = _prefix_distinct(np.arange(n - s), set_key[s:], n - s)
            length = np.arange(n - s + 1)
            fits = (length <= limits["neurons"]) & (syn[s:] - syn[s] <= limits["synapse_entries"]) \
                & (fan <= limits["fanin_axons"])
            if limits["parameter_sets"] is not None:
                fits &= sets <= limits["parameter_sets"]
            stop = s + int(np.flatnonzero(fits).max())
            if stop == s:
                name = members[int(names[s])][0]
                raise BuildError(f"Population '{name}': neuron {int(local[s])} alone exceeds a per-core "
                                 f"limit of target '{target.name}'; it cannot be placed")
            if first_run:
                first_run = False
            else:
                candidates = np.flatnonzero(free)
                if candidates.size == 0:
                    raise BuildError(
                        f"Network '{network.name}' does not fit on target '{target.name}': splitting core "
                        f"{core} to respect the per-core limits needs more than the {target.total_cores} "
                        f"cores; use a target with more chips or larger cores")
                cost = np.asarray(target.route_cost(int(core), candidates), dtype=float)
                new = int(candidates[np.lexsort((candidates, cost))[0]])
                free[new] = False
                for i in np.unique(names[s:stop]):
                    pick = names[s:stop] == i
                    core_of[members[int(i)][0]][local[s:stop][pick]] = new
            s = stop
    return core_of
