"""The phases of one emulated step, compiled; both engines run exactly these.

Order within step ``t`` (docs/chip.md section 1): the floored sums of negative-exponent
projections join the shared accumulator (:func:`gather_floored_input`); every soma reads its
slot and updates (:func:`update_lif_bank`, :func:`update_adex_bank`, or the step-by-step
engine's checked update); the spikes of the step are collected from the flags and the host
(:func:`collect_spikes`, :func:`collect_host_spikes`), routed and delivered into the slots of
step ``t + d`` (:func:`route_and_deliver`); the step's per-core time and totals are closed
(:func:`close_step`) and probed registers recorded (:func:`record_traces`). Every rule they
apply (decays, saturation, the floor, arrival slots, costs) is the chip layer's.

The functions are inlined into the compiled kernel (:mod:`.kernel`) and called one by one,
step by step, by :mod:`.stepper`. Arrays of neurons are indexed ``g * B + b`` (:mod:`.state`).
"""
from __future__ import annotations

import numpy as np

from ..chip.adex import ADEX_I, ADEX_W, ADEX_X, adex_element
from ..chip.costs import core_time_ns
from ..chip.dendrite import arrival_slot, dendrite_element, scaled_sum, scaled_synapse
from ..chip.lif import (LIF_DU, LIF_DV, LIF_REFRACTORY_STEPS, LIF_RESET_SUBTRACT, LIF_RESET_VALUE, LIF_SPIKING,
                        LIF_U, LIF_V, LIF_VTH_MANT, lif_element)
from ..jit import njit
from .layout import (P_EXPONENT, P_GROUPS, P_INDPTR_OFFSET, P_POST_OFFSET, P_POST_SIZE, P_PRE_OFFSET,
                     P_RING_LENGTH, P_RING_OFFSET, P_UNIFORM_DELAY)
from .state import (FLAG_DENDRITE_SATURATED, FLAG_INPUT, FLAG_SPIKED, FLAG_STATE_SATURATED, S_ACTIVE, S_EW,
                    S_IC, S_MESSAGES, S_NS, S_SPIKES, S_SYNOPS)


@njit(inline="always")
def slot_base(step, dims):
    """First element of the shared ring's slot of ``step``."""
    return (step % dims.ring_length) * (dims.n_lif + dims.n_adex) * dims.batch


@njit(inline="always")
def gather_floored_input(step, dims, synapses, dendrites):
    """Add the floored (projection, delay) sums arriving in ``step`` to the shared slot (and
    clear them): the chip scales each group's sum of mantissas on its own."""
    batch = dims.batch
    ring, floored, proj = dendrites.ring, dendrites.floored, synapses.proj
    base = slot_base(step, dims)
    for p in range(dims.n_projections):
        exponent = proj[p, P_EXPONENT]
        if exponent >= 0:
            continue
        groups = proj[p, P_GROUPS]
        size = proj[p, P_POST_SIZE]
        into = base + proj[p, P_POST_OFFSET] * batch
        start = (proj[p, P_RING_OFFSET] + (step % proj[p, P_RING_LENGTH]) * groups * size) * batch
        for group in range(groups):
            for k in range(size * batch):
                value = floored[start + k]
                if value != 0:
                    ring[into + k] += scaled_sum(value, exponent)
                    floored[start + k] = 0
            start += size * batch


@njit(nogil=True)
def _lif_pass(slot, u, v, refractory_left, bias, flags, sets, segments, segment_set, batch, decay_bits,
              shift, half, limit, low, high):
    """Update every LIF neuron (of every sample) from its dendritic input in ``slot`` (cleared).

    One tight loop per run of neurons sharing a parameter set, over its ``neurons x B``
    elements: no branches and no appends, so that it vectorises (a separate function keeps it
    small for the optimiser). Fills the flags (:mod:`.state`).
    """
    for seg in range(segment_set.size):
        pset = segment_set[seg]
        du, dv, vth_mant = sets[pset, LIF_DU], sets[pset, LIF_DV], sets[pset, LIF_VTH_MANT]
        refractory_steps, reset_value = sets[pset, LIF_REFRACTORY_STEPS], sets[pset, LIF_RESET_VALUE]
        reset_subtract, spiking = sets[pset, LIF_RESET_SUBTRACT], sets[pset, LIF_SPIKING]
        start, stop = segments[seg] * batch, segments[seg + 1] * batch
        # Views and a range from 0 let the compiler drop negative-index checks (and vectorise).
        slot_s, u_s, v_s = slot[start:stop], u[start:stop], v[start:stop]
        refractory_s, bias_s, flags_s = refractory_left[start:stop], bias[start:stop], flags[start:stop]
        for n in range(stop - start):
            total = slot_s[n]
            slot_s[n] = 0
            a_in = dendrite_element(total, low, high)
            u_new, v_new, fired, refractory, _, _ = lif_element(
                u_s[n], v_s[n], a_in, refractory_s[n], du, dv, vth_mant, refractory_steps,
                reset_value, reset_subtract, spiking, bias_s[n], decay_bits, shift, half, limit)
            u_s[n] = u_new
            v_s[n] = v_new
            refractory_s[n] = refractory
            flags_s[n] = (np.uint8(fired) * FLAG_SPIKED | np.uint8(a_in != 0) * FLAG_INPUT
                          | np.uint8(a_in != total) * FLAG_DENDRITE_SATURATED
                          | np.uint8(v_new == limit or v_new == -limit) * FLAG_STATE_SATURATED)


@njit(inline="always")
def update_lif_bank(step, dims, registers, table, lif, dendrites):
    """The soma phase of the LIF/LI bank."""
    base = slot_base(step, dims)
    _lif_pass(dendrites.ring[base:base + dims.n_lif * dims.batch], lif.registers[LIF_U], lif.registers[LIF_V],
              lif.refractory, lif.bias, lif.flags, table.sets, table.segments, table.segment_set, dims.batch, registers.decay_bits,
              registers.shift, registers.half, registers.limit, registers.dendrite_low, registers.dendrite_high)


@njit(inline="always")
def update_adex_bank(step, dims, registers, table, adex, dendrites):
    """The soma phase of the AdEx bank; fills its flags (:mod:`.state`)."""
    batch = dims.batch
    ring = dendrites.ring
    into = slot_base(step, dims) + dims.n_lif * batch
    single = table.sets.shape[0] == 1  # one parameter set (the usual case): no row lookup
    limit = registers.limit
    x, w, i_syn = adex.registers[ADEX_X], adex.registers[ADEX_W], adex.registers[ADEX_I]
    for k in range(dims.n_adex):
        row = 0 if single else table.set_of[k]
        for b in range(batch):
            e = k * batch + b
            total = ring[into + e]
            ring[into + e] = 0
            a_in = dendrite_element(total, registers.dendrite_low, registers.dendrite_high)
            x_new, w_new, i_new, fired, refractory, _, _, _, _, _ = adex_element(
                x[e], w[e], i_syn[e], a_in, adex.refractory[e], table.sets, row,
                adex.bias[e], table.exp_values, registers.shift, limit)
            x[e] = x_new
            w[e] = w_new
            i_syn[e] = i_new
            adex.refractory[e] = refractory
            adex.flags[e] = (np.uint8(fired) * FLAG_SPIKED | np.uint8(a_in != 0) * FLAG_INPUT
                             | np.uint8(a_in != total) * FLAG_DENDRITE_SATURATED
                             | np.uint8(w_new == limit or w_new == -limit) * FLAG_STATE_SATURATED)


@njit(inline="always")
def collect_spikes(flags, n_elements, first_neuron, batch, sat_dendrite, sat_state, core_of, counters, fired,
                   n_spiked):
    """Scan a bank's flags: count saturations and active neurons per core, and append the
    bank's spikes (neuron ``first_neuron + e // B``, sample ``e % B``) to ``fired``; returns
    the new number of spikes. Flags are tested eight at a time: most are 0."""
    words = flags.view(np.uint64)  # flags are padded to whole words
    saturations, step_active = counters.saturations, counters.step_active
    for block in range(words.size):
        if words[block] == 0:
            continue
        for e in range(8 * block, min(8 * block + 8, n_elements)):
            flag = flags[e]
            if flag == 0:
                continue
            if batch == 1:  # no division in the common case
                n, b = e, 0
            else:
                n = e // batch
                b = e - n * batch
            if flag & FLAG_DENDRITE_SATURATED:
                saturations[sat_dendrite, b] += 1
            if flag & FLAG_STATE_SATURATED:
                saturations[sat_state, b] += 1
            g = first_neuron + n
            if flag & FLAG_SPIKED:
                fired.ids[n_spiked] = g
                fired.samples[n_spiked] = b
                n_spiked += 1
            if flag & (FLAG_SPIKED | FLAG_INPUT):
                step_active[core_of[g] * batch + b] += 1
    return n_spiked


@njit(inline="always")
def collect_host_spikes(row, batch, host, fired, n_spiked):
    """Append the host's spikes of block row ``row`` to ``fired``; returns the new count."""
    for j in range(host.ptr[row], host.ptr[row + 1]):
        g = host.ids[j] // batch
        fired.ids[n_spiked] = g
        fired.samples[n_spiked] = host.ids[j] - g * batch
        n_spiked += 1
    return n_spiked


@njit(inline="always")
def route_and_deliver(step, n_spiked, dims, synapses, fabric, dendrites, fired, recording, counters,
                      slot_start, longest):
    """Count, record, route and deliver the spikes of ``step``.

    Each spike adds its messages and hops (the placement's multicast tree) to the step's
    counters, its synaptic operations to the destination cores, and every synapse's
    contribution to the accumulator slot of ``step + delay``: ``mantissa << exponent`` into the
    shared ring, or the raw mantissa into its (projection, delay) group's ring when the
    exponent is negative (floored when it arrives). ``slot_start``/``longest`` are scratch.
    """
    batch = dims.batch
    n_neurons = dims.n_lif + dims.n_adex
    ring, floored, proj = dendrites.ring, dendrites.floored, synapses.proj
    per_step, step_synops = counters.per_step, counters.step_synops
    for d in range(dims.ring_length):  # a table of slots spares a division per synapse
        slot_start[d] = arrival_slot(step, d, dims.ring_length) * n_neurons * batch
    longest[:] = 0.0
    for s in range(n_spiked):
        g = fired.ids[s]
        b = fired.samples[s]
        recording.counts[g * batch + b] += 1
        if recording.probed[g]:
            recording.steps[recording.n_recorded[0]] = step
            recording.ids[recording.n_recorded[0]] = g * batch + b
            recording.n_recorded[0] += 1
        per_step[S_MESSAGES, step, b] += fabric.messages[g]
        per_step[S_EW, step, b] += fabric.east_west[g]
        per_step[S_NS, step, b] += fabric.north_south[g]
        per_step[S_IC, step, b] += fabric.inter_chip[g]
        per_step[S_SPIKES, step, b] += 1
        if fabric.max_latency[g] > longest[b]:
            longest[b] = fabric.max_latency[g]
        pop = synapses.pop_of[g]
        for out in range(synapses.out_ptr[pop], synapses.out_ptr[pop + 1]):
            p = synapses.out_proj[out]
            local = g - proj[p, P_PRE_OFFSET]
            exponent = proj[p, P_EXPONENT]
            offset = proj[p, P_POST_OFFSET]
            row_at = proj[p, P_INDPTR_OFFSET] + local
            lo = synapses.indptr[row_at]
            hi = synapses.indptr[row_at + 1]
            for q in range(synapses.run_ptr[row_at], synapses.run_ptr[row_at + 1]):  # synaptic ops per core
                step_synops[synapses.run_core[q] * batch + b] += synapses.run_count[q]
            uniform = proj[p, P_UNIFORM_DELAY]
            if exponent >= 0 and uniform > 0:  # the common case: one slot for the whole row
                into = slot_start[uniform] + offset * batch + b
                for j in range(lo, hi):
                    ring[into + synapses.post[j] * batch] += scaled_synapse(np.int64(synapses.mant[j]), exponent)
            elif exponent >= 0:
                for j in range(lo, hi):
                    ring[slot_start[synapses.delay[j]] + (offset + synapses.post[j]) * batch + b] += (
                        scaled_synapse(np.int64(synapses.mant[j]), exponent))
            else:
                size = proj[p, P_POST_SIZE]
                groups = proj[p, P_GROUPS]
                start = proj[p, P_RING_OFFSET]
                for j in range(lo, hi):
                    d = synapses.delay[j]
                    index = (start + arrival_slot(step, d, proj[p, P_RING_LENGTH]) * groups * size
                             + synapses.delay_group[p, d] * size + synapses.post[j])
                    floored[index * batch + b] += synapses.mant[j]
    for b in range(batch):
        counters.max_route_ns[step, b] = longest[b]


@njit(inline="always")
def close_step(step, dims, fabric, counters, busiest):
    """Per-core time of ``step`` (its busiest core) and the step's totals; clears the per-core
    scratch counts. ``busiest`` is scratch."""
    batch = dims.batch
    t_synop, t_active, t_inactive = fabric.time_ns[0], fabric.time_ns[1], fabric.time_ns[2]
    busiest[:] = 0.0
    for c in fabric.used_cores:
        for b in range(batch):
            e = c * batch + b
            syn = counters.step_synops[e]
            act = counters.step_active[e]
            core_ns = core_time_ns(syn, act, fabric.neurons_per_core[c], t_synop, t_active, t_inactive)
            if core_ns > busiest[b]:
                busiest[b] = core_ns
            counters.per_step[S_SYNOPS, step, b] += syn
            counters.per_step[S_ACTIVE, step, b] += act
            counters.synops_per_core[c, b] += syn
            counters.active_per_core[c, b] += act
            counters.step_synops[e] = 0
            counters.step_active[e] = 0
    for b in range(batch):
        counters.max_core_ns[step, b] = busiest[b]


@njit(inline="always")
def record_traces(row, dims, lif, adex, recording):
    """Probed registers at the end of the step, into ``recording.traces[row]``."""
    batch = dims.batch
    n_lif = dims.n_lif
    traces = recording.traces
    for t in range(recording.trace_ids.size):
        g = recording.trace_ids[t]
        register = recording.trace_registers[t]
        for b in range(batch):
            if g < n_lif:
                traces[row, t, b] = lif.registers[register, g * batch + b]
            else:
                traces[row, t, b] = adex.registers[register, (g - n_lif) * batch + b]
