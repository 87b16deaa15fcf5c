"""Sets of cores on the board's mesh: a compact region to use, and how to halve it.

Cores of one tile share a router (0 hops apart), so a region is grown tile by tile: chips in
order of their distance from chip 0 (the host port is at core 0), and within a chip in square
shells from the corner nearest the chips already taken. Halving a region cuts between chips
first (inter-chip links are the dearest), then across the longer side of the tiles' bounding
box, and only inside a single tile between its cores.
"""
from __future__ import annotations

import numpy as np

from .routing import board_tiles


def tile_of(target, cores) -> np.ndarray:
    return np.asarray(cores) // target.chip.cores_per_tile


def compact_cores(target, k: int) -> np.ndarray:
    """``k`` core indices forming a compact region that contains core 0."""
    cpt, per_chip = target.chip.cores_per_tile, target.chip.cores
    n_chips = -(-k // per_chip)
    chips = np.arange(target.board.chips)
    b_row, b_col = target.chip_position(chips)
    chip_order = chips[np.lexsort((b_row, b_row + b_col, np.maximum(b_row, b_col)))][:n_chips]
    tiles_needed = -(-k // cpt)
    chosen: list[np.ndarray] = []
    for chip in chip_order:
        tiles = chip * target.tiles_per_chip + np.arange(target.tiles_per_chip)
        rows, cols = board_tiles(target, tiles * cpt)
        if chosen:
            taken = np.concatenate(chosen)
            t_rows, t_cols = board_tiles(target, taken * cpt)
            dist = (np.abs(rows[:, None] - t_rows[None, :]) + np.abs(cols[:, None] - t_cols[None, :])).min(axis=1)
        else:
            dist = np.maximum(rows, cols)
        local_r, local_c = rows % target.chip.mesh_rows, cols % target.chip.mesh_cols
        order = np.lexsort((local_c, local_r, local_r + local_c, dist))
        remaining = tiles_needed - sum(c.size for c in chosen)
        chosen.append(tiles[order][:remaining])
    tiles = np.concatenate(chosen)
    cores = (tiles[:, None] * cpt + np.arange(cpt)[None, :]).ravel()
    return cores[:k]


def halve(target, cores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a region into two compact halves of about equal core counts."""
    tiles = tile_of(target, cores)
    unique_tiles = np.unique(tiles)
    if unique_tiles.size == 1:
        half = cores.size // 2
        return cores[:half], cores[half:]
    rows, cols = board_tiles(target, unique_tiles * target.chip.cores_per_tile)
    chip = unique_tiles // target.tiles_per_chip
    counts = np.array([np.count_nonzero(tiles == t) for t in unique_tiles])
    if np.unique(chip).size > 1:
        b_row, b_col = target.chip_position(chip)
        span_r = np.ptp(b_row)
        key = (b_row, b_col) if span_r >= np.ptp(b_col) else (b_col, b_row)
        order = np.lexsort((cols, rows, key[1], key[0]))
        group = np.stack(key)[:, order]
        starts = np.flatnonzero(np.r_[True, np.any(group[:, 1:] != group[:, :-1], axis=0)])
    else:
        if np.ptp(rows) >= np.ptp(cols):
            order = np.lexsort((cols, rows))
            line = rows[order]
        else:
            order = np.lexsort((rows, cols))
            line = cols[order]
        # Prefer cutting between whole rows/columns of tiles; fall back to any tile boundary.
        starts = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
        if starts.size < 2:
            starts = np.arange(order.size)
    cum = np.r_[0, np.cumsum(counts[order])]
    cut_points = cum[starts[1:]]
    best = starts[1:][np.argmin(np.abs(cut_points - cores.size / 2))]
    first = set(unique_tiles[order][:best].tolist())
    in_first = np.array([t in first for t in tiles])
    return cores[in_first], cores[~in_first]
