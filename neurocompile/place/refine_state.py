"""The counters the neuron-level refinement (:mod:`.refine`) keeps, as a few named records.

The refinement works on candidate cores: all cores of the tiles the input placement uses,
free ones included, numbered ``t * cores_per_tile + s`` (core ``s`` of candidate tile ``t``).
Neurons that send spikes (host inputs included) are *senders* ``g``, placed neurons are
*receivers* ``v``. For every sender it keeps the number of its distinct targets on every
candidate core (``on_core[g, k]``) and tile (``on_tile[g, t]``) and the weight of its
multicast tree (:mod:`.multicast_tree`); for every candidate core, the usage of each
per-core limit. The records are NamedTuples of arrays, so compiled kernels take them as
arguments and update the arrays in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .destinations import structure
from .multicast_tree import TileMesh, tile_mesh
from .placement import HOST
from .routing import board_tiles
from .unit_moves import Units, twin_units
from .usage import parameter_set_ids

# Dense count arrays (senders x candidate cores) larger than this are not built.
MAX_COUNT_ENTRIES = 60_000_000
# Networks with more synapses are not refined (the pattern copies would not fit memory).
MAX_SYNAPSES = 30_000_000
#: A tile holding at most this many of a neuron's targets could be emptied by a few moves.
FEW_TARGETS = 2
#: Below this rate-weighted share of such (neuron, tile) pairs the refinement is skipped
#: (the structured benchmarks have 5 % (ring) to 55 % (modular); CUBA with measured rates 0.05 %).
MIN_GAINABLE_SHARE = 0.01


class Senders(NamedTuple):
    """Every neuron with an outgoing projection (host inputs included), by sender id ``g``.

    ``rate``: float (senders,), expected spikes per step.
    ``on_core``: int32 (senders, cores), distinct targets on every candidate core.
    ``on_tile``: int32 (senders, tiles), the same summed per candidate tile.
    ``src_core``, ``src_tile``: int64 (senders,), the sender's own candidate core and tile
    (-1 for host inputs). ``src_row``, ``src_col``: int64 (senders,), board-wide tile its
    spikes leave from (host inputs: the tile of core 0).
    ``tree``: float (senders,), weight of its multicast tree (kept up to date by the kernels).
    """

    rate: np.ndarray
    on_core: np.ndarray
    on_tile: np.ndarray
    src_core: np.ndarray
    src_tile: np.ndarray
    src_row: np.ndarray
    src_col: np.ndarray
    tree: np.ndarray


class Receivers(NamedTuple):
    """Every placed neuron (populations that are not spike sources, network order), by id ``v``.

    ``core``: int64 (n,), candidate core (updated by the kernels).
    ``in_ptr``, ``in_pre``: int64 CSR (n+1,), (synapses,): the distinct senders of every neuron.
    ``sender``: int64 (n,), the neuron's own sender id, -1 if it sends nothing.
    ``in_synapses``: int64 (n,), synapse entries onto the neuron.
    ``parameter_set``: int64 (n,), its parameter set id (all 0 when the target does not limit them).
    """

    core: np.ndarray
    in_ptr: np.ndarray
    in_pre: np.ndarray
    sender: np.ndarray
    in_synapses: np.ndarray
    parameter_set: np.ndarray


class CoreLimits(NamedTuple):
    """The target's per-core limits (``parameter_sets`` -1: not limited)."""

    neurons: int
    synapse_entries: int
    fanin_axons: int
    parameter_sets: int


class CoreLoad(NamedTuple):
    """Usage of every candidate core: int64 (cores,) ``neurons``, ``synapse_entries``,
    ``fanin_axons`` (distinct senders) and ``parameter_sets``; ``set_count``: int32 (cores,
    sets), neurons of every parameter set on the core."""

    neurons: np.ndarray
    synapse_entries: np.ndarray
    fanin_axons: np.ndarray
    parameter_sets: np.ndarray
    set_count: np.ndarray


@dataclass
class RefinementState:
    """All the refinement works on, and how to write its result back per population."""

    mesh: TileMesh
    senders: Senders
    receivers: Receivers
    limits: CoreLimits
    units: Units
    candidate_cores: np.ndarray  # int64 (cores,): the target core of every candidate core
    offsets: dict                # population -> first receiver id
    n_sets: int

    def core_load(self) -> CoreLoad:
        """Usage of every candidate core, counted from the current state."""
        core, k = self.receivers.core, self.candidate_cores.size
        set_count = np.bincount(core * self.n_sets + self.receivers.parameter_set, minlength=k * self.n_sets)
        set_count = set_count.reshape(k, self.n_sets).astype(np.int32)
        return CoreLoad(
            np.bincount(core, minlength=k).astype(np.int64),
            np.bincount(core, weights=self.receivers.in_synapses, minlength=k).astype(np.int64),
            (self.senders.on_core > 0).sum(axis=0).astype(np.int64),
            (set_count > 0).sum(axis=1).astype(np.int64),
            set_count)

    def core_of(self, network, core_of: dict) -> dict:
        """A copy of ``core_of`` (population -> core of every neuron) with the current cores."""
        new_core = self.candidate_cores[self.receivers.core]
        out = dict(core_of)
        for p in network.populations.values():
            if p.is_source:
                out[p.name] = np.full(p.size, HOST, dtype=np.int32)
            else:
                out[p.name] = new_core[self.offsets[p.name]:self.offsets[p.name] + p.size].astype(np.int32)
        return out


def refinement_state(network, core_of: dict, target, rate: dict):
    """The :class:`RefinementState` of a legal placement ``core_of``, or None when the network
    or the count arrays would be too large or the moves cannot gain (:func:`_can_gain`).

    ``rate``: population -> expected spikes per step of every neuron.
    """
    pops = list(network.populations.values())
    neurons = [p for p in pops if not p.is_source]
    if not neurons or not network.projections or network.n_synapses > MAX_SYNAPSES:
        return None
    offsets = _offsets(neurons)
    n = sum(p.size for p in neurons)
    core = np.concatenate([np.asarray(core_of[p.name], dtype=np.int64) for p in neurons])
    cpt = target.chip.cores_per_tile
    tiles = np.unique(core // cpt)
    cand_cores = (tiles[:, None] * cpt + np.arange(cpt)[None, :]).ravel()
    k_cores, n_tiles = cand_cores.size, tiles.size
    local_core = np.searchsorted(cand_cores, core)
    # sender ids: every neuron with an outgoing projection, sources included
    senders = [p for p in pops if any(pr.pre.name == p.name for pr in network.projections)]
    pre_offsets = _offsets(senders)
    n_pre = sum(p.size for p in senders)
    if n_pre * k_cores > MAX_COUNT_ENTRIES:
        return None
    targets = _distinct_targets(network, pre_offsets, offsets, n_pre, n)
    incoming = targets.T.tocsr()
    incoming.sort_indices()
    in_syn = np.zeros(n, dtype=np.int64)
    for proj in network.projections:
        start = offsets[proj.post.name]
        in_syn[start:start + proj.post.size] += np.bincount(proj.weights.indices, minlength=proj.post.size)
    p_pre = np.zeros(n_pre)
    for p in senders:
        p_pre[pre_offsets[p.name]:pre_offsets[p.name] + p.size] = rate[p.name]
    g = np.repeat(np.arange(n_pre), np.diff(targets.indptr))
    on_core = np.bincount(g * k_cores + local_core[targets.indices], minlength=n_pre * k_cores).astype(np.int32)
    on_core = on_core.reshape(n_pre, k_cores)
    if not _can_gain(on_core.reshape(n_pre, n_tiles, cpt), p_pre):
        return None  # e.g. dense random networks: every tree stays as it is
    on_tile = on_core.reshape(n_pre, n_tiles, cpt).sum(axis=2).astype(np.int32)
    sets = _parameter_sets(network, neurons, target, k_cores)
    if sets is None:
        return None
    set_of, n_sets, sets_limit = sets
    pre_of, src_row, src_col, src_tile = _roots(senders, pre_offsets, offsets, core, target, tiles)
    # candidate core of every sender (-1: host input)
    pre_src_core = np.full(n_pre, -1, dtype=np.int64)
    has_pre = pre_of >= 0
    pre_src_core[pre_of[has_pre]] = local_core[has_pre]
    in_ptr, in_pre = incoming.indptr.astype(np.int64), incoming.indices.astype(np.int64)
    limits = target.core
    return RefinementState(
        mesh=tile_mesh(target, tiles),
        senders=Senders(p_pre, on_core, on_tile, pre_src_core, src_tile, src_row, src_col, np.empty(n_pre)),
        receivers=Receivers(local_core, in_ptr, in_pre, pre_of, in_syn, set_of),
        limits=CoreLimits(int(limits.neurons), int(limits.synapse_entries), int(limits.fanin_axons), int(sets_limit)),
        units=twin_units(in_ptr, in_pre, n_pre),
        candidate_cores=cand_cores, offsets=offsets, n_sets=n_sets)


def _roots(senders, pre_offsets, offsets, core, target, tiles) -> tuple:
    """(sender, src_row, src_col, src_tile): every placed neuron's own sender id (-1: it sends
    nothing), and per sender the board-wide tile its spikes leave from and that tile's
    candidate index (-1 for host inputs, which enter at core 0). ``core``: target core of
    every placed neuron; ``tiles``: the candidate tiles."""
    n_pre = sum(p.size for p in senders)
    cpt = target.chip.cores_per_tile
    pre_of = np.full(core.size, -1, dtype=np.int64)
    src_core = np.zeros(n_pre, dtype=np.int64)  # host inputs enter at core 0 (HOST)
    is_host = np.ones(n_pre, dtype=bool)
    for p in senders:
        s = pre_offsets[p.name]
        if not p.is_source:
            o = offsets[p.name]
            pre_of[o:o + p.size] = np.arange(s, s + p.size)
            src_core[s:s + p.size] = core[o:o + p.size]
            is_host[s:s + p.size] = False
    src_row, src_col = (np.asarray(a, dtype=np.int64) for a in board_tiles(target, src_core))
    # the host's tile is not offered as a destination (trying it made the CNN result slightly worse)
    src_tile = np.searchsorted(tiles, src_core // cpt)
    src_tile = np.where((src_tile < tiles.size) & (tiles[np.minimum(src_tile, tiles.size - 1)] == src_core // cpt),
                        src_tile, -1).astype(np.int64)
    src_tile[is_host] = -1
    return pre_of, src_row, src_col, src_tile


def _parameter_sets(network, neurons, target, k_cores):
    """(set id of every placed neuron, number of sets, per-core limit or -1); all in one set
    when the target does not limit them; None when the count array would be too large."""
    n = sum(p.size for p in neurons)
    sets_limit = target.core.neuron_parameter_sets
    if sets_limit is None:
        return np.zeros(n, dtype=np.int64), 1, -1
    ids = parameter_set_ids(network)
    _, set_of = np.unique(np.concatenate([ids[p.name] for p in neurons]), return_inverse=True)
    set_of = set_of.reshape(-1).astype(np.int64)
    n_sets = int(set_of.max()) + 1
    if n_sets * k_cores > MAX_COUNT_ENTRIES:
        return None
    return set_of, n_sets, sets_limit


def _offsets(populations) -> dict:
    """Population name -> first id, populations numbered consecutively in the given order."""
    offsets, n = {}, 0
    for p in populations:
        offsets[p.name] = n
        n += p.size
    return offsets


def _distinct_targets(network, pre_offsets, offsets, n_pre, n) -> sp.csr_matrix:
    """float32 CSR (senders, receivers), sorted indices: the distinct targets of every sender."""
    rows, cols = [], []
    for proj in network.projections:
        pattern = structure(proj.weights).tocoo()
        rows.append(pattern.row.astype(np.int64) + pre_offsets[proj.pre.name])
        cols.append(pattern.col.astype(np.int64) + offsets[proj.post.name])
    targets = sp.csr_matrix((np.ones(sum(r.size for r in rows), dtype=np.float32),
                             (np.concatenate(rows), np.concatenate(cols))), shape=(n_pre, n))
    targets.sum_duplicates()
    targets.sort_indices()
    return targets


def _can_gain(on_tile_core: np.ndarray, p_pre: np.ndarray) -> bool:
    """Whether moves or core swaps could remove a tile from some neuron's multicast tree.

    ``on_tile_core[g, t, c]``: targets of sender ``g`` on core ``c`` of tile ``t``.
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
