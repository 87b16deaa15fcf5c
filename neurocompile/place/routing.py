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

from .destinations import destination_matrices, source_cores


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


@dataclass(frozen=True)
class TreeSegments:
    """The straight pieces of the multicast trees of one population, in board-wide tile coordinates.

    Row pieces, one per neuron with messages (``row_owner``): along row ``row``, the tree spans
    columns ``col_lo..col_hi`` and starts at column ``col_src``. Column pieces, one per
    (neuron, destination column) (``col_owner``): along column ``col``, the tree spans rows
    ``row_lo..row_hi`` and enters at row ``row_src`` (the source row).
    """

    row_owner: np.ndarray
    row: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    col_src: np.ndarray
    col_owner: np.ndarray
    col: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    row_src: np.ndarray


def board_tiles(target, cores):
    """Board-wide tile row/col of core indices."""
    chip, row, col, _ = target.core_location(np.asarray(cores))
    board_row, board_col = target.chip_position(chip)
    return (np.asarray(board_row) * target.chip.mesh_rows + row,
            np.asarray(board_col) * target.chip.mesh_cols + col)


def _boundaries_between(lo, hi, period):
    """Chip boundaries crossed going from coordinate lo to hi (lo <= hi), chips of ``period``."""
    return hi // period - lo // period


def route_tables(network, placement, target, destinations=None) -> dict[str, RouteTable]:
    """Route table of every population (populations without projections get zeros).

    ``destinations`` may pass precomputed :func:`destination_matrices` of this placement.
    """
    if destinations is None:
        destinations = destination_matrices(network, placement.core_of, placement.n_cores)
    tables = {}
    for pop in network.populations.values():
        dest = destinations[pop.name]
        neuron = np.repeat(np.arange(pop.size, dtype=np.int64), np.diff(dest.indptr))
        tables[pop.name] = _tree_stats(neuron, dest.indices.astype(np.int64),
                                       source_cores(placement.core_of[pop.name]), pop.size, target)
    return tables


def tree_segments(neuron, dest, src_core, size, target) -> TreeSegments:
    """Row and column pieces of the XY multicast trees; ``neuron``, ``dest`` sorted by neuron."""
    messages = np.bincount(neuron, minlength=size)
    dest_ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(messages, out=dest_ptr[1:])
    s_row, s_col = board_tiles(target, src_core)
    d_row, d_col = board_tiles(target, dest)
    has = np.flatnonzero(messages > 0)
    starts = dest_ptr[:-1][has]
    empty = np.zeros(0, dtype=np.int64)
    if has.size == 0:
        return TreeSegments(*(empty,) * 10)
    lo_c = np.minimum(np.minimum.reduceat(d_col, starts), s_col[has])
    hi_c = np.maximum(np.maximum.reduceat(d_col, starts), s_col[has])
    col_key = neuron * (int(d_col.max()) + 1) + d_col
    order = np.lexsort((d_row, col_key))
    col_key, rows, owner = col_key[order], d_row[order], neuron[order]
    group_start = np.flatnonzero(np.r_[True, col_key[1:] != col_key[:-1]])
    group_owner = owner[group_start]
    src_row = s_row[group_owner]
    lo_r = np.minimum(np.minimum.reduceat(rows, group_start), src_row)
    hi_r = np.maximum(np.maximum.reduceat(rows, group_start), src_row)
    return TreeSegments(has, s_row[has], lo_c, hi_c, s_col[has],
                        group_owner, d_col[order][group_start], lo_r, hi_r, src_row)


def _tree_stats(neuron, dest, src_core, size, target) -> RouteTable:
    messages = np.bincount(neuron, minlength=size)
    dest_ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(messages, out=dest_ptr[1:])
    zeros = np.zeros(size, dtype=np.int64)
    if neuron.size == 0:
        return RouteTable(messages, zeros, zeros.copy(), zeros.copy(), src_core, dest_ptr, dest,
                          np.zeros(size))
    mr, mc = target.chip.mesh_rows, target.chip.mesh_cols
    seg = tree_segments(neuron, dest, src_core, size, target)
    ew_inter = _boundaries_between(seg.col_lo, seg.col_hi, mc)
    east_west, inter_chip = zeros.copy(), zeros.copy()
    east_west[seg.row_owner] = seg.col_hi - seg.col_lo - ew_inter
    inter_chip[seg.row_owner] = ew_inter
    ns_inter = _boundaries_between(seg.row_lo, seg.row_hi, mr)
    north_south = np.bincount(seg.col_owner, weights=seg.row_hi - seg.row_lo - ns_inter,
                              minlength=size).astype(np.int64)
    inter_chip += np.bincount(seg.col_owner, weights=ns_inter, minlength=size).astype(np.int64)
    path_ns = np.asarray(target.spike_latency_ns(src_core[neuron], dest), dtype=float)
    max_latency = np.zeros(size)
    has = messages > 0
    max_latency[has] = np.maximum.reduceat(path_ns, dest_ptr[:-1][has])
    return RouteTable(messages, east_west, north_south, inter_chip, src_core, dest_ptr, dest, max_latency)
