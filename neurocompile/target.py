"""Chip target descriptions: the TOML files in ``targets/``, loaded into frozen dataclasses.

A target says what the compiler may assume about a chip: the mesh of cores, the per-core
resource limits, the integer number formats, the neuron models that run on it and the energy and
time each operation costs. The built-in targets are ``emu`` (our emulator) and ``lava`` (Loihi-like
limits for Lava emission). A user describes another chip by writing a TOML file in the same
layout and passing its path to :func:`load_target`.

Layout of a target file (each section maps onto one dataclass below, each key onto one field)::

    format_version = 1            # optional, only 1 exists
    backend = "emu"               # "emu" or "lava"
    name = "emu"
    description = "..."
    [chip]       ChipGeometry     mesh of tiles on one chip, cores per tile
    [board]      BoardGeometry    mesh of chips, cost of crossing an inter-chip link
    [core]       CoreLimits       neurons, fan-in axons, synapse entries ... per core
    [precision]  Precision        bit widths and exponent ranges of the integer formats
    [models]     ModelSupport     neuron models the backend runs
    [adex]       AdExTable        exp() lookup table; required iff the target runs AdEx
    [energy]     EnergyCosts      pJ per operation
    [time]       TimeCosts        ns per operation

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

Every validation failure raises :class:`~neurocompile.errors.TargetError`. Its message names the
file, the ``section.key``, the offending value and the rule. Unknown sections and keys are
rejected, never ignored.
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .errors import TargetError, describe_value, invalid, unknown_names

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser under another name
    import tomli as tomllib

__all__ = [
    "AdExTable",
    "BACKENDS",
    "BoardGeometry",
    "ChipGeometry",
    "CoreLimits",
    "CoreLocation",
    "EnergyCosts",
    "FORMAT_VERSION",
    "Hops",
    "KNOWN_MODELS",
    "ModelSupport",
    "Precision",
    "Target",
    "TimeCosts",
    "available_targets",
    "load_target",
]

FORMAT_VERSION = 1
BACKENDS = ("emu", "lava")
# Model names as registered in neurocompile.models.MODELS. They are repeated here so that this
# module does not import the models; a test checks that the two lists agree.
KNOWN_MODELS = ("LIF", "LI", "AdEx")


# --------------------------------------------------------------------------------------------
# Field specifications: each dataclass field carries its type rule in its metadata, and one
# generic checker (_check_value) enforces them.

def _spec(kind: str, doc: str, *, lo=None, hi=None, default=MISSING):
    """A dataclass field described by ``kind`` ("int", "float", "str", "names") and bounds."""
    meta = {"kind": kind, "doc": doc, "lo": lo, "hi": hi}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


_KIND_TEXT = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "names": "a list of strings",
}


def _expected_text(kind: str, lo, hi) -> str:
    """What a field accepts, e.g. ``an integer >= 1``."""
    noun = _KIND_TEXT[kind]
    if lo is not None and hi is not None:
        return f"{noun} in {lo}..{hi}"
    if lo is not None:
        return f"{noun} >= {lo}"
    if hi is not None:
        return f"{noun} <= {hi}"
    return noun


def _range_text(kind: str, lo, hi) -> str:
    return "must be " + _expected_text(kind, lo, hi)


def _type_name(value) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def _check_value(obj: str, param: str, value, meta: dict):
    """Return ``value`` converted to the field's Python type, or raise a TargetError."""
    kind, lo, hi = meta["kind"], meta["lo"], meta["hi"]
    rule = _range_text(kind, lo, hi)
    wrong_type = invalid(obj, param, value, f"{rule} (got a {_type_name(value)})", cls=TargetError)
    if kind == "int":
        # bool is a subclass of int in Python, but `neurons = true` is a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong_type
    elif kind == "float":
        # An integer where a number is expected is fine (`hop_east_west_pj = 3`).
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong_type
        value = float(value)
        if not math.isfinite(value):
            raise invalid(obj, param, value, f"{rule} and finite", cls=TargetError)
    elif kind == "str":
        if not isinstance(value, str):
            raise wrong_type
        return value
    elif kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong_type
        return tuple(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise invalid(obj, param, value, rule, cls=TargetError)
    return value


# --------------------------------------------------------------------------------------------
# Sections

@dataclass(frozen=True)
class ChipGeometry:
    """Mesh of one chip: ``mesh_rows x mesh_cols`` tiles (routers), each with ``cores_per_tile`` cores.

    ``cores`` repeats the product ``mesh_rows * mesh_cols * cores_per_tile``. The loader checks
    that they agree, which catches a mesh edited without updating the core count.
    """

    mesh_rows: int = _spec("int", "tile rows of the on-chip mesh", lo=1)
    mesh_cols: int = _spec("int", "tile columns of the on-chip mesh", lo=1)
    cores_per_tile: int = _spec("int", "cores sharing one router", lo=1)
    cores: int = _spec("int", "cores per chip (= mesh_rows * mesh_cols * cores_per_tile)", lo=1)


@dataclass(frozen=True)
class BoardGeometry:
    """Chips on a board: ``chip_rows x chip_cols`` chips joined by inter-chip links.

    ``inter_chip_link_cost`` is the placement cost of crossing one inter-chip link, relative to
    one on-chip hop (dimensionless). ``chip_rows`` and ``chip_cols`` default to 1, so a
    one-chip board needs only ``chips = 1``.
    """

    chips: int = _spec("int", "chips on the board (= chip_rows * chip_cols)", lo=1)
    inter_chip_link_cost: float = _spec(
        "float", "placement cost of one inter-chip link relative to one on-chip hop", lo=0)
    chip_rows: int = _spec("int", "rows of the board's chip mesh", lo=1, default=1)
    chip_cols: int = _spec("int", "columns of the board's chip mesh", lo=1, default=1)


@dataclass(frozen=True)
class CoreLimits:
    """Resources of one core; placement must keep every core within them.

    * ``neurons``: neurons (compartments) mapped to the core.
    * ``fanin_axons``: distinct presynaptic sources with at least one synapse into the core.
    * ``synapse_entries``: synapses stored in the core's synaptic memory.
    * ``fanout_axons``: optional; distinct (source neuron, destination core) routing entries
      leaving the core. ``None`` means no limit.
    * ``neuron_parameter_sets``: optional; distinct neuron parameter combinations the core can
      hold (chips with shared parameter tables). ``None`` means parameters are per neuron.
    """

    neurons: int = _spec("int", "neurons per core", lo=1)
    fanin_axons: int = _spec("int", "distinct presynaptic sources per core", lo=1)
    synapse_entries: int = _spec("int", "synapses stored per core", lo=1)
    fanout_axons: int | None = _spec(
        "int", "routing entries (source neuron, destination core) per core", lo=1, default=None)
    neuron_parameter_sets: int | None = _spec(
        "int", "distinct neuron parameter sets per core", lo=1, default=None)


@dataclass(frozen=True)
class Precision:
    """Integer number formats of the chip. All widths are in bits.

    * ``weight_mantissa_bits``: signed two's-complement width of a synaptic weight mantissa,
      including the sign bit (9 gives -256..255). At least 2, so that a sign fits. The weight is
      ``mantissa * 2**exponent``. Each connection shares one exponent in
      ``weight_exponent_min..weight_exponent_max``.
    * ``state_bits``: width of the signed current and voltage registers (24 on Loihi). They
      wrap modulo ``2**state_bits``.
    * ``decay_bits``: width of the decay constants. A decay ``d`` multiplies the state by
      ``1 - d / 2**decay_bits`` per step. Loihi and Lava use 12; 4..16 is accepted, for
      exploring other chips.
    * ``alignment_shift_bits``: left shift that aligns synaptic input and the threshold
      mantissa with the most significant bits of the state (6 on Loihi).
    * ``threshold_mantissa_bits``: unsigned threshold mantissa; the effective threshold is
      ``mantissa << alignment_shift_bits``.
    * ``bias_mantissa_bits``: signed width including sign. The bias is
      ``mantissa * 2**exponent`` with exponent in ``bias_exponent_min..bias_exponent_max``.
    * ``refractory_counter_bits``: the refractory period may be at most
      ``2**refractory_counter_bits - 1`` steps.
    * ``max_delay_steps``: longest synaptic delay, in time steps.
    """

    weight_mantissa_bits: int = _spec("int", "signed weight mantissa width incl. sign", lo=2, hi=16)
    weight_exponent_min: int = _spec("int", "smallest shared weight exponent", lo=-32, hi=32)
    weight_exponent_max: int = _spec("int", "largest shared weight exponent", lo=-32, hi=32)
    state_bits: int = _spec("int", "signed width of current and voltage", lo=8, hi=32)
    decay_bits: int = _spec("int", "width of decay constants (Loihi: 12)", lo=4, hi=16)
    alignment_shift_bits: int = _spec(
        "int", "left shift of synaptic input and threshold into the state", lo=0, hi=24)
    threshold_mantissa_bits: int = _spec("int", "unsigned threshold mantissa width", lo=1, hi=31)
    bias_mantissa_bits: int = _spec("int", "signed bias mantissa width incl. sign", lo=2, hi=32)
    bias_exponent_min: int = _spec("int", "smallest bias exponent", lo=-32, hi=32)
    bias_exponent_max: int = _spec("int", "largest bias exponent", lo=-32, hi=32)
    refractory_counter_bits: int = _spec("int", "width of the refractory counter", lo=1, hi=16)
    max_delay_steps: int = _spec("int", "longest synaptic delay in steps", lo=0, hi=65535)

    @property
    def weight_mantissa_range(self) -> tuple[int, int]:
        """Smallest and largest weight mantissa (inclusive)."""
        half = 1 << (self.weight_mantissa_bits - 1)
        return -half, half - 1

    @property
    def bias_mantissa_range(self) -> tuple[int, int]:
        """Smallest and largest bias mantissa (inclusive)."""
        half = 1 << (self.bias_mantissa_bits - 1)
        return -half, half - 1

    @property
    def threshold_mantissa_max(self) -> int:
        """Largest threshold mantissa."""
        return (1 << self.threshold_mantissa_bits) - 1

    @property
    def state_range(self) -> tuple[int, int]:
        """Smallest and largest value of a current or voltage register."""
        half = 1 << (self.state_bits - 1)
        return -half, half - 1

    @property
    def decay_unity(self) -> int:
        """Decay constant meaning "decay fully in one step" (``2**decay_bits``)."""
        return 1 << self.decay_bits

    @property
    def max_refractory_steps(self) -> int:
        """Longest refractory period in steps."""
        return (1 << self.refractory_counter_bits) - 1


@dataclass(frozen=True)
class ModelSupport:
    """Neuron models the backend runs.

    ``native``: models that run in integer arithmetic on the cores, and are bit-exact between
    backends. ``custom_process``: models that only the ``lava`` backend runs, as custom
    floating-point Lava processes. They are not bit-exact and not chip-mappable.
    """

    native: tuple[str, ...] = _spec("names", "models that run natively on the cores")
    custom_process: tuple[str, ...] = _spec(
        "names", "models run as custom Lava processes (lava backend only)", default=())


@dataclass(frozen=True)
class AdExTable:
    """Lookup table for the exponential term of AdEx on the emulator.

    The table holds ``exp(x)`` at ``exp_table_entries`` evenly spaced points of
    ``exp_input_min..exp_input_max``, where ``x = (V - V_T) / delta_T`` is dimensionless. Inputs
    below the range use the first entry; above it the exponential term saturates the voltage
    register so that the neuron spikes in that step (docs/chip.md section 5.3).
    """

    exp_table_entries: int = _spec("int", "points of the exp() table", lo=2, hi=1 << 20)
    exp_input_min: float = _spec("float", "smallest tabulated (V - V_T) / delta_T")
    exp_input_max: float = _spec("float", "largest tabulated (V - V_T) / delta_T")

    @property
    def exp_input_step(self) -> float:
        """Spacing of the table's sample points (dimensionless)."""
        return (self.exp_input_max - self.exp_input_min) / (self.exp_table_entries - 1)


@dataclass(frozen=True)
class EnergyCosts:
    """Energy per operation, in pJ (>= 0).

    * ``synaptic_op_pj``: one synapse processing one incoming spike.
    * ``neuron_update_active_pj`` / ``neuron_update_inactive_pj``: one neuron's update in one
      step, when the neuron is active (receives input or spikes) / inactive.
    * ``spike_within_tile_pj``: paid once by every spike message.
    * ``hop_east_west_pj``, ``hop_north_south_pj``, ``hop_inter_chip_pj``: each hop a spike
      message takes.
    """

    synaptic_op_pj: float = _spec("float", "pJ per synaptic operation", lo=0)
    neuron_update_active_pj: float = _spec("float", "pJ per active neuron update", lo=0)
    neuron_update_inactive_pj: float = _spec("float", "pJ per inactive neuron update", lo=0)
    spike_within_tile_pj: float = _spec("float", "pJ per spike message within a tile", lo=0)
    hop_east_west_pj: float = _spec("float", "pJ per east-west router hop", lo=0)
    hop_north_south_pj: float = _spec("float", "pJ per north-south router hop", lo=0)
    hop_inter_chip_pj: float = _spec("float", "pJ per inter-chip link crossing", lo=0)


@dataclass(frozen=True)
class TimeCosts:
    """Time per operation, in ns (>= 0). The meanings match :class:`EnergyCosts`.

    The end-of-step barrier takes
    ``barrier_base_ns + barrier_per_tile_ns * (tiles - 1)`` ns; see :meth:`Target.barrier_ns`.
    """

    synaptic_op_ns: float = _spec("float", "ns per synaptic operation", lo=0)
    neuron_update_active_ns: float = _spec("float", "ns per active neuron update", lo=0)
    neuron_update_inactive_ns: float = _spec("float", "ns per inactive neuron update", lo=0)
    spike_within_tile_ns: float = _spec("float", "ns per spike message within a tile", lo=0)
    hop_east_west_ns: float = _spec("float", "ns per east-west router hop", lo=0)
    hop_north_south_ns: float = _spec("float", "ns per north-south router hop", lo=0)
    hop_inter_chip_ns: float = _spec("float", "ns per inter-chip link crossing", lo=0)
    barrier_base_ns: float = _spec("float", "ns of the end-of-step barrier over one tile", lo=0)
    barrier_per_tile_ns: float = _spec("float", "extra barrier ns per additional tile", lo=0)


# Section name -> (dataclass, required?)
_SECTIONS: dict[str, tuple[type, bool]] = {
    "chip": (ChipGeometry, True),
    "board": (BoardGeometry, True),
    "core": (CoreLimits, True),
    "precision": (Precision, True),
    "models": (ModelSupport, True),
    "adex": (AdExTable, False),
    "energy": (EnergyCosts, True),
    "time": (TimeCosts, True),
}
_TOP_LEVEL_KEYS = ("format_version", "backend", "name", "description")


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


# --------------------------------------------------------------------------------------------
# Target

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
        h, e = self.hops(src_core, dst_core), self.energy
        energy = (e.spike_within_tile_pj + e.hop_east_west_pj * np.asarray(h.east_west, dtype=float)
                  + e.hop_north_south_pj * np.asarray(h.north_south, dtype=float)
                  + e.hop_inter_chip_pj * np.asarray(h.inter_chip, dtype=float))
        return float(energy) if np.ndim(energy) == 0 else energy

    def spike_latency_ns(self, src_core, dst_core):
        """Latency (ns) of one spike message from ``src_core`` to ``dst_core``."""
        h, t = self.hops(src_core, dst_core), self.time
        latency = (t.spike_within_tile_ns + t.hop_east_west_ns * np.asarray(h.east_west, dtype=float)
                   + t.hop_north_south_ns * np.asarray(h.north_south, dtype=float)
                   + t.hop_inter_chip_ns * np.asarray(h.inter_chip, dtype=float))
        return float(latency) if np.ndim(latency) == 0 else latency

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

    # ---- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain nested dict in the layout of a target file (for saving in compiled programs).

        Optional fields that are unset (``None``) are left out, as TOML has no null.
        """
        out: dict[str, Any] = {
            "format_version": self.format_version,
            "backend": self.backend,
            "name": self.name,
            "description": self.description,
        }
        for section in _SECTIONS:
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
        return _parse(data, source)


# --------------------------------------------------------------------------------------------
# Parsing and validation

def _parse_section(obj: str, section: str, table, spec_cls: type):
    if not isinstance(table, dict):
        raise invalid(obj, f"[{section}]", table,
                      f"must be a table (a [{section}] header followed by key = value lines)",
                      cls=TargetError)
    allowed = {f.name: f for f in fields(spec_cls)}
    unknown = set(table) - set(allowed)
    if unknown:
        raise unknown_names(obj, f"key in [{section}]", unknown, allowed, cls=TargetError)
    values = {}
    for name, f in allowed.items():
        param = f"{section}.{name}"
        if name not in table:
            if f.default is MISSING:
                meta = f.metadata
                raise TargetError(
                    f"{obj}: missing required key {param} "
                    f"({meta['doc']}; {_expected_text(meta['kind'], meta['lo'], meta['hi'])})"
                )
            continue
        values[name] = _check_value(obj, param, table[name], f.metadata)
    return spec_cls(**values)


def _require_str(obj: str, data: dict, key: str) -> str:
    if key not in data:
        raise TargetError(f"{obj}: missing required key {key} (a string)")
    value = data[key]
    if not isinstance(value, str):
        raise invalid(obj, key, value, f"must be a string (got a {_type_name(value)})",
                      cls=TargetError)
    return value


def _check_model_names(obj: str, param: str, names: tuple[str, ...]) -> None:
    unknown = set(names) - set(KNOWN_MODELS)
    if unknown:
        raise unknown_names(obj, f"model in {param}", unknown, KNOWN_MODELS, cls=TargetError)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise invalid(obj, param, list(names), f"lists {', '.join(duplicates)} more than once",
                      cls=TargetError)


def _parse(data, source: str) -> Target:
    obj = f"target {source}"
    if not isinstance(data, dict):
        raise TargetError(f"{obj}: must be a table of sections, got {_type_name(data)}")

    unknown = set(data) - set(_SECTIONS) - set(_TOP_LEVEL_KEYS)
    if unknown:
        raise unknown_names(obj, "top-level section or key", unknown,
                            list(_SECTIONS) + list(_TOP_LEVEL_KEYS), cls=TargetError)

    version = data.get("format_version", FORMAT_VERSION)
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise invalid(obj, "format_version", version,
                      f"is not supported; this neurocompile reads format_version = {FORMAT_VERSION}",
                      cls=TargetError)
    backend = _require_str(obj, data, "backend")
    if backend not in BACKENDS:
        raise unknown_names(obj, "backend", [backend], BACKENDS, cls=TargetError)
    name = _require_str(obj, data, "name")
    if not name.strip():
        raise invalid(obj, "name", name, "must not be empty", cls=TargetError)
    description = _require_str(obj, data, "description")

    sections = {}
    for section, (spec_cls, required) in _SECTIONS.items():
        if section not in data:
            if required:
                raise TargetError(f"{obj}: missing required section [{section}]")
            sections[section] = None
            continue
        sections[section] = _parse_section(obj, section, data[section], spec_cls)

    _check_consistency(obj, backend, sections)
    return Target(backend=backend, name=name, description=description,
                  format_version=FORMAT_VERSION, source=source, **sections)


def _check_consistency(obj: str, backend: str, s: dict) -> None:
    """Rules that relate several keys."""
    chip, board, prec, models = s["chip"], s["board"], s["precision"], s["models"]

    product = chip.mesh_rows * chip.mesh_cols * chip.cores_per_tile
    if chip.cores != product:
        raise invalid(obj, "chip.cores", chip.cores,
                      f"must equal chip.mesh_rows * chip.mesh_cols * chip.cores_per_tile = "
                      f"{chip.mesh_rows} * {chip.mesh_cols} * {chip.cores_per_tile} = {product}",
                      cls=TargetError)
    if board.chips != board.chip_rows * board.chip_cols:
        raise invalid(obj, "board.chips", board.chips,
                      f"must equal board.chip_rows * board.chip_cols = {board.chip_rows} * "
                      f"{board.chip_cols} = {board.chip_rows * board.chip_cols} "
                      f"(chip_rows and chip_cols default to 1)", cls=TargetError)

    for what in ("weight", "bias"):
        low = getattr(prec, f"{what}_exponent_min")
        high = getattr(prec, f"{what}_exponent_max")
        if low > high:
            raise invalid(obj, f"precision.{what}_exponent_min", low,
                          f"must be <= precision.{what}_exponent_max = {high}", cls=TargetError)
    # The effective threshold (mantissa << shift) must be a positive value of the signed state.
    threshold_bits = prec.threshold_mantissa_bits + prec.alignment_shift_bits
    if threshold_bits > prec.state_bits - 1:
        raise invalid(obj, "precision.threshold_mantissa_bits", prec.threshold_mantissa_bits,
                      f"plus precision.alignment_shift_bits = {prec.alignment_shift_bits} must be "
                      f"<= precision.state_bits - 1 = {prec.state_bits - 1}, so that the "
                      f"threshold fits in the signed state", cls=TargetError)
    # One synaptic input at the largest exponent must fit in the state register.
    weight_bits = (prec.weight_mantissa_bits + prec.alignment_shift_bits
                   + max(prec.weight_exponent_max, 0))
    if weight_bits > prec.state_bits:
        raise invalid(obj, "precision.weight_mantissa_bits", prec.weight_mantissa_bits,
                      f"plus alignment_shift_bits = {prec.alignment_shift_bits} plus "
                      f"max(weight_exponent_max, 0) = {max(prec.weight_exponent_max, 0)} must be "
                      f"<= precision.state_bits = {prec.state_bits}, so that one synaptic input "
                      f"fits in the state", cls=TargetError)
    bias_bits = prec.bias_mantissa_bits + max(prec.bias_exponent_max, 0)
    if bias_bits > prec.state_bits:
        raise invalid(obj, "precision.bias_mantissa_bits", prec.bias_mantissa_bits,
                      f"plus max(bias_exponent_max, 0) = {max(prec.bias_exponent_max, 0)} must be "
                      f"<= precision.state_bits = {prec.state_bits}, so that the bias fits in "
                      f"the state", cls=TargetError)

    _check_model_names(obj, "models.native", models.native)
    _check_model_names(obj, "models.custom_process", models.custom_process)
    if not models.native:
        raise invalid(obj, "models.native", [], "must list at least one model", cls=TargetError)
    both = sorted(set(models.native) & set(models.custom_process))
    if both:
        raise invalid(obj, "models.custom_process", list(models.custom_process),
                      f"must not repeat native models ({', '.join(both)})", cls=TargetError)
    if models.custom_process and backend != "lava":
        raise invalid(obj, "models.custom_process", list(models.custom_process),
                      f"must be empty for backend '{backend}' (only the lava backend runs "
                      f"custom processes)", cls=TargetError)

    adex = s["adex"]
    # A custom AdEx process runs the chip's own integer AdEx, table included.
    runs_adex = "AdEx" in models.native or "AdEx" in models.custom_process
    if runs_adex and adex is None:
        raise TargetError(f"{obj}: missing section [adex] (exp_table_entries, exp_input_min, "
                          f"exp_input_max), required because the target runs AdEx")
    if adex is not None and not runs_adex:
        raise TargetError(f"{obj}: section [adex] is only meaningful when models.native or "
                          f"models.custom_process lists AdEx (models.native = "
                          f"{describe_value(list(models.native))}); remove it or add AdEx")
    if adex is not None and adex.exp_input_min >= adex.exp_input_max:
        raise invalid(obj, "adex.exp_input_min", adex.exp_input_min,
                      f"must be < adex.exp_input_max = {adex.exp_input_max:g}", cls=TargetError)


# --------------------------------------------------------------------------------------------
# Finding and loading files

def _builtin_dirs() -> list:
    """Directories holding built-in targets: the installed package data first, then the source tree."""
    dirs = []
    try:
        from importlib.resources import files

        packaged = files("neurocompile") / "_targets"
        if packaged.is_dir():
            dirs.append(packaged)
    except Exception:  # noqa: BLE001 - e.g. namespace packages on old importlib; use the fallback
        pass
    source_tree = Path(__file__).resolve().parents[1] / "targets"
    if source_tree.is_dir():
        dirs.append(source_tree)
    return dirs


def _builtin_files() -> dict:
    """Built-in target name -> file (Traversable or Path); package data wins over the source tree."""
    found: dict = {}
    for directory in _builtin_dirs():
        for entry in directory.iterdir():
            if entry.name.endswith(".toml") and entry.is_file():
                found.setdefault(entry.name[: -len(".toml")], entry)
    return found


def available_targets() -> list[str]:
    """Names of the built-in targets, sorted."""
    return sorted(_builtin_files())


def _parse_text(text: str, source: str) -> Target:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # message carries "(at line L, column C)"
        raise TargetError(f"target {source}: invalid TOML: {exc}") from None
    return _parse(data, source)


def _load_path(path: Path) -> Target:
    source = f"file '{path}'"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TargetError(f"target {source}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TargetError(f"target {source}: is not UTF-8 text ({exc.reason} at byte "
                          f"{exc.start}); TOML files must be UTF-8") from None
    return _parse_text(text, source)


def load_target(name_or_path: str | os.PathLike = "emu") -> Target:
    """Load and validate a target.

    ``name_or_path`` is either the bare name of a built-in target (``"emu"``, ``"lava"``; see
    :func:`available_targets`) or the path of a TOML file. A ``str`` is read as a path if it ends
    in ``.toml`` or contains a directory separator. A bare name that is not built in, but names
    an existing file, loads that file. A ``pathlib.Path`` is always read as a path.
    """
    if isinstance(name_or_path, os.PathLike):
        text = os.fspath(name_or_path)
        is_path = True
    elif isinstance(name_or_path, str):
        text = name_or_path
        is_path = text.endswith(".toml") or "/" in text or os.sep in text
    else:
        raise invalid("load_target", "name_or_path", name_or_path,
                      "must be a target name or a path to a .toml file", cls=TargetError)

    builtins = _builtin_files()
    listing = ", ".join(sorted(builtins)) or "none found"
    if not is_path:
        if text in builtins:
            entry = builtins[text]
            return _parse_text(entry.read_text(encoding="utf-8"), f"'{text}' (built-in, {entry})")
        if Path(text).is_file():
            return _load_path(Path(text))
        unknown = unknown_names("load_target", "target", [text], builtins, cls=TargetError)
        raise TargetError(f"{unknown}; or give the path of a .toml file")
    path = Path(text).expanduser()
    if not path.is_file():
        reason = "is a directory, not a file" if path.is_dir() else "not found"
        raise TargetError(f"target file '{path}' {reason}; built-in targets: {listing}")
    return _load_path(path)
