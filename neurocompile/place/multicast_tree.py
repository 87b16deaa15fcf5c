"""The weight of a neuron's XY multicast tree over tiles, as the neuron-level refinement counts it.

A spike of a neuron travels from its source tile along the XY (dimension-order) paths to
every tile that holds one of its targets, each link of the union once (docs/chip.md
section 6): first along the source's row to the westmost and eastmost destination columns,
then, in every destination column, north and south to the farthest destination rows. The
weight counts each link 1, an inter-chip link ``board.inter_chip_link_cost``; it equals the
neuron's hop-weighted traffic per spike (:mod:`.metrics`). It depends only on the source
tile and on which tiles hold targets, so the refinement keeps per-tile target counts and
recomputes a tree only when a tile enters or leaves it.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..jit import njit
from .routing import board_tiles


class TileMesh(NamedTuple):
    """The refinement's candidate tiles on the board-wide tile mesh (a compiled kernel's argument).

    ``core_tile``: int64 (cores,), candidate tile index of every candidate core.
    ``tile_row``, ``tile_col``: int64 (tiles,), board-wide row and column of every candidate tile.
    ``row_weight``: float (board rows,), the weight of the links from row 0 down to each row
    (prefix sums; crossing into the next chip costs ``inter_chip_link_cost``); ``col_weight``
    the same along the columns. A straight path from row r1 to r2 weighs
    ``row_weight[r2] - row_weight[r1]``.
    ``cores_per_tile``: candidate cores ``t * cores_per_tile + s`` belong to candidate tile ``t``.
    ``col_lo``, ``col_hi``: int64 (board cols,) scratch of :func:`tree_weight`.
    """

    core_tile: np.ndarray
    tile_row: np.ndarray
    tile_col: np.ndarray
    row_weight: np.ndarray
    col_weight: np.ndarray
    cores_per_tile: int
    col_lo: np.ndarray
    col_hi: np.ndarray


def tile_mesh(target, tiles: np.ndarray) -> TileMesh:
    """The :class:`TileMesh` of the candidate ``tiles`` (sorted tile indices) of ``target``;
    candidate core ``t * cores_per_tile + s`` is core ``s`` of ``tiles[t]``."""
    cpt = target.chip.cores_per_tile
    tile_row, tile_col = (np.asarray(a, dtype=np.int64) for a in board_tiles(target, tiles * cpt))
    mr, mc = target.chip.mesh_rows, target.chip.mesh_cols
    cost = float(target.board.inter_chip_link_cost)
    n_rows, n_cols = target.board.chip_rows * mr, target.board.chip_cols * mc
    col_weight = np.r_[0.0, np.cumsum(np.where((np.arange(1, n_cols) % mc) == 0, cost, 1.0))]
    row_weight = np.r_[0.0, np.cumsum(np.where((np.arange(1, n_rows) % mr) == 0, cost, 1.0))]
    core_tile = np.repeat(np.arange(tiles.size), cpt).astype(np.int64)
    return TileMesh(core_tile, tile_row, tile_col, row_weight, col_weight, int(cpt),
                    np.empty(col_weight.size, dtype=np.int64), np.empty(col_weight.size, dtype=np.int64))


@njit
def tree_weight(mesh, counts, src_row, src_col, drop, add):
    """Weight of the XY multicast tree from board tile (``src_row``, ``src_col``) to the
    candidate tiles with ``counts > 0``, tile ``drop`` treated as absent and tile ``add`` as
    present (-1 for none)."""
    col_lo, col_hi = mesh.col_lo, mesh.col_hi
    tile_row, tile_col = mesh.tile_row, mesh.tile_col
    for x in range(col_lo.size):
        col_lo[x] = 1 << 30
        col_hi[x] = -1
    lo_c, hi_c = src_col, src_col
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
    total = mesh.col_weight[hi_c] - mesh.col_weight[lo_c]
    for x in range(lo_c, hi_c + 1):
        if col_hi[x] >= 0:
            lo, hi = min(col_lo[x], src_row), max(col_hi[x], src_row)
            total += mesh.row_weight[hi] - mesh.row_weight[lo]
    return total


@njit
def refresh_trees(senders, mesh):
    """Recompute every sender's tree weight (``senders.tree``) from its target counts; return
    the hop-weighted traffic per step, ``sum rate x tree``."""
    total = 0.0
    for g in range(senders.tree.size):
        senders.tree[g] = tree_weight(mesh, senders.on_tile[g], senders.src_row[g], senders.src_col[g], -1, -1)
        total += senders.rate[g] * senders.tree[g]
    return total
