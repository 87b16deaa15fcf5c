"""A validated chip description (:class:`Target`) and the geometry and costs it answers.

Geometry. A chip is a ``mesh_rows x mesh_cols`` grid of tiles. Each tile holds ``cores_per_tile``
cores and one router. A board is a ``chip_rows x chip_cols`` grid of chips. Cores are numbered
chip by chip, row-major over tiles, then by slot within the tile::

    core = ((chip * mesh_rows + row) * mesh_cols + col) * cores_per_tile + slot
    chip = board_row * chip_cols + board_col

Spikes are routed over one mesh spanning the whole board, first along a row and then along a
column. East-west hops move along a row (column index changes); north-south hops move along a
column. A step that crosses a chip boundary counts as one inter-chip hop instead of an on-chip
hop. Cost convention: every spike message pays ``spike_within_tile`` once, plus the cost of each
hop it takes (see :meth:`Target.spike_energy_pj`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from ..errors import BuildError, TargetError, invalid
from .layout import FORMAT_VERSION, SECTIONS, TOP_LEVEL_KEYS
from .precision import Precision
from .sections import (AdExTable, BoardGeometry, ChipGeometry, CoreLimits, EnergyCosts, HHGateTables,
                       LearningEngine, ModelSupport, TimeCosts)

__all__ = ["CoreLocation", "Hops", "Target"]


class CoreLocation(NamedTuple):
    """Where a core sits: chip index on the board, tile row and column on the chip, slot in the tile."""

    chip: Any
    row: Any
    col: Any
    slot: Any


class Hops(NamedTuple):
    """Router hops a spike takes between two cores (integers, or arrays for array input)."""

    east_west: Any
    north_south: Any
    inter_chip: Any


@dataclass(frozen=True)
class Target:
    """A validated chip description. Build it with :func:`load_target` or :meth:`Target.from_dict`.

    ``source`` records where the target came from (file path or ``"<dict>"``). It is not part
    of :meth:`to_dict` and is ignored by ``==``.
    """

    backend: str
    name: str
    description: str
    chip: ChipGeometry
    board: BoardGeometry
    core: CoreLimits
    precision: Precision
    models: ModelSupport
    adex: AdExTable | None
    energy: EnergyCosts
    time: TimeCosts
    hh: HHGateTables | None = None
    learning: LearningEngine | None = None
    format_version: int = FORMAT_VERSION
    source: str = field(default="<dict>", compare=False)

    # ---- sizes --------------------------------------------------------------------------
    @property
    def cores_per_chip(self) -> int:
        """Cores on one chip."""
        return self.chip.cores

    @property
    def tiles_per_chip(self) -> int:
        """Tiles (routers) on one chip."""
        return self.chip.mesh_rows * self.chip.mesh_cols

    @property
    def total_cores(self) -> int:
        """Cores on the whole board."""
        return self.chip.cores * self.board.chips

    @property
    def total_tiles(self) -> int:
        """Tiles on the whole board."""
        return self.tiles_per_chip * self.board.chips

    @property
    def max_neurons(self) -> int:
        """Neurons the whole board can hold if every core is full."""
        return self.total_cores * self.core.neurons

    def summary(self) -> str:
        """One line for logs and the command line."""
        return (
            f"{self.name} ({self.backend}): {self.board.chips} chip(s) x {self.chip.cores} cores "
            f"= {self.total_cores} cores, {self.core.neurons} neurons/core, "
            f"{self.core.synapse_entries} synapses/core"
        )

    # ---- geometry -----------------------------------------------------------------------
    def _check_cores(self, core_index):
        cores = np.asarray(core_index)
        if cores.dtype.kind not in "iu":
            raise invalid(f"target '{self.name}'", "core_index", core_index,
                          "must be an integer or an integer array", cls=TargetError)
        if cores.size and (cores.min() < 0 or cores.max() >= self.total_cores):
            raise invalid(f"target '{self.name}'", "core_index", core_index,
                          f"must be in 0..{self.total_cores - 1}", cls=TargetError)
        return cores

    def core_location(self, core_index) -> CoreLocation:
        """Chip, tile row, tile column and slot of a core index (int or integer array)."""
        cores = self._check_cores(core_index)
        slot = cores % self.chip.cores_per_tile
        tile = cores // self.chip.cores_per_tile
        col = tile % self.chip.mesh_cols
        row = (tile // self.chip.mesh_cols) % self.chip.mesh_rows
        chip = tile // self.tiles_per_chip
        if cores.ndim == 0:
            return CoreLocation(int(chip), int(row), int(col), int(slot))
        return CoreLocation(chip, row, col, slot)

    def core_index(self, chip, row, col, slot=0):
        """Inverse of :meth:`core_location` (ints or integer arrays)."""
        index = ((np.asarray(chip) * self.chip.mesh_rows + np.asarray(row)) * self.chip.mesh_cols
                 + np.asarray(col)) * self.chip.cores_per_tile + np.asarray(slot)
        return int(index) if np.ndim(index) == 0 else index

    def chip_position(self, chip_index):
        """(board_row, board_col) of a chip index (int or integer array)."""
        chips = np.asarray(chip_index)
        if chips.size and (chips.min() < 0 or chips.max() >= self.board.chips):
            raise invalid(f"target '{self.name}'", "chip_index", chip_index,
                          f"must be in 0..{self.board.chips - 1}", cls=TargetError)
        board_row, board_col = chips // self.board.chip_cols, chips % self.board.chip_cols
        if chips.ndim == 0:
            return int(board_row), int(board_col)
        return board_row, board_col

    def _global_tile(self, core_index):
        """Board-wide tile coordinates (row, col) and chip coordinates of cores."""
        chip, row, col, _ = self.core_location(core_index)
        board_row, board_col = self.chip_position(chip)
        return (np.asarray(board_row) * self.chip.mesh_rows + row,
                np.asarray(board_col) * self.chip.mesh_cols + col,
                np.asarray(board_row), np.asarray(board_col))

    def hops(self, src_core, dst_core) -> Hops:
        """Hops of a spike from ``src_core`` to ``dst_core`` (ints or broadcastable arrays).

        Cores in the same tile are 0 hops apart.
        """
        src_row, src_col, src_brow, src_bcol = self._global_tile(src_core)
        dst_row, dst_col, dst_brow, dst_bcol = self._global_tile(dst_core)
        inter_row = np.abs(src_brow - dst_brow)
        inter_col = np.abs(src_bcol - dst_bcol)
        east_west = np.abs(src_col - dst_col) - inter_col
        north_south = np.abs(src_row - dst_row) - inter_row
        inter_chip = inter_row + inter_col
        if np.ndim(east_west) == 0:
            return Hops(int(east_west), int(north_south), int(inter_chip))
        return Hops(east_west, north_south, inter_chip)

    def route_cost(self, src_core, dst_core):
        """Placement cost of a spike route: on-chip hops + inter_chip_link_cost per inter-chip hop."""
        h = self.hops(src_core, dst_core)
        cost = np.asarray(h.east_west + h.north_south, dtype=float) \
            + self.board.inter_chip_link_cost * np.asarray(h.inter_chip, dtype=float)
        return float(cost) if cost.ndim == 0 else cost

    def spike_energy_pj(self, src_core, dst_core):
        """Energy (pJ) of one spike message from ``src_core`` to ``dst_core``.

        This is the within-tile cost plus the cost of each hop; the synaptic operations at the
        destination are not included.
        """
        e = self.energy
        return self._spike_cost(src_core, dst_core, e.spike_within_tile_pj, e.hop_east_west_pj,
                                e.hop_north_south_pj, e.hop_inter_chip_pj)

    def spike_latency_ns(self, src_core, dst_core):
        """Latency (ns) of one spike message from ``src_core`` to ``dst_core``."""
        t = self.time
        return self._spike_cost(src_core, dst_core, t.spike_within_tile_ns, t.hop_east_west_ns,
                                t.hop_north_south_ns, t.hop_inter_chip_ns)

    def _spike_cost(self, src_core, dst_core, within_tile, east_west, north_south, inter_chip):
        """``within_tile`` once, plus the cost per hop of each kind times the hops of that kind."""
        h = self.hops(src_core, dst_core)
        cost = (within_tile + east_west * np.asarray(h.east_west, dtype=float)
                + north_south * np.asarray(h.north_south, dtype=float)
                + inter_chip * np.asarray(h.inter_chip, dtype=float))
        return float(cost) if np.ndim(cost) == 0 else cost

    def barrier_ns(self, tiles_in_use: int) -> float:
        """Duration (ns) of the end-of-step barrier over ``tiles_in_use`` tiles (linear model)."""
        if isinstance(tiles_in_use, bool) or not isinstance(tiles_in_use, (int, np.integer)) \
                or tiles_in_use < 1:
            raise invalid(f"target '{self.name}'", "tiles_in_use", tiles_in_use,
                          "must be an integer >= 1", cls=TargetError)
        return self.time.barrier_base_ns + self.time.barrier_per_tile_ns * (int(tiles_in_use) - 1)

    # ---- models -------------------------------------------------------------------------
    def model_support(self, model_name: str) -> str | None:
        """``"native"``, ``"custom_process"`` or ``None`` (not supported) for a model name."""
        if model_name in self.models.native:
            return "native"
        if model_name in self.models.custom_process:
            return "custom_process"
        return None

    def require_model(self, model: str, owner: str) -> str:
        """How this target runs ``model``: ``"native"`` or ``"custom_process"``.

        ``owner`` names what needs the model, for the error (e.g. ``"Population 'exc'"``).

        Raises:
            BuildError: the target runs ``model`` neither natively nor as a custom process; the
                message names ``owner``, the model, the target and the models it does run.
        """
        how = self.model_support(model)
        if how is None:
            native = ", ".join(self.models.native) or "none"
            custom = ", ".join(self.models.custom_process) or "none"
            raise BuildError(f"{owner}: model {model} is not supported by target '{self.name}' "
                             f"(native: {native}; custom processes: {custom})")
        return how

    # ---- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain nested dict in the layout of a target file (for saving in compiled programs).

        Optional fields that are unset (``None``) are left out, as TOML has no null.
        """
        out: dict[str, Any] = {key: getattr(self, key) for key in TOP_LEVEL_KEYS}
        for section in SECTIONS:
            value = getattr(self, section)
            if value is None:
                continue
            table = {}
            for f in fields(value):
                item = getattr(value, f.name)
                if item is None:
                    continue
                table[f.name] = list(item) if isinstance(item, tuple) else item
            out[section] = table
        return out

    @classmethod
    def from_dict(cls, data: dict, source: str = "<dict>") -> "Target":
        """Validate a dict in the layout of a target file (as produced by :meth:`to_dict`)."""
        # Imported here: the validator builds Targets, so it imports this module.
        from .validate import parse_target

        return parse_target(data, source)
