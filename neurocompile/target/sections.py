"""The sections of a target file other than ``[precision]``, one frozen dataclass each.

Each field is one key of its section; its :func:`~.spec.spec_field` says the key's type, bounds
and meaning. The loader (:mod:`.validate`) builds these from the parsed TOML tables.
"""
from __future__ import annotations

from dataclasses import dataclass, make_dataclass

from .spec import spec_field

__all__ = [
    "MAX_BOARD_CORES",
    "MAX_CORE_COUNT",
    "MAX_EPOCH_LOG2",
    "AdExTable",
    "HHGateTables",
    "LearningEngine",
    "BoardGeometry",
    "ChipGeometry",
    "CoreLimits",
    "EnergyCosts",
    "ModelSupport",
    "PRICED_OPERATIONS",
    "TimeCosts",
]


#: Most cores a board may have. The largest machines built hold about 1.5e5 (Hala Point: 1152
#: Loihi 2 chips of 128 cores); placement keeps arrays per core and per tile of the board, so a
#: 10^4 x 10^4 mesh (10^8 cores, gigabytes before the first neuron is placed) is refused.
MAX_BOARD_CORES = 1 << 20
#: Largest per-core count (neurons, axons, synapse entries, parameter sets): far beyond any chip,
#: and small enough that a count times the cores of a tile or a board stays a 64-bit integer.
MAX_CORE_COUNT = (1 << 31) - 1

#: Longest learning epoch, ``2**16`` steps (``[learning] epoch_log2`` at most 16): even the
#: slowest 12-bit trace keep (4095/4096) leaves ``2**20 exp(-16) < 1`` LSB of a spike's trace
#: after 2**16 steps, so a longer epoch would only lose the pairs of its first spikes.
MAX_EPOCH_LOG2 = 16


@dataclass(frozen=True)
class ChipGeometry:
    """Mesh of one chip: ``mesh_rows x mesh_cols`` tiles (routers), each with ``cores_per_tile`` cores.

    ``cores`` repeats the product ``mesh_rows * mesh_cols * cores_per_tile``. The loader checks
    that they agree, which catches a mesh edited without updating the core count. Each count,
    and the cores of the whole board, is at most :data:`MAX_BOARD_CORES`.
    """

    mesh_rows: int = spec_field("int", "tile rows of the on-chip mesh", lo=1, hi=MAX_BOARD_CORES)
    mesh_cols: int = spec_field("int", "tile columns of the on-chip mesh", lo=1, hi=MAX_BOARD_CORES)
    cores_per_tile: int = spec_field("int", "cores sharing one router", lo=1, hi=MAX_BOARD_CORES)
    cores: int = spec_field(
        "int", "cores per chip (= mesh_rows * mesh_cols * cores_per_tile)", lo=1, hi=MAX_BOARD_CORES)


@dataclass(frozen=True)
class BoardGeometry:
    """Chips on a board: ``chip_rows x chip_cols`` chips joined by inter-chip links.

    ``inter_chip_link_cost`` is the placement cost of crossing one inter-chip link, relative to
    one on-chip hop (dimensionless). ``chip_rows`` and ``chip_cols`` default to 1, so a
    one-chip board needs only ``chips = 1``.
    """

    chips: int = spec_field("int", "chips on the board (= chip_rows * chip_cols)", lo=1, hi=MAX_BOARD_CORES)
    inter_chip_link_cost: float = spec_field(
        "float", "placement cost of one inter-chip link relative to one on-chip hop", lo=0)
    chip_rows: int = spec_field("int", "rows of the board's chip mesh", lo=1, hi=MAX_BOARD_CORES, default=1)
    chip_cols: int = spec_field("int", "columns of the board's chip mesh", lo=1, hi=MAX_BOARD_CORES, default=1)


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

    Each is at most :data:`MAX_CORE_COUNT`.
    """

    neurons: int = spec_field("int", "neurons per core", lo=1, hi=MAX_CORE_COUNT)
    fanin_axons: int = spec_field("int", "distinct presynaptic sources per core", lo=1, hi=MAX_CORE_COUNT)
    synapse_entries: int = spec_field("int", "synapses stored per core", lo=1, hi=MAX_CORE_COUNT)
    fanout_axons: int | None = spec_field(
        "int", "routing entries (source neuron, destination core) per core", lo=1, hi=MAX_CORE_COUNT,
        default=None)
    neuron_parameter_sets: int | None = spec_field(
        "int", "distinct neuron parameter sets per core", lo=1, hi=MAX_CORE_COUNT, default=None)


@dataclass(frozen=True)
class ModelSupport:
    """Neuron models the backend runs, by name (as in ``neurocompile.models.MODELS``).

    * ``native``: models that run on the chip's cores in its integer arithmetic, bit-exact
      between backends.
    * ``custom_process``: models that only the ``lava`` backend runs, as our own Lava processes
      (``neurocompile.lava``). Their Python models run the chip's integer arithmetic
      (the chip layer, ``neurocompile.chip``), so they are bit-exact with the emulator in Lava's CPU
      simulation; they have no Loihi silicon implementation, so they do not run on the chip.
    """

    native: tuple[str, ...] = spec_field("names", "models that run natively on the cores")
    custom_process: tuple[str, ...] = spec_field(
        "names", "models run as custom Lava processes (lava backend only)", default=())


@dataclass(frozen=True)
class AdExTable:
    """Lookup table for the exponential term of the chip's integer AdEx.

    The emulator and the custom Lava AdEx process both use it. The table holds ``exp(x)`` at
    ``exp_table_entries`` evenly spaced points of ``exp_input_min..exp_input_max``, where
    ``x = (V - V_T) / delta_T`` is dimensionless. Inputs below the range use the first entry;
    above it the exponential term saturates the voltage register so that the neuron spikes in
    that step (docs/chip.md section 5.3). The range lies within -64..64 (exp(-64) is 1.6e-28,
    nothing next to the leak), and ``exp(exp_input_max)`` must fit a table entry of
    ``state_bits - 1`` bits (the loader checks both).
    """

    exp_table_entries: int = spec_field("int", "points of the exp() table", lo=2, hi=1 << 20)
    exp_input_min: float = spec_field("float", "smallest tabulated (V - V_T) / delta_T", lo=-64, hi=64)
    exp_input_max: float = spec_field("float", "largest tabulated (V - V_T) / delta_T", lo=-64, hi=64)

    @property
    def exp_input_step(self) -> float:
        """Spacing of the table's sample points (dimensionless)."""
        return (self.exp_input_max - self.exp_input_min) / (self.exp_table_entries - 1)


@dataclass(frozen=True)
class HHGateTables:
    """Lookup tables of the chip's Hodgkin-Huxley gates (docs/chip.md section 5.9).

    Every core holds, for each gate m, h, n, its steady state and its per-step relaxation
    factor at ``gate_table_entries`` evenly spaced membrane potentials of
    ``gate_v_min..gate_v_max`` mV, read with linear interpolation. The compiler fills them from
    the model's rate functions and the network's ``dt``; a voltage outside the range reads the
    end entries (counted; strict mode raises), and a compile whose float run leaves the range is
    refused. 512 entries over -100..60 mV keep the squid axon's f-I curve within 1 % of float at
    dt = 0.025 ms (measured, section 5.9). The range lies within -1000..1000 mV (a volt either
    way is no membrane's; -1e308..1e308 made the compiler's scale an OverflowError).
    """

    gate_table_entries: int = spec_field("int", "points of each gate table", lo=2, hi=1 << 16)
    gate_v_min: float = spec_field("float", "lowest tabulated membrane potential, mV", lo=-1000, hi=1000)
    gate_v_max: float = spec_field("float", "highest tabulated membrane potential, mV", lo=-1000, hi=1000)


@dataclass(frozen=True)
class LearningEngine:
    """The cores' learning engine: spike-timing-dependent plasticity of plastic projections
    (docs/chip.md section 3.6). Present exactly when the target lists ``STDP`` among its models.

    * ``weight_fraction_bits``: fraction bits ``F`` of a plastic weight register below the
      weight mantissa: a synapse delivers the register rounded to its mantissa, while the
      learning rule adds changes as small as ``2**-F`` of a mantissa step. Mantissa and fraction
      together are at most 16 bits.
    * ``plastic_synapse_entries``: synapse-memory entries one plastic synapse takes (its wider
      register); placement counts them against ``core.synapse_entries``.
    * ``plastic_synapses``: plastic synapses a core's learning engine updates (its capacity).
    * ``update_pj``, ``update_ns``: energy and time of one synapse update by the rule (a
      potentiation or depression); the busiest core's updates add to a step's latency.
    * ``epoch_log2``: the learning epoch is ``2**epoch_log2`` steps: the traces follow every
      step, the weights are updated only at the last step of each epoch, once per synapse of
      each neuron that spiked in it (0, the default: every step).
    """

    weight_fraction_bits: int = spec_field("int", "fraction bits of a plastic weight register", lo=1, hi=15)
    plastic_synapse_entries: int = spec_field("int", "synapse-memory entries per plastic synapse", lo=1, hi=16)
    plastic_synapses: int = spec_field("int", "plastic synapses per core", lo=1, hi=MAX_CORE_COUNT)
    update_pj: float = spec_field("float", "pJ per synapse update of the learning rule", lo=0)
    update_ns: float = spec_field("float", "ns per synapse update of the learning rule", lo=0)
    epoch_log2: int = spec_field("int", "log2 of the steps per learning epoch (weights updated at its end)", lo=0,
                                 hi=MAX_EPOCH_LOG2, default=0)


# ---- costs ---------------------------------------------------------------------------------
# [energy] and [time] price the same operations, one in pJ and one in ns; both sections are
# built from this one table so that they cannot drift apart.

#: Key stem -> what one operation is. [energy] has a key ``<stem>_pj`` and [time] a key
#: ``<stem>_ns`` for each, in this order.
PRICED_OPERATIONS = {
    "synaptic_op": "synaptic operation",
    "neuron_update_active": "active neuron update",
    "neuron_update_inactive": "inactive neuron update",
    "spike_within_tile": "spike message within a tile",
    "hop_east_west": "east-west router hop",
    "hop_north_south": "north-south router hop",
    "hop_inter_chip": "inter-chip link crossing",
}


def _operation_costs(class_name: str, suffix: str, unit: str, doc: str, extra_fields=()) -> type:
    """A frozen dataclass with one cost field ``<stem>_<suffix>`` (>= 0, in ``unit``) per
    priced operation, followed by ``extra_fields`` (``make_dataclass`` field triples)."""
    per_operation = [(f"{stem}_{suffix}", float, spec_field("float", f"{unit} per {what}", lo=0))
                     for stem, what in PRICED_OPERATIONS.items()]
    return make_dataclass(class_name, per_operation + list(extra_fields), frozen=True,
                          namespace={"__doc__": doc, "__module__": __name__})


EnergyCosts = _operation_costs("EnergyCosts", "pj", "pJ", """Energy per operation, in pJ (>= 0).

    * ``synaptic_op_pj``: one synapse processing one incoming spike.
    * ``neuron_update_active_pj`` / ``neuron_update_inactive_pj``: one neuron's update in one
      step, when the neuron is active (receives input or spikes) / inactive.
    * ``spike_within_tile_pj``: paid once by every spike message.
    * ``hop_east_west_pj``, ``hop_north_south_pj``, ``hop_inter_chip_pj``: each hop a spike
      message takes.
    """)

TimeCosts = _operation_costs("TimeCosts", "ns", "ns", """Time per operation, in ns (>= 0).

    The keys ``<operation>_ns`` mean what :class:`EnergyCosts`' ``<operation>_pj`` mean. The
    end-of-step barrier takes ``barrier_base_ns + barrier_per_tile_ns * (tiles - 1)`` ns; see
    :meth:`Target.barrier_ns`.
    """, extra_fields=[
    ("barrier_base_ns", float,
     spec_field("float", "ns of the end-of-step barrier over one tile", lo=0)),
    ("barrier_per_tile_ns", float,
     spec_field("float", "extra barrier ns per additional tile", lo=0)),
])
