"""The emulator's compiled step loop: the phases of a step, written once, for both engines.

Order within step ``t`` (docs/chip.md section 1), each a section of :func:`run_steps`:

1. ``GATHER``: the floored sums of negative-exponent (projection, delay) groups arriving in
   ``t`` join the shared accumulator slot (the chip scales each group's sum on its own).
2. ``SOMA``: every neuron reads and clears its slot and updates (:func:`lif_pass`,
   :func:`adex_pass`), leaving a flag byte (:mod:`.state`); the LIF pass computes in 32-bit
   lanes where the widths allow and counts its flags per run of neurons as it goes (one run:
   :func:`~.lif_block.lif_block`, which the threaded pass, :mod:`.threaded`, shares).
3. ``ROUTE``: the flags of both banks (for a single sample, the LIF pass's counts and the
   flag words with a spike bit) and the host's spikes give the step's spikes; each is
   counted and recorded, routed (messages and hops of its multicast tree) and delivered into
   the slots of step ``t + delay``; probed registers are recorded.
4. ``CLOSE``: the busiest core's time and the step's totals are closed.

The fast engine runs all four sections for many steps per call. The step-by-step engine
(:mod:`.stepper`) calls it for one step with ``GATHER``, updates the somas itself with the
chip's checked array API, then calls it with ``ROUTE | CLOSE``: both engines run this one loop, and
every rule it applies (decays, saturation, the floor, arrival slots, costs) is the chip
layer's. One function rather than one per phase: numba binds the arguments of an inlined
function by reference counting, which cost half a microsecond per step (measured).

Compiled variants of one source: a LIF-only program (most networks) never needs the AdEx
update, and leaving it out makes the first compilation about a second shorter; a program
without receptor elements (section 4.5) leaves out their pass and reads no contributions. Arguments are
the layout's records (:mod:`.layout`) and the run's (:mod:`.state`); arrays of neurons are
indexed ``g * B + b``.
"""
from __future__ import annotations

import numpy as np

from ..chip.adex import ADEX_I, ADEX_KIND, ADEX_W, ADEX_X, KIND_HH, adex_element, hh_row_element
from ..chip.costs import core_time_ns
from ..chip.dendrite import arrival_slot, dendrite_element, scaled_sum, scaled_synapse
from ..chip.numbers import saturate_element
from ..chip.receptors import (CONDUCTANCE_KIND, CURRENT_KIND, R_BLOCK_OFFSET, R_BLOCK_ORIGIN, R_BLOCK_SHIFT,
                              R_BLOCK_SIZE, R_COUPLE, R_COUPLE_SHIFT, R_DECAY0, R_DECAY1, R_DRIVE_SHIFT, R_E_REV,
                              R_INPUT_TO, R_KIND, R_MEAN0, R_MEAN0_SHIFT, R_MEAN1, R_MEAN1_SHIFT, receptor_update)
from ..chip.nmda import G_A, G_A_SHIFT, G_D_DECAY, G_D_RISE, gate_read_element, gate_spike_element, nmda_gate_element
from ..chip.learning import is_epoch_end, learning_step
from ..chip.short_term import (STP_D_FAC, STP_D_REC, STP_U, stp_relax_element, stp_scaled_element,
                               stp_spike_element)
from ..chip.lif import (LIF_BIAS_TO_CURRENT, LIF_DU, LIF_DV, LIF_REFRACTORY_STEPS, LIF_RESET_DELAY,
                        LIF_RESET_SUBTRACT, LIF_RESET_VALUE, LIF_SPIKING, LIF_THRESHOLD_INCLUSIVE, LIF_U, LIF_V,
                        LIF_VTH_MANT, lif_fits_int32)
from ..jit import njit
from .lif_block import lif_block, lif_soma
from .prefetch import PREFETCH_AHEAD, prefetch
from .spike_record import R_LATENCY, R_MESSAGES_EW, R_NS_IC, R_POP, RECORD_COLUMNS, high_half, low_half
from .layout import (P_EXPONENT, P_GATE, P_GATE_OFFSET, P_GATE_UNIFORM, P_GROUPS, P_INDPTR_OFFSET, P_POST_OFFSET,
                     P_POST_SIZE, P_PRE_OFFSET, P_PRE_SIZE, P_RING_LENGTH, P_RING_OFFSET, P_STP, P_STP_OFFSET,
                     P_UNIFORM_DELAY, row_bounds)
from .state import (ELEMENT_REGISTER, FLAG_DENDRITE_SATURATED, FLAG_INPUT, FLAG_SPIKED, FLAG_STATE_SATURATED, S_ACTIVE, S_EW,
                    S_IC, S_MESSAGES, S_NS, S_SPIKES, S_SYNOPS, S_UPDATES, soma_flags)
# The loops reach the threaded functions as globals, not closure variables: numba keys a cached
# closure by its variables' pickles, and a dispatcher's pickle differs in every process. A
# variant that is not threaded prunes the branches that call them, so it never compiles them.
from .threaded import LIF_BLOCK, deliver_threaded, lif_pass_threaded, merge_partials

#: The spike bit of each of eight flag bytes read as one word.
SPIKE_BITS = np.uint64(0x0101010101010101 * FLAG_SPIKED)

#: Sections of a step (bits of ``sections``); a fused run does ``ALL``. ``ROUTE`` counts and
#: delivers the step's spikes, ``CLOSE`` then closes its per-core totals (the busiest core's
#: time, synaptic ops and active neurons per step and core) and clears the per-core scratch.
#: ``LATE`` with ``ROUTE``: the step is a past one whose ``CLOSE`` has not run yet: only the
#: host's spikes (another rank's spikes of that step, :mod:`neurocompile.mpi.local`) are
#: counted and delivered, into the slots of ``step + delay``; the flags, short-term states,
#: gates, learning, route latency and traces (all the step's own) are left alone.
GATHER, SOMA, ROUTE, CLOSE, LATE = 1, 2, 4, 8, 16
ALL = GATHER | SOMA | ROUTE | CLOSE


@njit(nogil=True)
def lif_pass(slot, u, v, refractory_left, bias, flags, sets, bounds, bound_set, batch, decay_bits, shift, half,
             limit, low, high, run_counts):
    """Update every LIF neuron (of every sample) from its dendritic input in ``slot`` (cleared).

    One tight loop per run of neurons sharing a parameter set (runs ``bounds[r]..bounds[r + 1]``
    with row ``bound_set[r]`` of ``sets``, over its ``neurons x B`` elements; a separate
    function keeps it small for the optimiser). Runs without the discrete-time extensions
    pass them as constants 0, so their loop is the plain LIF's. The update is computed in
    32-bit lanes where the widths allow (:func:`~neurocompile.chip.lif.lif_fits_int32`). Fills
    the flags (:mod:`.state`) and, in the same pass, ``run_counts[r]``: the run's spikes,
    active neurons (spiked or with input), dendritic-input and state saturations (summed over
    the samples).
    """
    narrow = lif_fits_int32(half, decay_bits)
    for r in range(bound_set.size):
        lif_block(r, slot, u, v, refractory_left, bias, flags, sets, bounds, bound_set, batch, narrow, decay_bits,
                  shift, half, limit, low, high, run_counts)


@njit(nogil=True)
def lif_runs(segments, segment_set, pop_of, core_of, n_lif, block):
    """Runs of the LIF bank for a single sample: the parameter-set segments cut further where
    the population or the core changes, so that a run's flag counts belong to one population
    and (when ``run_core[r] >= 0``) one core, and every ``block`` neurons when ``block > 0``
    (blocks the threaded pass shares among threads; a cut changes no result). Returns
    ``(bounds, run_set, run_pop, run_core)``.

    A placement that scatters neurons over cores (more than one core change per 16 neurons)
    would leave runs too short to vectorise: runs are then not cut at cores, ``run_core`` is
    -1 and the kernel counts each active neuron on its own core.
    """
    changes = 0
    for g in range(1, n_lif):
        changes += core_of[g] != core_of[g - 1]
    by_core = changes * 16 <= n_lif
    cut = np.zeros(n_lif, dtype=np.bool_)
    for seg in range(segment_set.size):
        cut[segments[seg]] = True
    for g in range(1, n_lif):
        if pop_of[g] != pop_of[g - 1] or (by_core and core_of[g] != core_of[g - 1]):
            cut[g] = True
        if block > 0 and g % block == 0:
            cut[g] = True
    n_runs = 0
    for g in range(n_lif):
        n_runs += cut[g]
    bounds = np.zeros(n_runs + 1, dtype=np.int64)
    run_set = np.zeros(n_runs, dtype=np.int64)
    run_pop = np.zeros(n_runs, dtype=np.int64)
    run_core = np.full(n_runs, -1, dtype=np.int64)
    r = -1
    seg = -1
    for g in range(n_lif):
        if seg + 1 < segment_set.size and g == segments[seg + 1]:
            seg += 1
        if cut[g]:
            r += 1
            bounds[r] = g
            run_set[r] = segment_set[seg]
            run_pop[r] = pop_of[g]
            if by_core:
                run_core[r] = core_of[g]
    bounds[n_runs] = n_lif
    return bounds, run_set, run_pop, run_core


@njit(inline="always")
def _lif_segment_extra(slot, u, v, refractory_left, bias, extra, load, flags, du, dv, vth_mant, refractory_steps,
                       reset_value, reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive,
                       decay_bits, shift, half, limit, low, high):
    """:func:`~.lif_block.lif_segment` for neurons with receptor elements: ``extra`` is their summed
    contribution this step and ``load`` their conductance load (section 4.5)."""
    for n in range(slot.size):
        total = slot[n]
        slot[n] = 0
        u_new, v_new, refractory, fired, a_in = lif_soma(
            total, u[n], v[n], refractory_left[n], bias[n], extra[n], load[n], du, dv, vth_mant, refractory_steps,
            reset_value, reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, decay_bits,
            shift, half, limit, low, high)
        u[n] = u_new
        v[n] = v_new
        refractory_left[n] = refractory
        flags[n] = soma_flags(fired, a_in, total, v_new, limit)


@njit(nogil=True)
def lif_pass_extra(slot, u, v, refractory_left, bias, flags, sets, segments, segment_set, batch, decay_bits,
                   shift, half, limit, low, high, extra, load):
    """:func:`lif_pass` for programs with receptor elements: ``extra`` holds their summed
    contributions per neuron and sample, ``load`` their conductance loads (a separate function:
    the plain pass stays as it was)."""
    for seg in range(segment_set.size):
        p = sets[segment_set[seg]]
        start, stop = segments[seg] * batch, segments[seg + 1] * batch
        _lif_segment_extra(slot[start:stop], u[start:stop], v[start:stop], refractory_left[start:stop],
                           bias[start:stop], extra[start:stop], load[start:stop], flags[start:stop], p[LIF_DU],
                           p[LIF_DV],
                           p[LIF_VTH_MANT], p[LIF_REFRACTORY_STEPS], p[LIF_RESET_VALUE], p[LIF_RESET_SUBTRACT],
                           p[LIF_SPIKING], p[LIF_RESET_DELAY], p[LIF_BIAS_TO_CURRENT], p[LIF_THRESHOLD_INCLUSIVE],
                           decay_bits, shift, half, limit, low, high)


@njit(nogil=True)
def adex_pass(slot, x, w, i_syn, gates, refractory_left, bias, flags, sets, set_of, table_memory, batch, shift, limit,
              low, high, extra, with_extra):
    """Update every neuron of the nonlinear soma (of every sample) from its input in ``slot``
    (cleared); flags. ``gates``: the m, h, n registers (rows) when the bank has HH rows, else
    no rows; ``extra``: receptor contributions per neuron and sample, read when ``with_extra``.
    An HH row's counted state saturation is a step outside its gate tables."""
    single = sets.shape[0] == 1  # one parameter set (the usual case): no row lookup
    for k in range(set_of.size):
        row = 0 if single else set_of[k]
        hh = sets[row, ADEX_KIND] == KIND_HH
        for e in range(k * batch, (k + 1) * batch):
            total = slot[e]
            slot[e] = 0
            a_in = dendrite_element(total, low, high)
            if hh:
                x_new, i_new, m_new, h_new, n_new, fired, overflow, outside, _, _, _ = hh_row_element(
                    x[e], i_syn[e], gates[0, e], gates[1, e], gates[2, e], a_in, sets, row, bias[e],
                    extra[e] if with_extra else 0, table_memory, shift, limit)
                x[e] = x_new
                i_syn[e] = i_new
                gates[0, e] = m_new
                gates[1, e] = h_new
                gates[2, e] = n_new
                flags[e] = soma_flags(fired, a_in, total, limit if outside else w[e], limit)
                continue
            x_new, w_new, i_new, fired, refractory, _, _, _, _, _ = adex_element(
                x[e], w[e], i_syn[e], a_in, refractory_left[e], sets, row, bias[e],
                extra[e] if with_extra else 0, table_memory, shift, limit)
            x[e] = x_new
            w[e] = w_new
            i_syn[e] = i_new
            refractory_left[e] = refractory
            flags[e] = soma_flags(fired, a_in, total, w_new, limit)


@njit(nogil=True)  # a call, not inlined: keeps the step loop small for the optimiser
def stp_relax(short_term, row, start, count):
    """One step of relaxation of ``count`` short-term plasticity states from ``start``."""
    for e in range(start, start + count):
        u, x = stp_relax_element(np.int64(short_term.u[e]), np.int64(short_term.x[e]), row[STP_D_FAC],
                                 row[STP_D_REC])
        short_term.u[e] = u
        short_term.x[e] = x


@njit(nogil=True)  # a call, not inlined: keeps the step loop small for the optimiser
def deliver_scaled(ring, floored, slot_start, proj, p, delay_group, post, mant, delay, lo, hi, step, offset,
                   exponent, batch, b, efficacy):
    """Deliver synapses ``lo..hi-1`` of a spike of sample ``b`` scaled by ``efficacy``
    (docs/chip.md section 3.4): into the shared ring, or with a negative exponent the scaled
    mantissa into its floor group."""
    if exponent >= 0:
        for j in range(lo, hi):
            value = stp_scaled_element(scaled_synapse(np.int64(mant[j]), exponent), efficacy)
            ring[slot_start[delay[j]] + (offset + post[j]) * batch + b] += value
    else:
        for j in range(lo, hi):
            index = floor_group_slot(proj, p, delay_group, step, delay[j], post[j])
            floored[index * batch + b] += stp_scaled_element(np.int64(mant[j]), efficacy)


@njit(inline="always")
def prefetch_record(g, spike_record):
    """Ask for neuron ``g``'s spike record (:mod:`.spike_record`: one line), which
    :func:`prefetch_rows` and the delivery read a few spikes later."""
    prefetch(spike_record, g * RECORD_COLUMNS)


@njit(inline="always")
def prefetch_rows(g, spike_record, out_ptr, out_proj, proj, indptr, post, mant, run_ptr, run_packed, rows):
    """Ask for the synapse rows (targets and mantissas, when ``rows``) of neuron ``g``'s
    projections, one prefetch per cache line (:mod:`.prefetch`), and their per-core runs,
    without waiting (reads the record :func:`prefetch_record` asked for)."""
    pop = spike_record[g, R_POP]
    first_out = out_ptr[pop]
    for out in range(first_out, out_ptr[pop + 1]):
        lo, hi, q, _ = row_bounds(g, out, first_out, spike_record, proj, out_proj[out], indptr, run_ptr)
        prefetch(run_packed, q)
        if not rows:
            continue
        for j in range(lo, hi, 16):  # 64-byte lines of int32 targets
            prefetch(post, j)
        for j in range(lo, hi, 32):  # and of int16 mantissas
            prefetch(mant, j)


@njit(inline="always")
def floor_group_slot(proj, p, delay_group, step, d, target):
    """Position (before the sample axis) of neuron ``target`` in the floor-group ring of
    projection ``p`` (negative exponent) for a spike of ``step`` with delay ``d``."""
    size = proj[p, P_POST_SIZE]
    return (proj[p, P_RING_OFFSET] + arrival_slot(step, d, proj[p, P_RING_LENGTH]) * proj[p, P_GROUPS] * size
            + delay_group[p, d] * size + target)


@njit(inline="always")
def _element_segment(slot, r0, r1, v, extra, load, cores, core, row, lut, shift, limit, low, high, batch, counts,
                     step_active):
    """Update one run of elements sharing ``row`` (views from 0, aligned with their owners'
    voltages ``v``, contributions ``extra``, loads ``load`` and cores ``cores``, one per owner); adds to
    ``counts[kind, b]`` the dendrites (0) and elements (1) that saturated and, when all owners
    sit on core ``core`` (>= 0), the elements with input (2); otherwise an element with input
    counts on its owner's core directly."""
    if batch == 1 and core < 0:
        # Owners on several cores: count the elements with input per core first (a_in != 0
        # exactly when the slot is, as low < 0 < high), so that the update loop has no
        # scattered store.
        for n in range(slot.size):
            if slot[n] != 0:
                step_active[cores[n]] += 1
    # The row's kind and magnesium block are the same for the whole run, and so is a single
    # sample (batch 1): each branch passes them as constants, so that the inlined update has
    # no per-element branch and vectorises.
    block_offset = row[R_BLOCK_OFFSET]
    if batch != 1:
        _element_run(slot, r0, r1, v, extra, load, cores, row, row[R_KIND], block_offset, lut, shift, limit, low,
                     high, batch, counts, step_active)
        return
    if row[R_KIND] == CURRENT_KIND:
        active = _element_run(slot, r0, r1, v, extra, load, cores, row, CURRENT_KIND, -1, lut, shift, limit, low,
                              high, 1, counts, step_active)
    elif block_offset < 0:
        active = _element_run(slot, r0, r1, v, extra, load, cores, row, CONDUCTANCE_KIND, -1, lut, shift, limit,
                              low, high, 1, counts, step_active)
    else:
        active = _element_run(slot, r0, r1, v, extra, load, cores, row, CONDUCTANCE_KIND, block_offset, lut, shift,
                              limit, low, high, 1, counts, step_active)
    if core >= 0:
        step_active[core] += active


@njit(inline="always")
def _element_run(slot, r0, r1, v, extra, load, cores, row, kind, block_offset, lut, shift, limit, low, high, batch,
                 counts, step_active):
    """The loop of :func:`_element_segment` for a row of ``kind`` and ``block_offset``; returns
    the elements with input (a single sample; several samples count them in ``step_active``)."""
    input_to, decay0, decay1 = row[R_INPUT_TO], row[R_DECAY0], row[R_DECAY1]
    couple, couple_shift, mean0, mean0_shift = row[R_COUPLE], row[R_COUPLE_SHIFT], row[R_MEAN0], row[R_MEAN0_SHIFT]
    mean1, mean1_shift, e_rev, drive_shift = row[R_MEAN1], row[R_MEAN1_SHIFT], row[R_E_REV], row[R_DRIVE_SHIFT]
    block_origin, block_shift, block_size = row[R_BLOCK_ORIGIN], row[R_BLOCK_SHIFT], row[R_BLOCK_SIZE]
    saturated_input = saturated = active = 0
    for n in range(slot.size):
        total = slot[n]
        slot[n] = 0
        a_in = dendrite_element(total, low, high)
        r0_new, r1_new, c, overflow, _, _, _, element_load = receptor_update(
            r0[n], r1[n], a_in, v[n], kind, input_to, decay0, decay1, couple, couple_shift, mean0, mean0_shift,
            mean1, mean1_shift, e_rev, drive_shift, block_offset, block_origin, block_shift, block_size, lut, shift,
            limit)
        r0[n] = r0_new
        r1[n] = r1_new
        extra[n] += c
        load[n] += element_load
        if batch == 1:  # loop-invariant: a single sample sums in registers
            saturated_input += a_in != total
            saturated += overflow != 0
            active += a_in != 0
        else:
            b = n % batch
            counts[0, b] += a_in != total
            counts[1, b] += overflow != 0
            if a_in != 0:
                step_active[cores[n // batch] * batch + b] += 1
    if batch == 1:
        counts[0, 0] += saturated_input
        counts[1, 0] += saturated
    return active


@njit(nogil=True)  # a call, not inlined: keeps the step loop small for the optimiser
def gate_pass(gates, row, proj, p, delay_group, indptr, post, mant, delay, run_ptr, run_core, run_count, floored,
              step, batch, step_synops, per_step, messages):
    """Every NMDA gate of projection ``p`` (docs/chip.md section 3.5): one step, then each
    non-zero rise adds ``mantissa x rise`` per synapse to its wide floor-group accumulator,
    counted as synaptic operations and one message of its neuron. An all-to-all projection
    with one mantissa (``P_GATE_UNIFORM``) adds the mantissa times the summed rises to each
    neuron once: the same sums, without a pass over its synapses."""
    start = proj[p, P_GATE_OFFSET]
    uniform = proj[p, P_GATE_UNIFORM]
    total = np.zeros(batch, dtype=np.int64)
    for local in range(proj[p, P_PRE_SIZE]):
        for b in range(batch):
            e = (start + local) * batch + b
            x, s_new, rise = nmda_gate_element(np.int64(gates.x[e]), np.int64(gates.s[e]), row[G_A], row[G_A_SHIFT],
                                               row[G_D_RISE], row[G_D_DECAY])
            gates.x[e] = x
            gates.s[e] = s_new
            if rise == 0:
                continue
            row_at = proj[p, P_INDPTR_OFFSET] + local
            if uniform != 0:
                total[b] += rise
            else:
                for j in range(indptr[row_at], indptr[row_at + 1]):
                    index = floor_group_slot(proj, p, delay_group, step, delay[j], post[j])
                    floored[index * batch + b] += np.int64(mant[j]) * rise
            for q in range(run_ptr[row_at], run_ptr[row_at + 1]):
                step_synops[run_core[q] * batch + b] += run_count[q]
            per_step[S_MESSAGES, step, b] += messages[proj[p, P_PRE_OFFSET] + local]
    if uniform != 0:
        d = proj[p, P_UNIFORM_DELAY]
        for b in range(batch):
            if total[b] != 0:
                for k in range(proj[p, P_POST_SIZE]):
                    floored[floor_group_slot(proj, p, delay_group, step, d, k) * batch + b] += uniform * total[b]


@njit(nogil=True)
def receptor_pass(slot, elements, lif_v, adex_x, n_lif, batch, shift, limit, low, high, saturations, step_active,
                  core_of):
    """Update every receptor element (of every sample) from its input in ``slot`` (cleared)
    and the owner's voltage before this step's update; sum the contributions per neuron into
    ``elements.extra`` (saturated: docs/chip.md section 4.5). One loop per run of elements
    with one row (``Elements.segments``). Counts saturations under the owner's population and
    an element with input as an active compartment of its owner's core."""
    extra, load, r0, r1 = elements.extra, elements.load, elements.r0, elements.r1
    extra[:] = 0
    load[:] = 0
    counts = np.zeros((2, batch), dtype=np.int64)
    for seg in range(elements.segment_set.size):
        start, stop = elements.segments[seg] * batch, elements.segments[seg + 1] * batch
        owner = elements.segment_owner[seg]
        first = owner * batch  # owners are consecutive: element n <-> owner n
        count = stop - start
        v = lif_v[first:first + count] if first < n_lif * batch else adex_x[first - n_lif * batch:
                                                                            first - n_lif * batch + count]
        counts[:] = 0
        _element_segment(slot[start:stop], r0[start:stop], r1[start:stop], v, extra[first:first + count],
                         load[first:first + count],
                         core_of[owner:owner + count // batch], elements.segment_core[seg],
                         elements.sets[elements.segment_set[seg]],
                         elements.lut, shift, limit, low, high, batch, counts, step_active)
        pop = elements.segment_pop[seg]
        for b in range(batch):
            saturations[pop, 0, b] += counts[0, b]
            saturations[pop, 1, b] += counts[1, b]
    for e in range(extra.size):
        extra[e] = saturate_element(extra[e], -limit, limit)


@njit(nogil=True)  # a call, not inlined: keeps the step loop small for the optimiser
def learning_pass(learning, proj, indptr, post, mant, run_ptr, run_core, run_count, core_of, fired_ids, n_spiked,
                  step, per_step, step_updates):
    """The learning rule of every plastic projection (docs/chip.md section 3.6) after the
    step's spikes were delivered (one sample): its spiking pre- and postsynaptic neurons from
    the step's spike list, then :func:`~neurocompile.chip.learning.learning_step` (weights
    change only when ``step``, counted from the run's 0, ends a learning epoch). A depression
    updates the synapses of its row on their cores (the row's synaptic-op runs), a
    potentiation those of its column on the postsynaptic neuron's core."""
    pre_spiking, post_spiking = learning.pre_spiking, learning.post_spiking
    pre_updated, post_updated = learning.pre_updated, learning.post_updated
    epoch_end = is_epoch_end(step, learning.epoch_log2)
    for k in range(learning.proj.size):
        p = learning.proj[k]
        pre_first, pre_size = proj[p, P_PRE_OFFSET], proj[p, P_PRE_SIZE]
        post_first, post_size = learning.post_offset[k], proj[p, P_POST_SIZE]
        n_pre = n_post = 0
        for s in range(n_spiked):
            g = fired_ids[s]
            if pre_first <= g < pre_first + pre_size:
                pre_spiking[n_pre] = g - pre_first
                n_pre += 1
            if post_first <= g < post_first + post_size:
                post_spiking[n_post] = g - post_first
                n_post += 1
        w0, w1 = learning.weight_start[k], learning.weight_start[k + 1]
        x0, x1 = learning.x_start[k], learning.x_start[k + 1]
        y0, y1 = learning.y_start[k], learning.y_start[k + 1]
        rows_at = proj[p, P_INDPTR_OFFSET]
        first = indptr[rows_at]
        c0 = learning.col_start[k]
        col_ptr = learning.col_ptr[c0:c0 + post_size + 1]
        operations, n_rows, n_cols = learning_step(
            learning.rows[k], learning.weight[w0:w1], mant[first:first + w1 - w0], learning.x[x0:x1],
            learning.y[y0:y1], pre_spiking[:n_pre], post_spiking[:n_post], learning.pre_flag[x0:x1],
            learning.post_flag[y0:y1], epoch_end, pre_updated, post_updated, indptr[rows_at:rows_at + pre_size + 1],
            post[first:first + w1 - w0], col_ptr, learning.col_synapse[w0:w1], learning.pre_of[w0:w1])
        per_step[S_UPDATES, step, 0] += operations
        for s in range(n_rows):
            row_at = rows_at + pre_updated[s]
            for q in range(run_ptr[row_at], run_ptr[row_at + 1]):
                step_updates[run_core[q]] += run_count[q]
        for s in range(n_cols):
            i = post_updated[s]
            step_updates[core_of[post_first + i]] += col_ptr[i + 1] - col_ptr[i]
    for t in range(learning.probe_synapse.size):
        learning.probe_record[step, t] = learning.weight[learning.probe_synapse[t]]


def _make_run_steps(with_adex: bool, with_receptors: bool, threaded: bool = False):
    """The loop with (``with_adex``) or without the AdEx soma update, with
    (``with_receptors``) or without receptor elements; ``threaded``: the LIF pass (without
    receptor elements) and the plain deliveries on numba's threads (:mod:`.threaded`), as
    many as :func:`numba.set_num_threads` set in the calling thread."""

    def run_steps(first, stop, sections, dims, registers, lif_table, adex_table, synapses, fabric, lif, adex,
                  dendrites, host, fired, recording, counters, elements, short_term, gates, learning):
        """Run the ``sections`` of steps ``first..stop-1`` of B samples; returns the step after
        the last one run. Host spikes and traces are indexed from ``first``.

        Stops early (before a step) when the probed-spike record could overflow in the next
        step; the caller enlarges it and calls again.
        """
        batch = dims.batch
        n_lif, n_adex = dims.n_lif, dims.n_adex
        n_neurons = n_lif + n_adex
        n_slots = dims.n_slots  # accumulators per ring slot and sample: neurons, then elements
        ring_length = dims.ring_length
        # Record fields used in inner loops are bound once here: numba otherwise counts a
        # reference for every field access of every iteration.
        ring, floored, partial, proj = dendrites.ring, dendrites.floored, dendrites.partial, synapses.proj
        indptr, post, mant, delay = synapses.indptr, synapses.post, synapses.mant, synapses.delay
        run_ptr, run_core, run_count = synapses.run_ptr, synapses.run_core, synapses.run_count
        run_packed = synapses.run_packed
        pop_of, out_ptr, out_proj = synapses.pop_of, synapses.out_ptr, synapses.out_proj
        delay_group = synapses.delay_group
        core_of, messages = fabric.core_of, fabric.messages
        spike_record = fabric.spike_record  # per neuron, what its spike's delivery reads (one line)
        record_latency = spike_record.view(np.float64)  # its R_LATENCY column holds a float64
        fired_ids, fired_samples = fired.ids, fired.samples
        flags = fired.flags
        flag_words = flags.view(np.uint64)  # flags are padded to whole words
        lif_u, lif_v = lif.registers[LIF_U], lif.registers[LIF_V]
        adex_x, adex_w, adex_i = adex.registers[ADEX_X], adex.registers[ADEX_W], adex.registers[ADEX_I]
        adex_gates = adex.registers[ADEX_I + 1:]  # m, h, n when the bank has HH rows
        counts, probed, n_recorded = recording.counts, recording.probed, recording.n_recorded
        per_step = counters.per_step
        step_synops, step_active, saturations = counters.step_synops, counters.step_active, counters.saturations
        t_synop, t_active, t_inactive = fabric.time_ns[0], fabric.time_ns[1], fabric.time_ns[2]
        t_update = fabric.time_ns[3]
        step_updates = counters.step_updates
        plastic = learning.proj.size > 0
        n_probed = 0
        for g in range(probed.size):
            if probed[g]:
                n_probed += 1
        slot_start = np.zeros(ring_length, dtype=np.int64)
        # A single sample's LIF update also counts its flags (per run of one population and
        # core), so the route section scans only the words with a spike instead of every flag.
        fused = batch == 1 and (sections & SOMA) != 0 and not with_receptors
        if fused or (threaded and not with_receptors):  # the threaded pass shares blocks of runs
            bounds, bound_set, lif_run_pop, lif_run_core = lif_runs(lif_table.segments, lif_table.segment_set, pop_of,
                                                                    core_of, n_lif, LIF_BLOCK if threaded else 0)
        else:
            bounds, bound_set = lif_table.segments, lif_table.segment_set
            lif_run_pop = lif_run_core = bound_set
        run_counts = np.zeros((bound_set.size, 4), dtype=np.int64)
        longest = np.zeros(batch)
        busiest = np.zeros(batch)
        for step in range(first, stop):
            if sections & ROUTE and n_recorded[0] + n_probed * batch > recording.ids.size:
                return step
            row = step - first
            base = (step % ring_length) * n_slots * batch  # this step's slot of the shared ring
            if sections & GATHER:
                for p in range(dims.n_projections):
                    exponent = proj[p, P_EXPONENT]
                    graded = proj[p, P_GATE] >= 0  # NMDA gates: wide sums of graded products
                    if exponent >= 0 and not graded:
                        continue
                    groups = proj[p, P_GROUPS]
                    size = proj[p, P_POST_SIZE]
                    into = base + proj[p, P_POST_OFFSET] * batch
                    start = (proj[p, P_RING_OFFSET] + (step % proj[p, P_RING_LENGTH]) * groups * size) * batch
                    for group in range(groups):
                        for k in range(size * batch):
                            value = floored[start + k]
                            if value != 0:
                                if graded:
                                    ring[into + k] += gate_read_element(value, exponent)
                                else:
                                    ring[into + k] += scaled_sum(value, exponent)
                                floored[start + k] = 0
                        start += size * batch
            if sections & SOMA:
                if threaded:  # the other threads' deliveries join the slots read below (the LIF pass adds its own)
                    merge_partials(ring, partial, base if with_receptors else base + n_lif * batch,
                                   base + n_slots * batch)
                if with_receptors:  # compile-time constant, like with_adex
                    into = base + n_neurons * batch
                    receptor_pass(ring[into:base + n_slots * batch], elements, lif_v, adex_x, n_lif, batch,
                                  registers.shift, registers.limit, registers.dendrite_low, registers.dendrite_high,
                                  saturations, step_active, core_of)
                    lif_pass_extra(ring[base:base + n_lif * batch], lif_u, lif_v, lif.refractory, lif.bias,
                                   lif.flags, lif_table.sets, lif_table.segments, lif_table.segment_set, batch,
                                   registers.decay_bits, registers.shift, registers.half, registers.limit,
                                   registers.dendrite_low, registers.dendrite_high, elements.extra[:n_lif * batch],
                                   elements.load[:n_lif * batch])
                elif threaded:  # a compile-time constant too
                    lif_pass_threaded(ring[base:base + n_lif * batch], lif_u, lif_v, lif.refractory, lif.bias,
                                      lif.flags, lif_table.sets, bounds, bound_set, batch, registers.decay_bits,
                                      registers.shift, registers.half, registers.limit, registers.dendrite_low,
                                      registers.dendrite_high, run_counts, partial, base)
                else:
                    lif_pass(ring[base:base + n_lif * batch], lif_u, lif_v, lif.refractory, lif.bias, lif.flags,
                             lif_table.sets, bounds, bound_set, batch, registers.decay_bits, registers.shift,
                             registers.half, registers.limit, registers.dendrite_low, registers.dendrite_high,
                             run_counts)
                if with_adex:  # a compile-time constant: LIF-only kernels leave the AdEx code out
                    into = base + n_lif * batch
                    adex_pass(ring[into:into + n_adex * batch], adex_x, adex_w, adex_i, adex_gates, adex.refractory,
                              adex.bias, adex.flags, adex_table.sets, adex_table.set_of, adex_table.exp_values, batch,
                              registers.shift, registers.limit, registers.dendrite_low, registers.dendrite_high,
                              elements.extra[n_lif * batch:n_neurons * batch] if with_receptors else elements.extra,
                              with_receptors)
            if not sections & (ROUTE | CLOSE):
                continue
            # ROUTE of a step run now scans its flags; of a LATE (past) step, only the host's
            # spikes (another rank's, of that step) are counted and delivered (docs below).
            scan = (sections & ROUTE) != 0 and (sections & LATE) == 0
            # The step's spikes: a scan of the flags of both banks for spikes, active neurons and
            # saturations, then the host's spikes. A single sample (the common case) is scanned
            # eight flags at a time (most are 0) with neuron = element; a batch in neuron-major,
            # sample-inner order. Two loops rather than one with a branch on B inside: the
            # branch cost 4 % of a CUBA run (measured). When this call updated the LIF bank of a
            # single sample, its pass already counted the flags per run: only the words with a
            # spike bit are read (the scan took a third of a 1M-neuron step).
            n_spiked = 0
            if scan and batch == 1:
                scan_from = 0
                if fused:  # the LIF bank's counts came with its update: only its spikes are looked up
                    spikes = 0
                    for r in range(bound_set.size):
                        saturations[lif_run_pop[r], 0, 0] += run_counts[r, 2]
                        saturations[lif_run_pop[r], 1, 0] += run_counts[r, 3]
                        if lif_run_core[r] >= 0:
                            step_active[lif_run_core[r]] += run_counts[r, 1]
                        elif run_counts[r, 1] > 0:
                            for g in range(bounds[r], bounds[r + 1]):
                                if flags[g] & (FLAG_SPIKED | FLAG_INPUT):
                                    step_active[core_of[g]] += 1
                        spikes += run_counts[r, 0]
                    if spikes > 0:
                        for block in range((n_lif + 7) // 8):  # eight flags a time, spike bits only
                            if flag_words[block] & SPIKE_BITS == 0:
                                continue
                            for g in range(8 * block, min(8 * block + 8, n_lif)):
                                if flags[g] & FLAG_SPIKED:
                                    fired_ids[n_spiked] = g
                                    fired_samples[n_spiked] = 0
                                    n_spiked += 1
                    scan_from = n_lif
                for block in range(scan_from // 8, flag_words.size):
                    if flag_words[block] == 0:
                        continue
                    for g in range(max(8 * block, scan_from), min(8 * block + 8, n_neurons)):
                        flag = flags[g]
                        if flag == 0:
                            continue
                        if flag & FLAG_DENDRITE_SATURATED:
                            saturations[pop_of[g], 0, 0] += 1
                        if flag & FLAG_STATE_SATURATED:
                            saturations[pop_of[g], 1, 0] += 1
                        if flag & FLAG_SPIKED:
                            fired_ids[n_spiked] = g
                            fired_samples[n_spiked] = 0
                            n_spiked += 1
                        if flag & (FLAG_SPIKED | FLAG_INPUT):
                            step_active[core_of[g]] += 1
            elif scan:
                e = 0
                for g in range(n_neurons):
                    for b in range(batch):
                        flag = flags[e]
                        e += 1
                        if flag == 0:
                            continue
                        if flag & FLAG_DENDRITE_SATURATED:
                            saturations[pop_of[g], 0, b] += 1
                        if flag & FLAG_STATE_SATURATED:
                            saturations[pop_of[g], 1, b] += 1
                        if flag & FLAG_SPIKED:
                            fired_ids[n_spiked] = g
                            fired_samples[n_spiked] = b
                            n_spiked += 1
                        if flag & (FLAG_SPIKED | FLAG_INPUT):
                            step_active[core_of[g] * batch + b] += 1
            if sections & ROUTE:
                for j in range(host.ptr[row], host.ptr[row + 1]):
                    g = host.ids[j] // batch
                    fired_ids[n_spiked] = g
                    fired_samples[n_spiked] = host.ids[j] - g * batch
                    n_spiked += 1
            # Short-term plasticity: every state relaxes one step before this step's spikes.
            if scan:
                for p in range(dims.n_projections):
                    k = proj[p, P_STP]
                    if k >= 0:
                        stp_relax(short_term, synapses.stp[k], proj[p, P_STP_OFFSET] * batch,
                                  proj[p, P_PRE_SIZE] * batch)
            # Count, record, route and deliver them: mantissa << exponent into the shared ring,
            # or the raw mantissa into its (projection, delay) group's ring when the exponent is
            # negative (floored when it arrives). A table of slots spares a division per synapse.
            for d in range(ring_length):
                slot_start[d] = arrival_slot(step, d, ring_length) * n_slots * batch
            longest[:] = 0.0
            # Spike counts and probed spikes in a pass of their own, in the same order: the
            # delivery's loop below then waits for fewer lines per spike (measured 15 % faster
            # with the packed runs).
            for s in range(n_spiked):
                g = fired_ids[s]
                b = fired_samples[s]
                counts[g * batch + b] += 1
                if probed[g]:
                    recording.steps[n_recorded[0]] = step
                    recording.ids[n_recorded[0]] = g * batch + b
                    n_recorded[0] += 1
            for s in range(n_spiked):
                # Two stages: first the record of a spike further on (one line: its population,
                # row bounds and route counters), then its rows and runs.
                if s + 2 * PREFETCH_AHEAD < n_spiked:
                    prefetch_record(fired_ids[s + 2 * PREFETCH_AHEAD], spike_record)
                if s + PREFETCH_AHEAD < n_spiked:
                    prefetch_rows(fired_ids[s + PREFETCH_AHEAD], spike_record, out_ptr, out_proj, proj, indptr, post,
                                  mant, run_ptr, run_packed, not threaded)
                g = fired_ids[s]
                b = fired_samples[s]
                pair = spike_record[g, R_MESSAGES_EW]
                per_step[S_MESSAGES, step, b] += low_half(pair)
                per_step[S_EW, step, b] += high_half(pair)
                pair = spike_record[g, R_NS_IC]
                per_step[S_NS, step, b] += low_half(pair)
                per_step[S_IC, step, b] += high_half(pair)
                per_step[S_SPIKES, step, b] += 1
                if record_latency[g, R_LATENCY] > longest[b]:
                    longest[b] = record_latency[g, R_LATENCY]
                pop = spike_record[g, R_POP]
                first_out = out_ptr[pop]
                for out in range(first_out, out_ptr[pop + 1]):
                    p = out_proj[out]
                    local = g - proj[p, P_PRE_OFFSET]
                    if proj[p, P_GATE] >= 0:  # an NMDA gate: the spike only raises its x
                        e = (proj[p, P_GATE_OFFSET] + local) * batch + b
                        gates.x[e] = gate_spike_element(np.int64(gates.x[e]))
                        continue
                    exponent = proj[p, P_EXPONENT]
                    offset = proj[p, P_POST_OFFSET]
                    lo, hi, q_lo, q_hi = row_bounds(g, out, first_out, spike_record, proj, p, indptr, run_ptr)
                    for q in range(q_lo, q_hi):  # synaptic ops per core (core and count packed)
                        step_synops[low_half(run_packed[q]) * batch + b] += high_half(run_packed[q])
                    uniform = proj[p, P_UNIFORM_DELAY]
                    k_stp = proj[p, P_STP]
                    if k_stp >= 0:  # short-term plasticity: every synapse scaled by the efficacy
                        e = (proj[p, P_STP_OFFSET] + local) * batch + b
                        u_new, x_new, efficacy = stp_spike_element(np.int64(short_term.u[e]),
                                                                   np.int64(short_term.x[e]), synapses.stp[k_stp, STP_U])
                        short_term.u[e] = u_new
                        short_term.x[e] = x_new
                        deliver_scaled(ring, floored, slot_start, proj, p, delay_group, post, mant, delay, lo, hi,
                                       step, offset, exponent, batch, b, efficacy)
                    elif exponent >= 0 and threaded:
                        pass  # plain synapses: added by deliver_threaded after this loop, on all threads
                    elif exponent >= 0 and uniform > 0 and batch == 1:  # the common case: one slot for the row
                        into = slot_start[uniform] + offset  # (a loop without the batch's multiply: 12 % faster)
                        for j in range(lo, hi):
                            ring[into + post[j]] += scaled_synapse(np.int64(mant[j]), exponent)
                    elif exponent >= 0 and uniform > 0:
                        into = slot_start[uniform] + offset * batch + b
                        for j in range(lo, hi):
                            ring[into + post[j] * batch] += scaled_synapse(np.int64(mant[j]), exponent)
                    elif exponent >= 0:
                        for j in range(lo, hi):
                            ring[slot_start[delay[j]] + (offset + post[j]) * batch + b] += (
                                scaled_synapse(np.int64(mant[j]), exponent))
                    else:
                        for j in range(lo, hi):
                            index = floor_group_slot(proj, p, delay_group, step, delay[j], post[j])
                            floored[index * batch + b] += mant[j]
            if threaded and n_spiked > 0:
                deliver_threaded(ring, partial, slot_start, proj, spike_record, out_ptr, out_proj, indptr, run_ptr,
                                 post, mant, delay, fired_ids, fired_samples, n_spiked, batch)
            # NMDA gates rise and send their rises, graded, through their synapses.
            if scan:
                for p in range(dims.n_projections):
                    if proj[p, P_GATE] >= 0:
                        gate_pass(gates, synapses.gate[proj[p, P_GATE]], proj, p, delay_group, indptr, post, mant,
                                  delay, run_ptr, run_core, run_count, floored, step, batch, step_synops, per_step,
                                  messages)
            # Learning: plastic projections change their weights after the step's deliveries.
            if plastic and scan:
                learning_pass(learning, proj, indptr, post, mant, run_ptr, run_core, run_count, core_of, fired_ids,
                              n_spiked, step, per_step, step_updates)
            if scan:
                for b in range(batch):
                    counters.max_route_ns[step, b] = longest[b]
            # The busiest core's time and the step's totals; the per-core scratch is cleared.
            if sections & CLOSE:
                busiest[:] = 0.0
                for c in fabric.used_cores:
                    for b in range(batch):
                        e = c * batch + b
                        syn = step_synops[e]
                        act = step_active[e]
                        core_ns = core_time_ns(syn, act, fabric.neurons_per_core[c], t_synop, t_active, t_inactive)
                        if plastic:
                            core_ns += step_updates[e] * t_update
                            counters.updates_per_core[c, b] += step_updates[e]
                            step_updates[e] = 0
                        if core_ns > busiest[b]:
                            busiest[b] = core_ns
                        per_step[S_SYNOPS, step, b] += syn
                        per_step[S_ACTIVE, step, b] += act
                        counters.synops_per_core[c, b] += syn
                        counters.active_per_core[c, b] += act
                        step_synops[e] = 0
                        step_active[e] = 0
                for b in range(batch):
                    counters.max_core_ns[step, b] = busiest[b]
            # Probed registers at the end of the step.
            if scan:
                for t in range(recording.trace_ids.size):
                    g = recording.trace_ids[t]
                    register = recording.trace_registers[t]
                    for b in range(batch):
                        if with_receptors and register >= ELEMENT_REGISTER:
                            held = elements.r0 if register == ELEMENT_REGISTER else elements.r1
                            recording.traces[row, t, b] = held[g * batch + b]
                        elif g < n_lif:
                            recording.traces[row, t, b] = lif.registers[register, g * batch + b]
                        else:
                            recording.traces[row, t, b] = adex.registers[register, (g - n_lif) * batch + b]
        return stop

    return njit(nogil=True)(run_steps)  # nogil: batches run in threads, one chunk of samples each


#: The loop for programs without / with AdEx neurons (same arguments, same results), and the
#: same with receptor elements.
run_steps_lif = _make_run_steps(False, False)
run_steps_adex = _make_run_steps(True, False)
run_steps_lif_receptors = _make_run_steps(False, True)
run_steps_adex_receptors = _make_run_steps(True, True)
#: The same loops on several threads (same arguments, same results). numba compiles a variant
#: at its first call (then caches it on disk), so a process that never runs one on several
#: threads never compiles it.
THREADED = {(adex, receptors): _make_run_steps(adex, receptors, threaded=True)
            for adex in (False, True) for receptors in (False, True)}


def kernel_for(layout, threaded: bool = False):
    """The loop a program needs (a kernel without code it never runs); ``threaded``: its
    variant that shares the LIF pass and the deliveries among numba's threads."""
    if threaded:
        return THREADED[bool(layout.n_adex), bool(layout.n_elements)]
    if layout.n_elements:
        return run_steps_adex_receptors if layout.n_adex else run_steps_lif_receptors
    return run_steps_adex if layout.n_adex else run_steps_lif
