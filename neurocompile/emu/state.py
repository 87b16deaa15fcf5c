"""The state of a run (or of a chunk of samples run together) in the layout's memory order.

Everything that belongs to a neuron (state, bias, dendritic ring slot, spike count, flags) is
stored neuron-major with the sample innermost, at ``g * B + b``, so that the LIF update of a
run of neurons with one parameter set is one contiguous loop over ``neurons x B`` elements
(it vectorises over samples), and the per-step work that does not depend on the sample is paid
once for all B samples. A single run is B = 1. State is narrow (int32 registers, which hold
the 24-bit state; int16 refractory counters): a step streams through all of it.

Flags (one byte per neuron and sample, written by the soma update, read by the spike scan):
:data:`FLAG_SPIKED`, :data:`FLAG_INPUT` (non-zero dendritic input), :data:`FLAG_DENDRITE_SATURATED`,
:data:`FLAG_STATE_SATURATED` (the LIF voltage / AdEx adaptation register at its limit).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..chip import SOMAS
from ..chip.lanes import i32, like
from ..jit import njit

FLAG_SPIKED, FLAG_INPUT, FLAG_DENDRITE_SATURATED, FLAG_STATE_SATURATED = 1, 2, 4, 8
#: ``Recording.trace_registers`` of a receptor element's ``r0`` (``r1`` is one more); the
#: trace id is then the element's index.
ELEMENT_REGISTER = 100


@njit(inline="always")
def soma_flags(spiked, a_in, total, counted, limit):
    """The flag byte of one neuron after its soma update: it spiked; it received input
    (``a_in != 0``); its dendritic sum ``total`` saturated into ``a_in``; its counted register
    (LIF ``v``, AdEx ``w``: :attr:`neurocompile.chip.Soma.counted_saturation`) is at ``+-limit``."""
    minus_limit = like(limit, -limit)  # in limit's width: an int32 limit keeps the compares 32-bit
    return (np.uint8(spiked) * FLAG_SPIKED | np.uint8(a_in != 0) * FLAG_INPUT
            | np.uint8(a_in != total) * FLAG_DENDRITE_SATURATED
            | np.uint8((counted == limit) | (counted == minus_limit)) * FLAG_STATE_SATURATED)


@njit(inline="always")
def soma_counts(spiked, a_in, total, counted, limit):
    """What one neuron adds to its run's ``(spikes, active neurons, dendritic-input saturations,
    state saturations)``: the bits of :func:`soma_flags` (spiked; spiked or with input; the
    dendritic sum saturated; the counted register at ``+-limit``) as int32 0 or 1, from the same
    comparisons. Computed beside the flag byte rather than read back from it: the byte's bits
    read back kept the flag's arithmetic in 64-bit lanes, which cost the LIF pass a third of its
    speed (measured, bench/limits.py); from the comparisons, every count is one 32-bit lane."""
    minus_limit = like(limit, -limit)
    return (i32(spiked), i32(spiked | (a_in != 0)), i32(a_in != total),
            i32((counted == limit) | (counted == minus_limit)))


@njit
def soma_flags_array(spiked, a_in, total, counted, limit, out):
    """:func:`soma_flags` of every element, into ``out``."""
    for k in range(out.size):
        out[k] = soma_flags(spiked[k], a_in[k], total[k], counted[k], limit)

#: Rows of ``Counters.per_step`` (per step and sample totals over the chip).
STEP_COUNTERS = ("synops", "messages", "east_west", "north_south", "inter_chip", "active", "spikes", "updates")
S_SYNOPS, S_MESSAGES, S_EW, S_NS, S_IC, S_ACTIVE, S_SPIKES, S_UPDATES = range(len(STEP_COUNTERS))
#: Kinds (middle axis) of ``Counters.saturations``: the dendritic sum saturated into the input
#: register; the soma's counted register (:attr:`neurocompile.chip.Soma.counted_saturation`)
#: sits at its limit.
SATURATION_KINDS = ("dendritic input", "state")


class Dimensions(NamedTuple):
    """Sizes the kernel loops over. ``n_slots``: dendritic accumulators per ring slot and
    sample (the neurons, then the receptor elements)."""

    n_lif: int
    n_adex: int
    n_projections: int
    ring_length: int
    batch: int
    n_slots: int


class Elements(NamedTuple):
    """Receptor elements (docs/chip.md section 4.5): distinct
    :data:`~neurocompile.chip.receptors.RECEPTOR_COLUMNS` rows ``sets``, each element's row
    ``set_of`` and owner neuron ``owner`` (global index), its registers ``r0``/``r1`` (int32,
    ``element * B + b``), ``extra`` and ``load``, the summed contributions and conductance loads
    per neuron and sample (int64, scratch of the step). Programs without receptors have no elements. ``segments`` (starts,
    and the end) cut the elements into runs of one row whose owners are consecutive neurons of
    one population: ``segment_set``, ``segment_owner`` (the first owner), ``segment_core`` (the
    owners' core when they share one, else -1), ``segment_pop``; the kernel updates a run with its row hoisted. ``lut``:
    the magnesium-block tables the rows point into (int64)."""

    sets: np.ndarray
    set_of: np.ndarray
    owner: np.ndarray
    segments: np.ndarray
    segment_set: np.ndarray
    segment_owner: np.ndarray
    segment_core: np.ndarray
    segment_pop: np.ndarray
    lut: np.ndarray
    r0: np.ndarray
    r1: np.ndarray
    extra: np.ndarray
    load: np.ndarray


class ShortTerm(NamedTuple):
    """Short-term plasticity state (docs/chip.md section 3.4): ``u`` and ``x`` (int32) of every
    (plastic projection, presynaptic neuron, sample), at ``(P_STP_OFFSET + neuron) * B + b``."""

    u: np.ndarray
    x: np.ndarray


class Gates(NamedTuple):
    """NMDA gates (docs/chip.md section 3.5): ``x`` and ``s`` (int32) of every (gated
    projection, presynaptic neuron, sample), at ``(P_GATE_OFFSET + neuron) * B + b``."""

    x: np.ndarray
    s: np.ndarray


class Learning(NamedTuple):
    """Plastic projections (docs/chip.md section 3.6), one sample. Per plastic projection ``k``:
    its projection ``proj[k]``, its :data:`~neurocompile.chip.learning.LEARNING_COLUMNS` row
    ``rows[k]``, its postsynaptic population's first global neuron ``post_offset[k]``, and its
    stretches of the joined arrays: synapses ``weight_start[k]..weight_start[k + 1]`` of
    ``weight`` (the registers ``W``, int32), ``col_synapse`` and ``pre_of`` (local indices, the
    column index of :func:`~neurocompile.chip.learning.column_index`); ``col_ptr`` from
    ``col_start[k]`` (post size + 1 entries); traces ``x`` from ``x_start[k]`` and ``y`` from
    ``y_start[k]`` (int32), and beside them the learning epoch's flags ``pre_flag``,
    ``post_flag`` (uint8, 1: the neuron spiked in the current epoch). ``pre_spiking``/
    ``post_spiking``: scratch for a step's spiking neurons, ``pre_updated``/``post_updated``
    for the neurons whose synapses an epoch's end updated. ``epoch_log2``: the target's
    ``[learning] epoch_log2`` (epochs of ``2**epoch_log2`` steps from the run's step 0).
    ``probe_synapse``: positions in ``weight`` recorded every step into
    ``probe_record[step, probe]``. A program without plastic projections has ``proj`` empty."""

    proj: np.ndarray
    rows: np.ndarray
    post_offset: np.ndarray
    weight_start: np.ndarray
    col_start: np.ndarray
    x_start: np.ndarray
    y_start: np.ndarray
    weight: np.ndarray
    col_ptr: np.ndarray
    col_synapse: np.ndarray
    pre_of: np.ndarray
    x: np.ndarray
    y: np.ndarray
    pre_spiking: np.ndarray
    post_spiking: np.ndarray
    pre_flag: np.ndarray
    post_flag: np.ndarray
    pre_updated: np.ndarray
    post_updated: np.ndarray
    epoch_log2: np.int64
    probe_synapse: np.ndarray
    probe_record: np.ndarray


class BankState(NamedTuple):
    """The state of one bank (all neurons of one soma model): its registers (int32,
    ``(registers, neurons * B)``, rows in the order of :attr:`neurocompile.chip.Soma.registers`),
    the refractory counters (int16), the bias register values (int32; step currents and run
    inputs change them) and its flags (uint8; a view of :attr:`Fired.flags`)."""

    registers: np.ndarray
    refractory: np.ndarray
    bias: np.ndarray
    flags: np.ndarray


class Dendrites(NamedTuple):
    """Accumulator rings: ``ring`` (slots, neurons, B) shared by projections with exponent >= 0
    (int32 where the layout proves it cannot overflow, else int64), ``floored`` the rings of
    the negative-exponent (projection, delay) groups (int64), summed before the floor.
    ``partial``: (threads - 1, ring size), the rings the other threads of a threaded run
    deliver into (:mod:`.threaded`; no rows on one thread), added into ``ring`` where a slot
    is read. A subset of a slot's synapses sums to no more than all of them, so ``ring``'s
    dtype holds each partial sum too."""

    ring: np.ndarray
    floored: np.ndarray
    partial: np.ndarray


class HostSpikes(NamedTuple):
    """Host spikes of a block of steps: step ``s`` sends ``ids[ptr[s - first]:ptr[s - first + 1]]``
    (flat indices ``g * B + b``)."""

    ptr: np.ndarray
    ids: np.ndarray


class Fired(NamedTuple):
    """What the somas of the current step did: the flags of every neuron and sample (all
    banks in global order, padded to whole 8-byte words), and the list of the step's spikes
    (global neuron and sample of each)."""

    flags: np.ndarray
    ids: np.ndarray
    samples: np.ndarray


class Recording(NamedTuple):
    """What a run keeps: spike counts of every neuron (``g * B + b``), probed spikes as
    (step, ``g * B + b``) pairs in ``steps``/``ids`` (``n_recorded[0]`` used), and traces of
    probed registers, ``traces[step - first, probe, b]`` for the probes ``trace_ids``
    (global neuron) of register ``trace_registers`` (a row of its bank's registers; from
    :data:`ELEMENT_REGISTER` on a receptor element's register, the id its element index)."""

    counts: np.ndarray
    probed: np.ndarray
    steps: np.ndarray
    ids: np.ndarray
    n_recorded: np.ndarray
    trace_ids: np.ndarray
    trace_registers: np.ndarray
    traces: np.ndarray


class Counters(NamedTuple):
    """Activity counters: ``per_step[counter, step, b]`` (:data:`STEP_COUNTERS`), the busiest
    core's time and the longest route per step and sample (ns), per-core totals ``[core, b]``,
    this step's per-core scratch counts ``[core * B + b]`` (synaptic ops, active neurons and,
    with ``step_updates``/``updates_per_core``, learning updates) and saturation events
    ``saturations[population, kind, b]`` (populations in layout order, kinds
    :data:`SATURATION_KINDS`), one per neuron and step."""

    per_step: np.ndarray
    max_core_ns: np.ndarray
    max_route_ns: np.ndarray
    synops_per_core: np.ndarray
    active_per_core: np.ndarray
    step_synops: np.ndarray
    step_active: np.ndarray
    saturations: np.ndarray
    step_updates: np.ndarray
    updates_per_core: np.ndarray


class RunState:
    """The mutable state of one chunk of ``batch`` samples on a :class:`~.layout.ChipLayout`,
    as the kernel's records, initialised from the program; ``threads``: the threads that step
    it (:mod:`.threaded`: one partial ring per thread beyond the first)."""

    def __init__(self, layout, batch: int, n_steps: int, probes_recorder, threads: int = 1):
        self.batch = batch
        n_lif, n_adex = layout.n_lif, layout.n_adex

        def per_sample(initial, dtype=None):  # neuron-major, sample innermost
            return np.repeat(np.asarray(initial, dtype=dtype), batch)

        n_slots = n_lif + n_adex + layout.n_elements
        self.dimensions = Dimensions(n_lif, n_adex, layout.n_projections, layout.ring_length, batch, n_slots)
        table = layout.receptors
        self.elements = Elements(table.sets, table.set_of, table.owner, *layout.element_segments, layout.block_lut,
                                 np.repeat(layout.initial["elements"][0], batch),
                                 np.repeat(layout.initial["elements"][1], batch),
                                 np.zeros((n_lif + n_adex) * batch if layout.n_elements else 1, dtype=np.int64),
                                 np.zeros((n_lif + n_adex) * batch if layout.n_elements else 1, dtype=np.int64))
        self.lif_bias = per_sample(layout.lif_bias).reshape(n_lif, batch)
        self.adex_bias = per_sample(layout.adex_bias).reshape(n_adex, batch)
        # One flag byte per neuron and sample of both banks, padded to whole words (scanned a
        # word at a time); each bank writes its own slice.
        flags = np.zeros(-(-(n_lif + n_adex) * batch // 8) * 8, dtype=np.uint8)
        self.lif = BankState(np.repeat(layout.initial["LIF"], batch, axis=1), np.zeros(n_lif * batch, np.int16),
                             self.lif_bias.reshape(-1), flags[:n_lif * batch])
        self.adex = BankState(np.repeat(layout.initial["AdEx"], batch, axis=1), np.zeros(n_adex * batch, np.int16),
                              self.adex_bias.reshape(-1), flags[n_lif * batch:(n_lif + n_adex) * batch])
        self.short_term = ShortTerm(np.repeat(layout.stp_initial[0], batch), np.repeat(layout.stp_initial[1], batch))
        self.learning = layout.learning_state(n_steps, layout.program.weight_probes)
        # a plastic program's synapses deliver what its registers hold: its own mantissas
        self.synapses = (layout.synapses._replace(mant=layout.synapses.mant.copy()) if layout.n_plastic
                         else layout.synapses)
        self.gates = Gates(np.zeros(layout.n_gates * batch, dtype=np.int32), np.zeros(layout.n_gates * batch, dtype=np.int32))
        ring_size = layout.ring_length * n_slots * batch
        self.dendrites = Dendrites(
            np.zeros(ring_size, dtype=layout.ring_dtype), np.zeros(max(layout.floored_size * batch, 1), dtype=np.int64),
            np.zeros((threads - 1, ring_size), dtype=layout.ring_dtype))
        self.fired = Fired(flags, np.zeros(layout.n_total * batch, dtype=np.int64),
                           np.zeros(layout.n_total * batch, dtype=np.int64))

        probed = np.zeros(layout.n_total, dtype=np.bool_)
        for name, indices in probes_recorder.spike_probes.items():
            probed[layout.offset[name] + indices] = True
        self.trace_keys = list(probes_recorder.trace_probes)
        trace_ids, trace_registers = [], []
        for name, var in self.trace_keys:
            indices = probes_recorder.trace_probes[(name, var)]
            q = layout.program.quantized.populations[name]
            if q.receptors is not None and var in q.receptors.to_physical:
                receptor, register, _ = q.receptors.to_physical[var]
                trace_ids.append(layout.element_offset[(name, q.receptors.names[receptor])] + indices)
                trace_registers.append(np.full(indices.size, ELEMENT_REGISTER + ("r0", "r1").index(register),
                                               dtype=np.int64))
                continue
            soma = SOMAS[q.model]
            trace_ids.append(layout.offset[name] + indices)
            trace_registers.append(np.full(indices.size, soma.registers.index(soma.probes[var]), dtype=np.int64))
        capacity = max(1 << 16, 16 * int(probed.sum()) * batch)
        self.recording = Recording(
            counts=np.zeros(layout.n_total * batch, dtype=np.int64), probed=probed,
            steps=np.zeros(capacity, dtype=np.int64), ids=np.zeros(capacity, dtype=np.int64),
            n_recorded=np.zeros(1, dtype=np.int64),
            trace_ids=np.concatenate(trace_ids or [np.zeros(0, np.int64)]).astype(np.int64),
            trace_registers=np.concatenate(trace_registers or [np.zeros(0, np.int64)]),
            traces=np.zeros((0, 0, batch), dtype=np.int64))
        n_cores = layout.n_cores
        self.counters = Counters(
            per_step=np.zeros((len(STEP_COUNTERS), n_steps, batch), dtype=np.int64),
            max_core_ns=np.zeros((n_steps, batch)), max_route_ns=np.zeros((n_steps, batch)),
            synops_per_core=np.zeros((n_cores, batch), dtype=np.int64),
            active_per_core=np.zeros((n_cores, batch), dtype=np.int64),
            step_synops=np.zeros(n_cores * batch, dtype=np.int64),
            step_active=np.zeros(n_cores * batch, dtype=np.int64),
            saturations=np.zeros((len(layout.order), len(SATURATION_KINDS), batch), dtype=np.int64),
            step_updates=np.zeros(n_cores * batch, dtype=np.int64),
            updates_per_core=np.zeros((n_cores, batch), dtype=np.int64))

    def grow_record(self) -> None:
        """Double the probed-spike record (the kernel stops before it could overflow)."""
        r = self.recording
        self.recording = r._replace(steps=np.concatenate([r.steps, np.zeros_like(r.steps)]),
                                    ids=np.concatenate([r.ids, np.zeros_like(r.ids)]))

    def trace_block(self, n_steps: int) -> np.ndarray:
        """A fresh trace buffer for a block of ``n_steps`` steps (also set on the recording)."""
        traces = np.zeros((n_steps, self.recording.trace_ids.size, self.batch), dtype=np.int64)
        self.recording = self.recording._replace(traces=traces)
        return traces
