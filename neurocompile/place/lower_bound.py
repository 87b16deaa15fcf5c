"""A proven lower bound on the hop-weighted traffic of any legal placement (docs/placement.md s. 5).

Per presynaptic neuron ``u`` with distinct postsynaptic targets ``T_u``: the tiles holding
``T_u`` (and ``u`` itself, unless ``u`` is a host input) form a set ``R_u``; the multicast tree
of ``u`` is a tree on the tile mesh that contains every tile of ``R_u`` (XY paths from the
source tile end at every destination tile), so it has at least ``|R_u| - 1`` links. A tile holds
at most ``cores_per_tile * core.neurons`` neurons, ``cores_per_tile * core.synapse_entries``
synapse entries and, if the target limits them, ``cores_per_tile * core.neuron_parameter_sets``
parameter sets, so ``|R_u|`` is at least the largest of ``ceil(count / per-tile limit)`` over
these three resources. A tree over tiles of ``q`` chips crosses at least ``q - 1`` inter-chip
links, and ``q >= ceil(|R_u| / tiles_per_chip)``; each of those links weighs
``inter_chip_link_cost`` instead of 1. The bound is ``sum_u p_u * links_u``: the trees of
different neurons are independent, so the per-neuron minima add up.

Host inputs enter at core 0: their tree contains tile 0, which may hold targets, so they need
at least ``|R_u| - 1`` links as well (``R_u`` counting only the targets).

The bound is exact for a single neuron fanning out to more neurons than a tile holds, but it
ignores the interplay between neurons: on networks whose neurons all have far fewer targets
than a tile holds (most networks) it is close to 0, and it then says nothing about how far a
placement is from the optimum.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .activity import spikes_per_step
from .destinations import structure
from .usage import parameter_set_ids


def remote_links_needed(network, target) -> dict[str, np.ndarray]:
    """Population name -> float array (size,): the least weight of any legal tree of each neuron.

    Links are counted with weight 1, inter-chip links with ``inter_chip_link_cost``.
    Projections are processed one (pre, post) population pair at a time, so memory stays
    linear in the largest such pair.
    """
    in_syn = {p.name: np.zeros(p.size) for p in network.populations.values()}
    for proj in network.projections:
        in_syn[proj.post.name] += np.bincount(proj.weights.indices, minlength=proj.post.size)
    sets_limit = target.core.neuron_parameter_sets
    set_ids = parameter_set_ids(network) if sets_limit is not None else None
    n_sets = 1 + max((int(v.max(initial=-1)) for v in set_ids.values()), default=0) if set_ids else 0
    cpt = target.chip.cores_per_tile
    neuron_cap, synapse_cap = cpt * target.core.neurons, cpt * target.core.synapse_entries
    pairs: dict[tuple, list] = {}
    for proj in network.projections:
        pairs.setdefault((proj.pre.name, proj.post.name), []).append(proj)
    cost = float(target.board.inter_chip_link_cost)
    out = {}
    for pop in network.populations.values():
        posts = [post for (pre, post) in pairs if pre == pop.name]
        if not posts:
            out[pop.name] = np.zeros(pop.size)
            continue
        # the neuron itself sits on a tile unless it is a host input
        count = np.zeros(pop.size) if pop.is_source else np.ones(pop.size)
        synapses = np.zeros(pop.size) if pop.is_source else in_syn[pop.name].copy()
        own_set = None
        if set_ids is not None:
            own_set = sp.csr_matrix((pop.size, n_sets), dtype=np.float32)
            if not pop.is_source:
                own_set = sp.csr_matrix((np.ones(pop.size, dtype=np.float32), (np.arange(pop.size),
                                         set_ids[pop.name])), shape=(pop.size, n_sets))
        for post in posts:
            projs = pairs[(pop.name, post)]
            pattern = structure(projs[0].weights)
            for proj in projs[1:]:
                pattern = pattern + structure(proj.weights)
            pattern.sum_duplicates()
            pattern.data[:] = 1.0  # distinct targets
            count += np.diff(pattern.indptr)
            synapses += pattern @ in_syn[post]
            if post == pop.name and not pop.is_source:
                # a neuron that is its own target was counted twice
                self_target = np.asarray(pattern.diagonal() > 0)
                count -= self_target
                synapses -= self_target * in_syn[post]
            if own_set is not None:
                onehot = sp.csr_matrix((np.ones(network.populations[post].size, dtype=np.float32),
                                        (np.arange(network.populations[post].size), set_ids[post])),
                                       shape=(network.populations[post].size, n_sets))
                own_set = own_set + pattern @ onehot
        tiles = np.maximum(np.ceil(count / neuron_cap - 1e-9), np.ceil(synapses / synapse_cap - 1e-9))
        if own_set is not None:
            own_set.eliminate_zeros()
            tiles = np.maximum(tiles, np.ceil(np.diff(own_set.indptr) / (cpt * sets_limit) - 1e-9))
        tiles = np.maximum(tiles, 1.0)
        # a tree over `tiles` tiles has tiles-1 links, at least chips-1 of them between chips
        inter = np.ceil(tiles / target.tiles_per_chip) - 1
        out[pop.name] = (tiles - 1 - inter) + inter * cost if cost >= 1.0 else (tiles - 1) * cost
    return out


def traffic_lower_bound(network, target, rates=None) -> float:
    """Lower bound on the hop-weighted traffic per step of every placement within the per-core limits.

    Same units and rates convention as :func:`.metrics.placement_metrics`
    (``hop_weighted_traffic``): ``sum_u p_u * links_u`` with ``links_u`` from
    :func:`remote_links_needed` and ``p_u = rate_u * dt`` (:func:`.activity.spikes_per_step`;
    ``rates``: population -> Hz).
    """
    pops = {p.name: (p.size, p.model) for p in network.populations.values()}
    p = spikes_per_step(pops, network.dt, rates)
    links = remote_links_needed(network, target)
    return float(sum(p[name] @ links[name] for name in links))
