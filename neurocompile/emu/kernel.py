"""The emulator's fused inner loop: many time steps of the whole chip in one compiled call.

``run_steps`` (two compiled variants, :data:`run_steps_lif` and :data:`run_steps_adex`) does what :func:`neurocompile.emu.engine.emulate_numpy` does step by step
with numpy (read the dendrites, update every soma, route the spikes, deliver their synapses,
count), but in one numba-compiled loop over steps, neurons and synapses, so that a step costs
no Python at all. The soma updates are the scalar functions of :mod:`.arith`
(:func:`~.arith.lif_element`, :func:`~.arith.adex_element`), the same ones the array API
uses: the integer semantics exist once.

Batches: ``B = config[C_BATCH]`` independent samples run together, in one pass per step.
Everything that belongs to a neuron (state, bias, dendritic ring slot, spike count) is stored
neuron-major with the sample innermost, at ``g * B + b``, so that the LIF update of a run of
neurons with one parameter set is one contiguous loop over ``neurons x B`` elements (it
vectorises over samples), and the per-step work that does not depend on the sample (loops over
projections and cores, the fixed cost of a step) is paid once for all B. A single run is B = 1.

Memory layout (built by :mod:`.fast`): neurons have global indices, LIF/LI first
(``0..n_lif``), then AdEx, then host inputs. A step streams through every neuron's state, so
it is kept narrow: int32 state (the registers are 24-bit), int16 refractory counters, and
parameters as a small table of distinct parameter rows plus an int32 row index per neuron
(like the chip's own per-core parameter sets) instead of a 64-byte row per neuron. Synapses
of all projections form one CSR (``syn_indptr`` holds each projection's row pointers, at
``proj[p, P_INDPTR_OFFSET]``, as positions in ``syn_post``/``syn_mant``/``syn_delay``); the
synaptic operations a spike causes on each core come from per-(row, core) counts
(``run_ptr``/``run_core``/``run_count``, same row positions), not from a counter per synapse.
Projections with a non-negative weight exponent add ``mantissa << exponent`` into one shared
ring ``(ring_length, neurons, B)``; each projection with a negative exponent has its own ring
``(length, delay groups, post size, B)`` because the chip floors the sum of each (projection,
delay) group separately (docs/chip.md 3.1).
"""
from __future__ import annotations

import numpy as np

from .arith import adex_element, lif_element, saturate_element, shift_by_exponent
from ..jit import njit

# Indices into the integer configuration vector ``config`` of run_steps.
(C_N_LIF, C_N_ADEX, C_N_HOST, C_RING_LENGTH, C_DECAY_BITS, C_SHIFT, C_HALF, C_LIMIT,
 C_DENDRITE_LOW, C_DENDRITE_HIGH, C_N_PROJECTIONS, C_N_CORES, C_BATCH) = range(13)
CONFIG_SIZE = 13
# Indices into the per-projection table ``proj`` (int64, (n_projections, PROJ_COLUMNS)).
(P_PRE_OFFSET, P_PRE_SIZE, P_POST_OFFSET, P_POST_SIZE, P_EXPONENT, P_RING_OFFSET, P_RING_LENGTH,
 P_GROUPS, P_INDPTR_OFFSET, P_UNIFORM_DELAY) = range(10)
PROJ_COLUMNS = 10  # P_UNIFORM_DELAY: the delay of every synapse of the projection, or 0 if they differ
# Counters per step (rows of ``step_counts``, int64) and per step float maxima.
(S_SYNOPS, S_MESSAGES, S_EW, S_NS, S_IC, S_ACTIVE, S_SPIKES) = range(7)
STEP_COUNTERS = 7
# Saturation counters (``saturations``): dendrite and state of the LIF and AdEx banks.
SAT_LIF_DENDRITE, SAT_LIF_STATE, SAT_ADEX_DENDRITE, SAT_ADEX_STATE = range(4)
# Trace variable codes.
TRACE_LIF_V, TRACE_LIF_U, TRACE_ADEX_X, TRACE_ADEX_W, TRACE_ADEX_I = range(5)


def _make_run_steps(with_adex: bool):
    """The kernel with (``with_adex``) or without the AdEx soma loop.

    Two cached variants of one source: a LIF-only program (most networks) never needs the
    AdEx update, and leaving it out makes the first compilation about a second shorter.
    """

    def run_steps(first, stop, config, time_ns,
                  lif_sets, lif_segments, lif_segment_set, lif_bias, u, v, lif_refractory, flags,
                  adex_sets, adex_set_of, adex_bias, x, w, i_syn, adex_refractory, exp_values,
                  ring, neg_ring, proj, proj_delay_group, syn_indptr, syn_post, syn_mant,
                  syn_delay, run_ptr, run_core, run_count, out_ptr, out_proj, pop_of,
                  host_ptr, host_ids,
                  core_of, neurons_per_core, used_cores,
                  messages, east_west, north_south, inter_chip, max_latency,
                  counts, probed, record_steps, record_ids, n_recorded,
                  trace_ids, trace_codes, traces,
                  step_counts, max_core_ns, max_route_ns, synops_per_core, active_per_core,
                  step_synops, step_active, saturations, spiked_ids, spiked_samples):
        """Run steps ``first..stop-1`` of B samples; returns the step after the last one run.

        Per-neuron arrays are indexed ``g * B + b`` (see the module docstring); so are the host
        spikes ``host_ids`` (step ``s``: ``host_ids[host_ptr[s - first]:host_ptr[s - first + 1]]``)
        and the recorded spikes ``record_ids``. Per-step counters are ``step_counts[counter, step,
        b]``, ``max_core_ns[step, b]``, ``max_route_ns[step, b]``; per-core ones ``[core, b]``;
        ``saturations[kind, b]``; ``traces[step - first, probe, b]``.

        Stops early (before a step) when the spike record buffers could overflow in the next
        step; the caller enlarges them and calls again.
        """
        n_lif = config[C_N_LIF]
        n_adex = config[C_N_ADEX]
        n_neurons = n_lif + n_adex
        batch = config[C_BATCH]
        ring_length = config[C_RING_LENGTH]
        decay_bits = config[C_DECAY_BITS]
        shift = config[C_SHIFT]
        half = config[C_HALF]
        limit = config[C_LIMIT]
        low = config[C_DENDRITE_LOW]
        high = config[C_DENDRITE_HIGH]
        n_projections = config[C_N_PROJECTIONS]
        t_synop, t_active, t_inactive = time_ns[0], time_ns[1], time_ns[2]
        capacity = record_ids.size
        n_probed = 0
        for g in range(probed.size):
            if probed[g]:
                n_probed += 1
        # One parameter set (the usual case): skip the per-neuron row index.
        adex_single = adex_sets.shape[0] == 1
        flag_words = flags.view(np.uint64)  # flags is padded to a multiple of 8 bytes
        n_flags = n_lif * batch
        longest = np.zeros(batch)
        slot_start = np.zeros(ring_length, dtype=np.int64)
        busiest = np.zeros(batch)
        for step in range(first, stop):
            if n_recorded[0] + n_probed * batch > capacity:
                return step
            row = step - first
            # 1. Dendritic input of this step: the shared ring's slot, plus the floored sums of
            #    every (negative-exponent projection, delay) group.
            slot = step % ring_length
            base = slot * n_neurons * batch
            for p in range(n_projections):
                exponent = proj[p, P_EXPONENT]
                if exponent >= 0:
                    continue
                groups = proj[p, P_GROUPS]
                size = proj[p, P_POST_SIZE]
                into = base + proj[p, P_POST_OFFSET] * batch
                start = (proj[p, P_RING_OFFSET] + (step % proj[p, P_RING_LENGTH]) * groups * size) * batch
                for group in range(groups):
                    for k in range(size * batch):
                        value = neg_ring[start + k]
                        if value != 0:
                            ring[into + k] += shift_by_exponent(value, exponent)
                            neg_ring[start + k] = 0
                    start += size * batch
            # 2. Somas.
            n_spiked = 0
            # LIF: one tight pass per run of neurons sharing a parameter set (it vectorises: no
            # branches, no appends), recording what happened in a flag byte per neuron and sample;
            # then a cheap scan of the flags for spikes, activity and saturations. (The scan is
            # written out twice rather than calling a helper: passing arrays to a helper per
            # flagged neuron costs reference counting, measured at 2x the step time.)
            _lif_pass(ring[base:base + n_flags], u, v, lif_refractory, lif_bias, flags, lif_sets,
                      lif_segments, lif_segment_set, batch, decay_bits, shift, half, limit, low, high)
            if batch == 1:
                for block in range(flag_words.size):  # eight flags per test: most are 0
                    if flag_words[block] == 0:
                        continue
                    for n in range(8 * block, min(8 * block + 8, n_flags)):
                        flag = flags[n]
                        if flag == 0:
                            continue
                        b = 0
                        if flag & 4:
                            saturations[SAT_LIF_DENDRITE, b] += 1
                        if flag & 8:
                            saturations[SAT_LIF_STATE, b] += 1
                        if flag & 1:
                            spiked_ids[n_spiked] = n
                            spiked_samples[n_spiked] = b
                            n_spiked += 1
                        if flag & 3:
                            step_active[core_of[n] * batch + b] += 1
            else:  # neuron-major, sample innermost: no division
                e = 0
                for n in range(n_lif):
                    for b in range(batch):
                        flag = flags[e]
                        e += 1
                        if flag == 0:
                            continue
                        if flag & 4:
                            saturations[SAT_LIF_DENDRITE, b] += 1
                        if flag & 8:
                            saturations[SAT_LIF_STATE, b] += 1
                        if flag & 1:
                            spiked_ids[n_spiked] = n
                            spiked_samples[n_spiked] = b
                            n_spiked += 1
                        if flag & 3:
                            step_active[core_of[n] * batch + b] += 1
            if with_adex:  # a compile-time constant: LIF-only kernels leave the AdEx code out
                for k in range(n_adex):
                    n = n_lif + k
                    pset = 0 if adex_single else adex_set_of[k]
                    for b in range(batch):
                        e = k * batch + b
                        total = ring[base + n * batch + b]
                        ring[base + n * batch + b] = 0
                        a_in = saturate_element(total, low, high)
                        if a_in != total:
                            saturations[SAT_ADEX_DENDRITE, b] += 1
                        x_new, w_new, i_new, fired, refractory, _ = adex_element(
                            x[e], w[e], i_syn[e], a_in, adex_refractory[e], adex_sets, pset,
                            adex_bias[e], exp_values, shift, limit)
                        x[e] = x_new
                        w[e] = w_new
                        i_syn[e] = i_new
                        adex_refractory[e] = refractory
                        if w_new == limit or w_new == -limit:
                            saturations[SAT_ADEX_STATE, b] += 1
                        if fired:
                            spiked_ids[n_spiked] = n
                            spiked_samples[n_spiked] = b
                            n_spiked += 1
                        if a_in != 0 or fired:
                            step_active[core_of[n] * batch + b] += 1
            for j in range(host_ptr[row], host_ptr[row + 1]):
                g = host_ids[j] // batch
                spiked_ids[n_spiked] = g
                spiked_samples[n_spiked] = host_ids[j] - g * batch
                n_spiked += 1
            # 3. Route and deliver the spikes of this step (a table of the ring slot that each
            #    delay lands in spares a division per synapse).
            for d in range(ring_length):
                slot_start[d] = ((step + d) % ring_length) * n_neurons * batch
            longest[:] = 0.0
            for s in range(n_spiked):
                g = spiked_ids[s]
                b = spiked_samples[s]
                counts[g * batch + b] += 1
                if probed[g]:
                    record_steps[n_recorded[0]] = step
                    record_ids[n_recorded[0]] = g * batch + b
                    n_recorded[0] += 1
                step_counts[S_MESSAGES, step, b] += messages[g]
                step_counts[S_EW, step, b] += east_west[g]
                step_counts[S_NS, step, b] += north_south[g]
                step_counts[S_IC, step, b] += inter_chip[g]
                step_counts[S_SPIKES, step, b] += 1
                if max_latency[g] > longest[b]:
                    longest[b] = max_latency[g]
                pop = pop_of[g]
                for out in range(out_ptr[pop], out_ptr[pop + 1]):
                    p = out_proj[out]
                    local = g - proj[p, P_PRE_OFFSET]
                    exponent = proj[p, P_EXPONENT]
                    offset = proj[p, P_POST_OFFSET]
                    row_at = proj[p, P_INDPTR_OFFSET] + local
                    lo = syn_indptr[row_at]
                    hi = syn_indptr[row_at + 1]
                    for q in range(run_ptr[row_at], run_ptr[row_at + 1]):  # synaptic ops per core
                        step_synops[run_core[q] * batch + b] += run_count[q]
                    uniform = proj[p, P_UNIFORM_DELAY]
                    if exponent >= 0 and uniform > 0:  # the common case: one slot for the whole row
                        into = slot_start[uniform] + offset * batch + b
                        for j in range(lo, hi):
                            ring[into + syn_post[j] * batch] += np.int64(syn_mant[j]) << exponent
                    elif exponent >= 0:
                        for j in range(lo, hi):
                            ring[slot_start[syn_delay[j]] + (offset + syn_post[j]) * batch + b] += (
                                np.int64(syn_mant[j]) << exponent)
                    else:
                        size = proj[p, P_POST_SIZE]
                        groups = proj[p, P_GROUPS]
                        length = proj[p, P_RING_LENGTH]
                        start = proj[p, P_RING_OFFSET]
                        for j in range(lo, hi):
                            d = syn_delay[j]
                            index = (start + ((step + d) % length) * groups * size
                                     + proj_delay_group[p, d] * size + syn_post[j])
                            neg_ring[index * batch + b] += syn_mant[j]
            for b in range(batch):
                max_route_ns[step, b] = longest[b]
            # 4. Per-core time of the step and totals.
            busiest[:] = 0.0
            for c in used_cores:
                for b in range(batch):
                    e = c * batch + b
                    syn = step_synops[e]
                    act = step_active[e]
                    core_ns = syn * t_synop + act * t_active + (neurons_per_core[c] - act) * t_inactive
                    if core_ns > busiest[b]:
                        busiest[b] = core_ns
                    step_counts[S_SYNOPS, step, b] += syn
                    step_counts[S_ACTIVE, step, b] += act
                    synops_per_core[c, b] += syn
                    active_per_core[c, b] += act
                    step_synops[e] = 0
                    step_active[e] = 0
            for b in range(batch):
                max_core_ns[step, b] = busiest[b]
            # 5. Traces: state at the end of the step.
            for t in range(trace_ids.size):
                g = trace_ids[t]
                code = trace_codes[t]
                for b in range(batch):
                    if code == TRACE_LIF_V:
                        traces[row, t, b] = v[g * batch + b]
                    elif code == TRACE_LIF_U:
                        traces[row, t, b] = u[g * batch + b]
                    elif code == TRACE_ADEX_X:
                        traces[row, t, b] = x[(g - n_lif) * batch + b]
                    elif code == TRACE_ADEX_W:
                        traces[row, t, b] = w[(g - n_lif) * batch + b]
                    else:
                        traces[row, t, b] = i_syn[(g - n_lif) * batch + b]
        return stop

    return njit(nogil=True)(run_steps)  # nogil: batches run in threads, one chunk of samples each


#: The kernel for programs without / with AdEx neurons (same arguments, same results).
run_steps_lif = _make_run_steps(False)
run_steps_adex = _make_run_steps(True)


@njit(nogil=True)
def _lif_pass(slot, u, v, refractory_left, bias, flags, sets, segments, segment_set, batch, decay_bits,
              shift, half, limit, low, high):
    """Update every LIF neuron (of every sample) from its dendritic input in ``slot`` (cleared).

    Fills ``flags`` (bits: 1 spiked, 2 received input, 4 dendritic input saturated, 8 voltage
    saturated). One tight loop per run of neurons sharing a parameter set, over its
    ``neurons x B`` elements: no branches and no appends, so that it vectorises (a separate
    function keeps it small for the optimiser).
    """
    for seg in range(segment_set.size):
        pset = segment_set[seg]
        du, dv, vth_mant = sets[pset, 0], sets[pset, 1], sets[pset, 2]
        refractory_steps, reset_value = sets[pset, 4], sets[pset, 5]
        reset_subtract, spiking = sets[pset, 6], sets[pset, 7]
        start, stop = segments[seg] * batch, segments[seg + 1] * batch
        # Views and a range from 0 let the compiler drop negative-index checks (and vectorise).
        slot_s, u_s, v_s = slot[start:stop], u[start:stop], v[start:stop]
        refractory_s, bias_s, flags_s = refractory_left[start:stop], bias[start:stop], flags[start:stop]
        for n in range(stop - start):
            total = slot_s[n]
            slot_s[n] = 0
            a_in = saturate_element(total, low, high)
            u_new, v_new, fired, refractory, _, _ = lif_element(
                u_s[n], v_s[n], a_in, refractory_s[n], du, dv, vth_mant, refractory_steps,
                reset_value, reset_subtract, spiking, bias_s[n], decay_bits, shift, half, limit)
            u_s[n] = u_new
            v_s[n] = v_new
            refractory_s[n] = refractory
            flags_s[n] = (np.uint8(fired) | (np.uint8(a_in != 0) << 1) | (np.uint8(a_in != total) << 2)
                          | (np.uint8(v_new == limit or v_new == -limit) << 3))
