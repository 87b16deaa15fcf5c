"""Multicast routes of spikes on the mesh: destination cores and link traversals per neuron.

A spike of neuron ``u`` is sent once to each distinct core that holds one of its targets
(multicast). It travels by dimension-order (XY) routing: first along its row to the
destination column, then along that column. The union of those paths is a tree rooted at the
source tile: its east-west links are the span of the destination columns (source column
included) along the source row, and its north-south links, for each destination column, the
span of the destination rows in that column (source row included). Every link of the tree is
traversed once per spike. A link between two chips counts as an inter-chip hop instead of an
on-chip one. Host inputs enter at core 0.

Everything here is computed once per placement, per presynaptic neuron, so that the emulator
only sums precomputed numbers over the neurons that spiked.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .placement import HOST


@dataclass(frozen=True)
class RouteTable:
    """Per presynaptic neuron of one population (arrays of its size).

    messages: distinct destination cores (one spike message each).
    east_west, north_south: on-chip link traversals of the multicast tree.
    inter_chip: chip-to-chip link traversals.
    source_core: core the spike leaves from (core 0 for host inputs).
    dest_ptr, dest_core: CSR list of the destination cores of each neuron.
    max_latency_ns: latency of the neuron's longest single XY path (within-tile cost plus
        its hops), the time its multicast takes to reach the last destination.
    """

    messages: np.ndarray
    east_west: np.ndarray
    north_south: np.ndarray
    inter_chip: np.ndarray
    source_core: np.ndarray
    dest_ptr: np.ndarray
    dest_core: np.ndarray
    max_latency_ns: np.ndarray


def _board_tiles(target, cores):
    """Board-wide tile row/col of core indices."""
    chip, row, col, _ = target.core_location(cores)
    board_row, board_col = target.chip_position(chip)
    return (np.asarray(board_row) * target.chip.mesh_rows + row,
            np.asarray(board_col) * target.chip.mesh_cols + col)


def _boundaries_between(lo, hi, period):
    """Chip boundaries crossed going from coordinate lo to hi (lo <= hi), chips of ``period``."""
    return hi // period - lo // period


def route_tables(network, placement, target) -> dict[str, RouteTable]:
    """Route table of every population that has outgoing projections (others get zeros)."""
    tables = {}
    outgoing: dict[str, list] = {}
    for proj in network.projections:
        outgoing.setdefault(proj.pre.name, []).append(proj)
    for pop in network.populations.values():
        src_core = placement.core_of[pop.name].astype(np.int64)
        src_core = np.where(src_core == HOST, 0, src_core)
        keys = []
        for proj in outgoing.get(pop.name, []):
            pre, post, _, _ = proj.synapse_arrays()
            dest = placement.core_of[proj.post.name][post].astype(np.int64)
            keys.append(pre.astype(np.int64) * placement.n_cores + dest)
        pairs = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
        tables[pop.name] = _tree_stats(pairs, src_core, pop.size, placement.n_cores, target)
    return tables


def _tree_stats(pairs, src_core, size, n_cores, target) -> RouteTable:
    neuron, dest = np.divmod(pairs, n_cores)
    messages = np.bincount(neuron, minlength=size)
    dest_ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(messages, out=dest_ptr[1:])
    zeros = np.zeros(size, dtype=np.int64)
    if pairs.size == 0:
        return RouteTable(messages, zeros, zeros.copy(), zeros.copy(), src_core, dest_ptr, dest,
                          np.zeros(size))
    mr, mc = target.chip.mesh_rows, target.chip.mesh_cols
    s_row, s_col = _board_tiles(target, src_core)
    d_row, d_col = _board_tiles(target, dest)
    own_row = s_row[neuron]
    has = messages > 0
    starts = dest_ptr[:-1][has]
    # East-west: span of destination columns and the source column, along the source row.
    lo_c = np.minimum(np.minimum.reduceat(d_col, starts), s_col[has])
    hi_c = np.maximum(np.maximum.reduceat(d_col, starts), s_col[has])
    ew_inter = _boundaries_between(lo_c, hi_c, mc)
    east_west, inter_chip = zeros.copy(), zeros.copy()
    east_west[has] = hi_c - lo_c - ew_inter
    inter_chip[has] = ew_inter
    # North-south: per (neuron, destination column), span of rows and the source row.
    col_key = neuron * (d_col.max() + 1) + d_col
    order = np.lexsort((d_row, col_key))
    col_key, rows, owner = col_key[order], d_row[order], neuron[order]
    group_start = np.flatnonzero(np.r_[True, col_key[1:] != col_key[:-1]])
    group_owner = owner[group_start]
    lo_r = np.minimum(np.minimum.reduceat(rows, group_start), own_row[order][group_start])
    hi_r = np.maximum(np.maximum.reduceat(rows, group_start), own_row[order][group_start])
    ns_inter = _boundaries_between(lo_r, hi_r, mr)
    north_south = np.bincount(group_owner, weights=hi_r - lo_r - ns_inter, minlength=size).astype(np.int64)
    inter_chip += np.bincount(group_owner, weights=ns_inter, minlength=size).astype(np.int64)
    path_ns = np.asarray(target.spike_latency_ns(src_core[neuron], dest), dtype=float)
    max_latency = np.zeros(size)
    max_latency[has] = np.maximum.reduceat(path_ns, starts)
    return RouteTable(messages, east_west, north_south, inter_chip, src_core, dest_ptr, dest, max_latency)
