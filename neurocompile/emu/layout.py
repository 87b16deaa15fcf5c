"""A compiled program laid out in the emulator's memory: the one layout both engines read.

Neurons get global indices in bank order: LIF/LI first (``0..n_lif``), then AdEx, then host
inputs (spike sources). A step streams through every neuron's state, so parameters are kept
as a small table of distinct rows (like the chip's per-core parameter sets) plus a row index
per neuron. Synapses of all projections form one CSR; each projection's row pointers sit at
``proj[p, P_INDPTR_OFFSET]`` as positions in the joined ``post``/``mant``/``delay`` arrays.
The synaptic operations a spike causes on each core come from per-(row, core) counts
(``run_ptr``/``run_core``/``run_count``), not from a counter per synapse.

Receptor elements (docs/chip.md section 4.5) follow the neurons: each has a dendritic
accumulator after the neurons' in every ring slot, and a projection onto a receptor has that
receptor's accumulators as its ``P_POST_OFFSET``.

Dendritic accumulators (:class:`~.state.Dendrites`): projections with a non-negative weight
exponent add ``mantissa << exponent`` into one shared ring ``(ring_length, slots, B)``; each
projection with a negative exponent has its own ring ``(length, floor groups, post size, B)``
because the chip floors the sum of each (projection, delay) group separately
(:func:`neurocompile.chip.dendrite.floor_groups`).

The records below are the kernel's arguments (numba takes named tuples of arrays); every array
is C-contiguous and writable, so that one compiled kernel serves every program.
"""
from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np

from ..chip import SOMAS
from ..chip.adex import ADEX_COLUMNS, soma_table_memory
from ..chip.dendrite import floor_groups, floors_each_group
from ..chip.lif import LIF_BIAS, LIF_COLUMNS
from ..chip.receptors import R_BLOCK_OFFSET, RECEPTOR_COLUMNS
from ..chip.nmda import GATE_COLUMNS
from ..chip.learning import LEARNING_COLUMNS, column_index
from ..chip.short_term import STP_COLUMNS, STP_ONE
from ..errors import BuildError
from ..jit import njit
from .spike_record import (R_RUN_START, R_RUN_STOP, R_SYN_START, R_SYN_STOP, aligned_rows, packed_runs,
                           silence_routes, spike_records)

#: Columns of the per-projection table ``SynapseTable.proj`` (int64).
PROJ_COLUMNS = ("pre_offset", "pre_size", "post_offset", "post_size", "exponent", "ring_offset",
                "ring_length", "groups", "indptr_offset", "uniform_delay", "stp", "stp_offset", "gate",
                "gate_offset", "gate_uniform")
(P_PRE_OFFSET, P_PRE_SIZE, P_POST_OFFSET, P_POST_SIZE, P_EXPONENT, P_RING_OFFSET, P_RING_LENGTH,
 P_GROUPS, P_INDPTR_OFFSET, P_UNIFORM_DELAY, P_STP, P_STP_OFFSET, P_GATE, P_GATE_OFFSET,
 P_GATE_UNIFORM) = range(len(PROJ_COLUMNS))
# P_UNIFORM_DELAY: the delay of every synapse of the projection, or 0 if they differ.
# P_STP: the projection's row of ``SynapseTable.stp`` (-1: no short-term plasticity);
# P_STP_OFFSET: where its presynaptic neurons' u, x start in the run's ShortTerm arrays.
# P_GATE, P_GATE_OFFSET: the same for the NMDA gates (SynapseTable.gate, the run's Gates);
# a gated projection delivers graded products into its wide (floor-group) rings.
# P_GATE_UNIFORM: for a gated all-to-all projection with one mantissa and one delay, that
# mantissa (the kernel then adds it times the summed rises to every neuron: the same sums);
# else 0.

HOST = "host"


class Registers(NamedTuple):
    """The soma's widths as the kernel reads them (from the target's Precision)."""

    decay_bits: int
    shift: int
    half: int
    limit: int
    dendrite_low: int
    dendrite_high: int


class LifTable(NamedTuple):
    """Parameters of the LIF/LI bank: distinct :data:`~neurocompile.chip.lif.LIF_COLUMNS` rows
    (bias column zeroed: the bias is state), each neuron's row, and runs of consecutive neurons
    with one row (``segments`` bounds, ``segment_set`` rows): the kernel updates a run with its
    parameters hoisted."""

    sets: np.ndarray
    set_of: np.ndarray
    segments: np.ndarray
    segment_set: np.ndarray


class AdexTable(NamedTuple):
    """Parameters of the AdEx bank (the nonlinear soma): distinct
    :data:`~neurocompile.chip.adex.ADEX_COLUMNS` rows, each neuron's row, and the table memory
    the cores hold (:func:`~neurocompile.chip.adex.soma_table_memory`: the exp table, then the
    HH gate tables)."""

    sets: np.ndarray
    set_of: np.ndarray
    exp_values: np.ndarray


class ReceptorTable(NamedTuple):
    """Receptor elements (docs/chip.md section 4.5): distinct
    :data:`~neurocompile.chip.receptors.RECEPTOR_COLUMNS` rows, each element's row and its
    owner neuron (global index). Elements are ordered by population (bank order), then
    receptor, then neuron; their dendritic accumulators follow the neurons' in each ring slot."""

    sets: np.ndarray
    set_of: np.ndarray
    owner: np.ndarray


class SynapseTable(NamedTuple):
    """All synapses as one CSR, with the per-projection table, the synaptic-op runs and the
    short-term plasticity rows ``stp`` (:data:`~neurocompile.chip.short_term.STP_COLUMNS`).
    ``run_packed``: the runs' cores and counts packed in one int64 each
    (:func:`~.spike_record.packed_runs`), as the delivery reads them."""

    proj: np.ndarray
    delay_group: np.ndarray
    indptr: np.ndarray
    post: np.ndarray
    mant: np.ndarray
    delay: np.ndarray
    run_ptr: np.ndarray
    run_core: np.ndarray
    run_count: np.ndarray
    out_ptr: np.ndarray
    out_proj: np.ndarray
    pop_of: np.ndarray
    stp: np.ndarray
    gate: np.ndarray
    run_packed: np.ndarray


class Fabric(NamedTuple):
    """Where every neuron sits and what its spikes cost: core, route counters per spike (the
    placement's multicast trees), the per-operation times of the target (ns), and
    ``spike_record``: what the delivery of a neuron's spike reads, one cache line per neuron
    (:mod:`.spike_record`; the route counters repeated, with the neuron's population and its
    first synapse row's bounds)."""

    core_of: np.ndarray
    neurons_per_core: np.ndarray
    used_cores: np.ndarray
    messages: np.ndarray
    east_west: np.ndarray
    north_south: np.ndarray
    inter_chip: np.ndarray
    max_latency: np.ndarray
    time_ns: np.ndarray
    spike_record: np.ndarray


def contiguous(value, dtype) -> np.ndarray:
    """Contiguous writable array of ``dtype`` (no copy when it already is one)."""
    array = np.asarray(value, dtype=dtype)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = np.array(array, dtype=dtype, order="C")
    return array


def narrow(values, dtype, what: str) -> np.ndarray:
    """``values`` in a narrower integer dtype; they must fit (24-bit registers fit int32)."""
    values = np.asarray(values)
    info = np.iinfo(dtype)
    if values.size and (values.min() < info.min or values.max() > info.max):
        raise BuildError(f"emulator: {what} has values outside {np.dtype(dtype).name} "
                         f"({int(values.min())}..{int(values.max())})")
    return values.astype(dtype)


def _joined(parts: list, dtype) -> np.ndarray:
    """``parts`` as one array: the part itself when there is just one, the piece of their
    buffer when they are consecutive views of one (:func:`adjacent`), else a copy."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(1, dtype=dtype)
    whole = adjacent(parts, dtype)
    return whole if whole is not None else np.concatenate(parts).astype(dtype, copy=False)


def adjacent(parts: list, dtype):
    """The view of their common buffer that ``parts`` (1-D, of ``dtype``) cover when each
    starts where the one before ends in it (a program whose synapse arrays were packed into
    one buffer per field, :func:`neurocompile.mpi.local.localize`); else None."""
    base = parts[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or base.dtype != dtype or not base.flags.c_contiguous:
        return None
    at = parts[0].__array_interface__["data"][0]
    first = at
    for part in parts:
        if (part.base is not base or part.dtype != dtype or part.ndim != 1 or not part.flags.c_contiguous
                or part.__array_interface__["data"][0] != at):
            return None
        at += part.nbytes
    start = (first - base.__array_interface__["data"][0]) // base.itemsize
    return base[start:start + (at - first) // base.itemsize]


def parameter_sets(table: np.ndarray, bias_column: int | None = None):
    """Distinct parameter rows (int64, (k, columns)) and each neuron's row index (int32).

    ``bias_column`` is zeroed first: the bias lives in its own per-neuron array because bias
    updates and run inputs change it.
    """
    table = np.array(table, dtype=np.int64)
    if bias_column is not None:
        table[:, bias_column] = 0
    if table.shape[0] == 0:
        return np.zeros((1, table.shape[1]), dtype=np.int64), np.zeros(0, dtype=np.int32)
    if (table == table[0]).all():
        return np.ascontiguousarray(table[:1]), np.zeros(table.shape[0], dtype=np.int32)
    sets, index = np.unique(table, axis=0, return_inverse=True)
    return np.ascontiguousarray(sets), index.reshape(-1).astype(np.int32)


def _core_runs(projections, core_of, post_offsets):
    """Synapses per (row, core) of every projection, for counting synaptic ops per spike.

    Returns ``(run_ptr, run_core, run_count)``: row ``k`` of the joined CSR (the same position
    as in ``SynapseTable.indptr``) delivers ``run_count[q]`` synapses to core ``run_core[q]``
    for ``q`` in ``run_ptr[k]:run_ptr[k + 1]``. A run is a stretch of one row's synapses on one
    core (with placements that keep populations in index order, one run per destination core),
    so the kernel adds a few counts per spike instead of touching a counter per synapse.
    """
    ptrs, cores, counts, total = [], [], [], 0
    for qp, post_offset in zip(projections, post_offsets):
        local_ptr = np.asarray(qp.indptr, dtype=np.int64)
        target_core = core_of[post_offset + np.asarray(qp.post_index, dtype=np.int64)]
        starts = np.zeros(target_core.size, dtype=bool)
        starts[local_ptr[:-1][np.diff(local_ptr) > 0]] = True
        if target_core.size:
            starts[1:] |= target_core[1:] != target_core[:-1]
        first = np.flatnonzero(starts)
        ptrs.append(np.searchsorted(first, local_ptr) + total)
        cores.append(target_core[first].astype(np.int64))
        counts.append(np.diff(np.append(first, target_core.size)))
        total += first.size
    return (_joined(ptrs, np.int64), _joined(cores, np.int64), _joined(counts, np.int64))


def uniform_all_to_all(qp, post_size: int) -> int:
    """The mantissa of a projection whose every presynaptic neuron reaches every postsynaptic
    one, in order, with one mantissa and one delay; 0 for any other projection."""
    rows = np.diff(np.asarray(qp.indptr))
    mant = np.asarray(qp.weight_mant)
    if (mant.size == 0 or np.any(rows != post_size) or np.any(mant != mant[0])
            or np.any(np.asarray(qp.delay_steps) != qp.delay_steps[0])):
        return 0
    if np.any(np.asarray(qp.post_index).reshape(-1, post_size) != np.arange(post_size)):
        return 0
    return int(mant[0])


def _ring_dtype(projections, post_offsets, n_neurons: int):
    """int32 when no neuron's dendritic input in one step can leave the int32 range, else int64.

    A presynaptic neuron spikes at most once per step, so a ring slot receives each synapse at
    most once: the sum of ``|mantissa| << exponent`` over a neuron's incoming synapses bounds
    its slot (negative exponents shift that sum right). Half the memory of int64 makes the
    step loop of large networks faster; where the bound is too large the ring stays int64.
    """
    bound = np.zeros(max(n_neurons, 1))
    for qp, offset in zip(projections, post_offsets):
        _add_input_bound(bound, offset, np.asarray(qp.post_index), np.asarray(qp.weight_mant), 2.0 ** qp.weight_exp)
    return np.int32 if bound.max() < 2**31 - 1 else np.int64


def first_rows(synapses: "SynapseTable", pop_of: np.ndarray) -> np.ndarray:
    """Each neuron's row in the joined CSR (``synapses.indptr``, ``run_ptr``) of its
    population's first outgoing projection, -1 for a neuron whose population sends none
    (``pop_of``: each neuron's population): the row :func:`row_bounds` reads from the record."""
    out_ptr, out_proj, proj = synapses.out_ptr, synapses.out_proj, synapses.proj
    if out_ptr.size < 2:
        return np.full(pop_of.size, -1, dtype=np.int64)
    has_out = out_ptr[1:] > out_ptr[:-1]
    first = np.where(has_out, out_proj[np.minimum(out_ptr[:-1], out_proj.size - 1)], 0)[pop_of]
    row = proj[first, P_INDPTR_OFFSET] + np.arange(pop_of.size) - proj[first, P_PRE_OFFSET]
    return np.where(has_out[pop_of], row, -1)


@njit(inline="always")
def row_bounds(g, out, first_out, spike_record, proj, p, indptr, run_ptr):
    """``(lo, hi, q_lo, q_hi)``: neuron ``g``'s synapses and synaptic-op runs in projection
    ``p`` (its population's outgoing projection ``out``; ``first_out``: the population's first).
    The first one's are in the neuron's spike record (:mod:`.spike_record`, the line the
    delivery reads anyway); further ones in ``indptr``/``run_ptr``."""
    if out == first_out:
        return (spike_record[g, R_SYN_START], spike_record[g, R_SYN_STOP], spike_record[g, R_RUN_START],
                spike_record[g, R_RUN_STOP])
    row_at = proj[p, P_INDPTR_OFFSET] + g - proj[p, P_PRE_OFFSET]
    return indptr[row_at], indptr[row_at + 1], run_ptr[row_at], run_ptr[row_at + 1]


@njit
def _add_input_bound(bound, offset, post, mant, scale):
    """``bound[offset + post[i]] += |mant[i]| * scale`` for every synapse ``i``: the sums are of
    integers times a power of two below 2**53, exact in any order; compiled, so that no
    temporary of a projection's size is made (a float64 and an index copy of the largest
    projection were the layout's peak on a rank of a partitioned run)."""
    for i in range(post.size):
        bound[offset + post[i]] += abs(np.float64(mant[i])) * scale


# Tables derived from a program alone that take seconds to build for 10^8 synapses: kept
# beside the program (not inside the immutable Program) for as long as it lives.
_DERIVED: dict[int, dict] = {}


def _derived(program) -> dict:
    key = id(program)
    if key not in _DERIVED:
        _DERIVED[key] = {}
        weakref.finalize(program, _DERIVED.pop, key, None)
    return _DERIVED[key]


class ChipLayout:
    """A program in the emulator's memory layout (the immutable part; a run's state is
    :class:`~.state.RunState`). Built once per run (or batch) from the program.

    Attributes: ``order`` (population names in global order), ``offset``/``size``/``bank`` per
    population, ``n_lif``, ``n_adex``, ``n_total``, ``n_cores``, ``ring_length`` (shared ring
    slots), ``floored_size`` (entries of the negative-exponent rings per sample), the kernel's
    records ``registers``, ``lif``, ``adex``, ``synapses``, ``fabric``, the initial state
    ``initial`` (register -> int32 array in bank order), the initial biases ``lif_bias`` /
    ``adex_bias`` (int32) and ``ring_dtype``. ``initial``: bank -> its initial registers,
    int32 ``(registers, neurons)``.
    """

    def __init__(self, program):
        qnet = program.quantized
        pops = qnet.populations
        self.program = program
        self.precision = precision = program.target.precision
        self.bank = {name: (HOST if q.is_source else SOMAS[q.model].bank) for name, q in pops.items()}
        members = {bank: [n for n in pops if self.bank[n] == bank] for bank in ("LIF", "AdEx", HOST)}
        self.order = members["LIF"] + members["AdEx"] + members[HOST]
        self.offset, offset = {}, 0
        for name in self.order:
            self.offset[name] = offset
            offset += pops[name].size
        self.size = {name: pops[name].size for name in self.order}
        self.n_lif = sum(pops[n].size for n in members["LIF"])
        self.n_adex = sum(pops[n].size for n in members["AdEx"])
        self.n_total = offset
        self.pop_index = {name: k for k, name in enumerate(self.order)}
        low, high = precision.dendrite_range
        self.registers = Registers(precision.decay_bits, precision.alignment_shift_bits, precision.state_half,
                                   precision.saturation_limit, low, high)
        derived = _derived(program)
        if "lif_bank" not in derived:  # depends only on the program (a fifth of a 1M-neuron run's set-up)
            derived["lif_bank"] = self._lif_bank([pops[n] for n in members["LIF"]])
        self.lif, self.lif_bias = derived["lif_bank"]  # read only: a run copies the biases it changes
        self.adex, self.adex_bias = self._adex_bank([pops[n] for n in members["AdEx"]], qnet.exp_table,
                                                    qnet.gate_tables)
        self.initial = {"elements": self._receptor_elements(pops)}
        #: bank -> its registers: every register of its models (a bank with HH rows holds their
        #: gates, zero for its other rows)
        self.bank_registers = {bank: max((SOMAS[pops[n].model].registers for n in members[bank]), key=len,
                                         default=SOMAS[bank].registers) for bank in ("LIF", "AdEx")}
        for bank in ("LIF", "AdEx"):
            registers = self.bank_registers[bank]
            state = [np.stack([np.asarray(pops[n].state.get(r, np.zeros(pops[n].size)), dtype=np.int64)
                               for r in registers]) for n in members[bank]]
            self.initial[bank] = narrow(np.concatenate(state, axis=1) if state else np.zeros((len(registers), 0)),
                                        np.int32, f"initial state of the {bank} bank")
        self.fabric = self._fabric(program)
        self.element_segments = self._element_segments()
        self.n_cores = program.placement.n_cores
        self._synapses(qnet)
        if "spike_record" not in derived:  # depends only on the program (64 MB for 1M neurons: built once)
            pop_of = np.asarray(self.synapses.pop_of[:self.n_total], dtype=np.int64)
            derived["spike_record"] = spike_records(pop_of, first_rows(self.synapses, pop_of), self.synapses.indptr,
                                                    self.synapses.run_ptr, self.fabric)
        self.fabric = self.fabric._replace(spike_record=derived["spike_record"])

    def silence_routes(self, which) -> None:
        """Count no messages, hops or route latency for spikes of neurons ``which`` (index or
        mask; a rank of a partitioned run, for neurons another rank counts)."""
        self.fabric = silence_routes(self.fabric, which)

    # -- neurons ------------------------------------------------------------------------------
    def _lif_bank(self, populations):
        if not populations:
            empty = np.zeros(0, dtype=np.int32)
            return (LifTable(np.zeros((1, len(LIF_COLUMNS)), np.int64), empty, np.zeros(1, np.int64),
                             np.zeros(0, np.int64)), empty)
        tables = [q.params.columns() for q in populations]
        for q in populations:
            q.params.check(self.precision, owner=f"LIF population '{q.name}'")
        table = np.concatenate(tables)
        sets, set_of = parameter_sets(table, bias_column=LIF_BIAS)
        # Runs of consecutive neurons with one parameter set (a population with scalar
        # parameters is one run): the kernel updates each run with hoisted parameters.
        change = np.flatnonzero(np.diff(set_of)) + 1
        segments = np.concatenate([[0], change, [set_of.size]]).astype(np.int64)
        return (LifTable(sets, set_of, segments, set_of[segments[:-1]].astype(np.int64)),
                narrow(table[:, LIF_BIAS], np.int32, "LIF bias"))

    def _adex_bank(self, populations, exp_table, gate_tables):
        if not populations:
            return (AdexTable(np.zeros((1, len(ADEX_COLUMNS)), np.int64), np.zeros(0, np.int32),
                              np.zeros(2, np.int64)), np.zeros(0, dtype=np.int32))
        sets, set_of = parameter_sets(np.concatenate([q.params.columns() for q in populations]))
        bias = np.concatenate([np.asarray(q.params.bias) for q in populations])
        return (AdexTable(sets, set_of, contiguous(soma_table_memory(exp_table, gate_tables), np.int64)),
                narrow(bias, np.int32, "AdEx bias"))

    def _receptor_elements(self, pops) -> np.ndarray:
        """Lay out the receptor elements; returns their initial registers (int32, (2, elements))."""
        self.element_offset, rows, owners, r0, r1, tables = {}, [], [], [], [], []
        count = lut_size = 0
        for name in self.order:
            q = pops[name]
            if q.is_source or q.receptors is None:
                continue
            population_rows, lut = q.receptors.element_rows()
            population_rows[population_rows[:, R_BLOCK_OFFSET] >= 0, R_BLOCK_OFFSET] += lut_size
            rows.append(population_rows)
            tables.append(lut)
            lut_size += lut.size
            for k, receptor in enumerate(q.receptors.names):
                self.element_offset[(name, receptor)] = count
                owners.append(self.offset[name] + np.arange(q.size, dtype=np.int64))
                r0.append(q.receptors.state["r0"][k])
                r1.append(q.receptors.state["r1"][k])
                count += q.size
        self.n_elements = count
        self.block_lut = np.concatenate(tables).astype(np.int64) if tables else np.zeros(1, dtype=np.int64)
        if not count:
            self.receptors = ReceptorTable(np.zeros((1, len(RECEPTOR_COLUMNS)), np.int64), np.zeros(1, np.int32),
                                           np.zeros(1, np.int64))
            return np.zeros((2, 1), dtype=np.int32)
        sets, set_of = parameter_sets(np.concatenate(rows))
        self.receptors = ReceptorTable(sets, set_of, np.concatenate(owners))
        return narrow(np.stack([np.concatenate(r0), np.concatenate(r1)]), np.int32, "initial receptor registers")

    def _element_segments(self) -> tuple:
        """Runs of elements with one parameter row and consecutive owners of one population:
        (starts with the end, row, first owner, the owners' core if they share one else -1,
        population index), int64."""
        if not self.n_elements:
            one = np.zeros(1, dtype=np.int64)
            return np.zeros(2, dtype=np.int64), one, one, one, one
        owner = self.receptors.owner
        core = self.fabric.core_of[owner]
        pop = np.repeat(np.arange(len(self.order)), [self.size[n] for n in self.order])[owner]
        cut = np.zeros(owner.size, dtype=bool)
        cut[0] = True
        cut[1:] = (self.receptors.set_of[1:] != self.receptors.set_of[:-1]) | (owner[1:] != owner[:-1] + 1)
        starts = np.flatnonzero(cut)
        bounds = np.append(starts, owner.size)
        # the segment's core when all its owners share it (its activity is then one count), else -1
        lowest, highest = np.minimum.reduceat(core, starts), np.maximum.reduceat(core, starts)
        shared = np.where(lowest == highest, lowest, -1)
        return (bounds.astype(np.int64), self.receptors.set_of[starts].astype(np.int64),
                owner[starts].astype(np.int64), shared.astype(np.int64), pop[starts].astype(np.int64))

    def slot_offset(self, population: str, receptor: str = "") -> int:
        """First dendritic accumulator of ``population`` in a ring slot: its neurons' own, or
        (``receptor``) its elements' of that receptor."""
        if not receptor:
            return self.offset[population]
        return self.n_lif + self.n_adex + self.element_offset[(population, receptor)]

    def set_bias(self, lif_bias, adex_bias, population: str, value) -> None:
        """Write a population's bias register values into a run's bias arrays (neurons, B).

        ``value``: (size,) for every sample alike, or (B, size) one row per sample (the
        effective bias, :func:`neurocompile.chip.host.bias_value`).
        """
        value = narrow(value, np.int32, f"bias of '{population}'")
        value = value.T if value.ndim == 2 else value[:, None]
        start, size = self.offset[population], self.size[population]
        if self.bank[population] == "LIF":
            lif_bias[start:start + size] = value
        else:
            adex_bias[start - self.n_lif:start - self.n_lif + size] = value

    # -- where neurons sit ----------------------------------------------------------------------
    def _fabric(self, program) -> Fabric:
        placement, routes = program.placement, program.routes
        neurons_per_core = placement.neurons_per_core()
        if self.n_elements:  # an element is updated every step on its owner's core, like a neuron
            owner_core = np.concatenate([np.maximum(placement.core_of[n], 0) for n in self.order])[
                self.receptors.owner]
            neurons_per_core = neurons_per_core + np.bincount(owner_core, minlength=neurons_per_core.size)

        def route(field, dtype):
            return contiguous(np.concatenate([np.asarray(getattr(routes[n], field)) for n in self.order]), dtype)

        t = program.target.time
        return Fabric(
            # host inputs leave from core 0 (docs/chip.md section 7)
            core_of=contiguous(np.concatenate([np.maximum(placement.core_of[n], 0) for n in self.order]),
                               np.int32),
            neurons_per_core=contiguous(neurons_per_core, np.int64),
            used_cores=np.flatnonzero(neurons_per_core > 0).astype(np.int64),
            messages=route("messages", np.int64), east_west=route("east_west", np.int64),
            north_south=route("north_south", np.int64), inter_chip=route("inter_chip", np.int64),
            max_latency=route("max_latency_ns", np.float64),
            time_ns=np.array([t.synaptic_op_ns, t.neuron_update_active_ns, t.neuron_update_inactive_ns,
                              program.target.learning.update_ns if program.target.learning is not None else 0.0]),
            spike_record=aligned_rows(0))  # filled once the synapses are laid out

    # -- synapses -------------------------------------------------------------------------------
    def _synapses(self, qnet) -> None:
        projections = list(qnet.projections)
        n = len(projections)
        proj = np.zeros((max(n, 1), len(PROJ_COLUMNS)), dtype=np.int64)
        max_delay = max([int(qp.delay_steps.max(initial=1)) for qp in projections] + [1])
        delay_group = np.zeros((max(n, 1), max_delay + 1), dtype=np.int64)
        shared_delay, floored_size = 1, 0
        indptr, post, mant, delay, stp_rows, gate_rows = [], [], [], [], [], []
        indptr_offset = synapse_offset = stp_size = gate_size = 0
        for k, qp in enumerate(projections):
            row = proj[k]
            row[P_STP] = row[P_GATE] = -1
            if qp.gate is not None:  # one (x, s) per presynaptic neuron
                row[P_GATE], row[P_GATE_OFFSET] = len(gate_rows), gate_size
                gate_rows.append(np.asarray(qp.gate, dtype=np.int64))
                gate_size += self.size[qp.pre]
                row[P_GATE_UNIFORM] = uniform_all_to_all(qp, self.size[qp.post])
            if qp.stp is not None:  # one (u, x) per presynaptic neuron of the projection
                row[P_STP], row[P_STP_OFFSET] = len(stp_rows), stp_size
                stp_rows.append(np.asarray(qp.stp, dtype=np.int64))
                stp_size += self.size[qp.pre]
            row[P_PRE_OFFSET], row[P_PRE_SIZE] = self.offset[qp.pre], self.size[qp.pre]
            row[P_POST_OFFSET], row[P_POST_SIZE] = self.slot_offset(qp.post, qp.receptor), self.size[qp.post]
            row[P_EXPONENT] = qp.weight_exp
            row[P_INDPTR_OFFSET] = indptr_offset
            longest = int(qp.delay_steps.max(initial=1))
            if int(qp.delay_steps.min(initial=longest)) == longest:
                row[P_UNIFORM_DELAY] = longest
            if floors_each_group(qp.weight_exp) or qp.gate is not None:
                groups = floor_groups(qp.delay_steps)
                delay_group[k, :groups.group_of_delay.size] = groups.group_of_delay
                row[P_GROUPS] = max(groups.delays.size, 1)
                row[P_RING_LENGTH] = longest + 1
                row[P_RING_OFFSET] = floored_size
                floored_size += row[P_RING_LENGTH] * row[P_GROUPS] * row[P_POST_SIZE]
            else:
                shared_delay = max(shared_delay, longest)
            # Row pointers become positions in the concatenated synapse arrays.
            indptr.append(np.asarray(qp.indptr, dtype=np.int64) + synapse_offset)
            post.append(contiguous(qp.post_index, np.int32))
            mant.append(contiguous(qp.weight_mant, np.int16))
            delay.append(contiguous(qp.delay_steps, np.int16))
            indptr_offset += indptr[-1].size
            synapse_offset += post[-1].size
        post_offsets = [self.offset[qp.post] for qp in projections]
        derived = _derived(self.program)
        if "synop_runs" not in derived:  # depends only on the program: built by its first run
            derived["synop_runs"] = _core_runs(projections, self.fabric.core_of, post_offsets)
            derived["ring_dtype"] = _ring_dtype(projections, [self.slot_offset(qp.post, qp.receptor)
                                                              for qp in projections],
                                                self.n_lif + self.n_adex + self.n_elements)
            derived["run_packed"] = packed_runs(*derived["synop_runs"][1:])
        run_ptr, run_core, run_count = derived["synop_runs"]
        self.ring_dtype = derived["ring_dtype"]
        outgoing = [[] for _ in self.order]
        for k, qp in enumerate(projections):
            outgoing[self.pop_index[qp.pre]].append(k)
        out_ptr = np.zeros(len(self.order) + 1, dtype=np.int64)
        np.cumsum([len(o) for o in outgoing], out=out_ptr[1:])
        self.synapses = SynapseTable(
            proj=proj, delay_group=delay_group, indptr=_joined(indptr, np.int64), post=_joined(post, np.int32),
            mant=_joined(mant, np.int16), delay=_joined(delay, np.int16), run_ptr=run_ptr, run_core=run_core,
            run_count=run_count, out_ptr=out_ptr,
            out_proj=np.array([k for o in outgoing for k in o] or [0], dtype=np.int64),
            pop_of=np.repeat(np.arange(len(self.order), dtype=np.int32), [self.size[n] for n in self.order]),
            stp=np.array(stp_rows or np.zeros((1, len(STP_COLUMNS))), dtype=np.int64).reshape(-1, len(STP_COLUMNS)),
            gate=np.array(gate_rows or np.zeros((1, len(GATE_COLUMNS))), dtype=np.int64).reshape(-1, len(GATE_COLUMNS)),
            run_packed=derived["run_packed"])
        self.n_gates = max(gate_size, 1)
        self.n_projections = n
        #: initial (u, x) of every short-term plasticity state (int32, (2, states))
        self.stp_initial = np.zeros((2, max(stp_size, 1)), dtype=np.int32)
        for k, qp in enumerate(projections):
            if qp.stp is not None:
                start, size = proj[k, P_STP_OFFSET], self.size[qp.pre]
                self.stp_initial[1, start:start + size] = STP_ONE  # u = 0, x = 1
        self.n_stp_states = stp_size
        self._plastic(projections)
        self.ring_length = shared_delay + 1
        self.floored_size = floored_size

    # -- learning -------------------------------------------------------------------------------
    def _plastic(self, projections) -> None:
        """The plastic projections' fixed arrays (column indices, offsets) for :meth:`learning_state`."""
        plastic = [(k, qp) for k, qp in enumerate(projections) if qp.learning is not None]
        self.n_plastic = len(plastic)
        self.plastic_names = [qp.name for _, qp in plastic]
        columns = [column_index(np.asarray(qp.indptr, dtype=np.int64), qp.post_index, self.size[qp.post])
                   for _, qp in plastic]

        def starts(sizes):
            return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)

        def joined(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(1, dtype=dtype)

        self._learning_fixed = dict(
            proj=np.array([k for k, _ in plastic], dtype=np.int64),
            rows=np.array([qp.learning for _, qp in plastic], dtype=np.int64).reshape(-1, len(LEARNING_COLUMNS)),
            post_offset=np.array([self.offset[qp.post] for _, qp in plastic], dtype=np.int64),
            weight_start=starts([qp.n_synapses for _, qp in plastic]),
            col_start=starts([self.size[qp.post] + 1 for _, qp in plastic])[:-1],
            x_start=starts([self.size[qp.pre] for _, qp in plastic]),
            y_start=starts([self.size[qp.post] for _, qp in plastic]),
            col_ptr=joined([c[0] for c in columns], np.int64), col_synapse=joined([c[1] for c in columns], np.int64),
            pre_of=joined([c[2] for c in columns], np.int64))
        self._initial_weight = joined([qp.plastic_weight for _, qp in plastic], np.int32)
        self._scratch = max([max(self.size[qp.pre], self.size[qp.post]) for _, qp in plastic], default=1)
        #: projection name -> (first, stop) of its registers in the run's weight array
        self.plastic_span = {qp.name: (int(a), int(b)) for (_, qp), a, b in zip(
            plastic, self._learning_fixed["weight_start"][:-1], self._learning_fixed["weight_start"][1:])}

    def learning_state(self, n_steps: int, probes: dict | None = None):
        """A run's :class:`~.state.Learning` (fresh registers and zero traces); ``probes``:
        projection name -> synapse indices whose registers are recorded every step."""
        from .state import Learning

        fixed = self._learning_fixed
        probe = np.concatenate([self.plastic_span[name][0] + np.asarray(idx, dtype=np.int64)
                                for name, idx in (probes or {}).items()] or [np.zeros(0, np.int64)])
        n_x, n_y = max(int(fixed["x_start"][-1]), 1), max(int(fixed["y_start"][-1]), 1)
        engine = self.program.target.learning
        # every run starts with zero traces and a new epoch at its step 0 (no flags set)
        return Learning(**fixed, weight=self._initial_weight.copy(),
                        x=np.zeros(n_x, dtype=np.int32), y=np.zeros(n_y, dtype=np.int32),
                        pre_spiking=np.zeros(self._scratch, dtype=np.int64),
                        post_spiking=np.zeros(self._scratch, dtype=np.int64),
                        pre_flag=np.zeros(n_x, dtype=np.uint8), post_flag=np.zeros(n_y, dtype=np.uint8),
                        pre_updated=np.zeros(self._scratch, dtype=np.int64),
                        post_updated=np.zeros(self._scratch, dtype=np.int64),
                        epoch_log2=np.int64(engine.epoch_log2 if engine is not None else 0), probe_synapse=probe,
                        probe_record=np.zeros((n_steps if probe.size else 0, probe.size), dtype=np.int32))

    # -- naming ---------------------------------------------------------------------------------
    def locate(self, index: int) -> tuple[str, int]:
        """(population, index within it) of global neuron ``index``."""
        for name in self.order:
            if self.offset[name] <= index < self.offset[name] + self.size[name]:
                return name, index - self.offset[name]
        raise IndexError(index)

    def label(self, index: int, batch: int = 1) -> str:
        """A neuron of a run's flat state array (index ``g * batch + b``) named for a user."""
        g, b = divmod(int(index), batch)
        name, local = self.locate(g)
        return f"'{name}'[{local}]" + (f" (sample {b})" if batch > 1 else "")
