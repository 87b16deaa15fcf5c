"""The emulator's fused inner loop: many time steps of the whole chip in one compiled call.

:func:`run_steps` does what :func:`neurocompile.emu.engine.emulate_numpy` does step by step
with numpy (read the dendrites, update every soma, route the spikes, deliver their synapses,
count), but in one numba-compiled loop over steps, neurons and synapses, so that a step costs
no Python at all. The soma updates are the scalar functions of :mod:`.arith`
(:func:`~.arith.lif_element`, :func:`~.arith.adex_element`), the same ones the array API
uses: the integer semantics exist once.

Memory layout (built by :mod:`.fast`): neurons have global indices, LIF/LI first
(``0..n_lif``), then AdEx, then host inputs. A step streams through every neuron's state, so
it is kept narrow: int32 state (the registers are 24-bit), int16 refractory counters, and
parameters as a small table of distinct parameter rows plus an int32 row index per neuron
(like the chip's own per-core parameter sets) instead of a 64-byte row per neuron. Synapses
of all projections form one CSR (``syn_indptr`` holds each projection's row pointers, at
``proj[p, P_INDPTR_OFFSET]``, as positions in ``syn_post``/``syn_mant``/``syn_delay``). Projections with a non-negative weight exponent
add ``mantissa << exponent`` into one shared ring ``(ring_length, neurons)``; each projection
with a negative exponent has its own ring ``(length, delay groups, post size)`` because the
chip floors the sum of each (projection, delay) group separately (docs/chip.md 3.1).
"""
from __future__ import annotations

import numpy as np

from .arith import adex_element, lif_element, saturate_element, shift_by_exponent
from .jit import njit

# Indices into the integer configuration vector ``config`` of run_steps.
(C_N_LIF, C_N_ADEX, C_N_HOST, C_RING_LENGTH, C_DECAY_BITS, C_SHIFT, C_HALF, C_LIMIT,
 C_DENDRITE_LOW, C_DENDRITE_HIGH, C_N_PROJECTIONS, C_N_CORES) = range(12)
CONFIG_SIZE = 12
# Indices into the per-projection table ``proj`` (int64, (n_projections, PROJ_COLUMNS)).
(P_PRE_OFFSET, P_PRE_SIZE, P_POST_OFFSET, P_POST_SIZE, P_EXPONENT, P_RING_OFFSET, P_RING_LENGTH,
 P_GROUPS, P_INDPTR_OFFSET) = range(9)
PROJ_COLUMNS = 9
# Counters per step (rows of ``step_counts``, int64) and per step float maxima.
(S_SYNOPS, S_MESSAGES, S_EW, S_NS, S_IC, S_ACTIVE, S_SPIKES) = range(7)
STEP_COUNTERS = 7
# Saturation counters (``saturations``): dendrite and state of the LIF and AdEx banks.
SAT_LIF_DENDRITE, SAT_LIF_STATE, SAT_ADEX_DENDRITE, SAT_ADEX_STATE = range(4)
# Trace variable codes.
TRACE_LIF_V, TRACE_LIF_U, TRACE_ADEX_X, TRACE_ADEX_W, TRACE_ADEX_I = range(5)


@njit
def run_steps(first, stop, config, time_ns,
              lif_sets, lif_segments, lif_segment_set, lif_bias, u, v, lif_refractory, flags,
              adex_sets, adex_set_of, adex_bias, x, w, i_syn, adex_refractory, exp_values,
              ring, neg_ring, proj, proj_delay_group, syn_indptr, syn_post, syn_mant,
              syn_delay, out_ptr, out_proj, pop_of,
              host_ptr, host_ids,
              core_of, neurons_per_core, used_cores,
              messages, east_west, north_south, inter_chip, max_latency,
              counts, probed, record_steps, record_ids, n_recorded,
              trace_ids, trace_codes, traces,
              step_counts, max_core_ns, max_route_ns, synops_per_core, active_per_core,
              step_synops, step_active, saturations, spiked):
    """Run steps ``first..stop-1``; returns the step after the last one run.

    Stops early (before a step) when the spike record buffers could overflow in the next
    step; the caller enlarges them and calls again. Per-step counters (``step_counts``,
    ``max_core_ns``, ``max_route_ns``) cover the whole run and are indexed by ``step``;
    ``traces`` and the host spikes cover this call: host spikes of step ``s`` are
    ``host_ids[host_ptr[s - first]:host_ptr[s - first + 1]]`` (global ids).
    """
    n_lif = config[C_N_LIF]
    n_adex = config[C_N_ADEX]
    n_neurons = n_lif + n_adex
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
    for step in range(first, stop):
        if n_recorded[0] + n_probed > capacity:
            return step
        row = step - first
        # 1. Dendritic input of this step: the shared ring's slot, plus the floored sums of
        #    every (negative-exponent projection, delay) group.
        slot = step % ring_length
        base = slot * n_neurons
        for p in range(n_projections):
            exponent = proj[p, P_EXPONENT]
            if exponent >= 0:
                continue
            groups = proj[p, P_GROUPS]
            size = proj[p, P_POST_SIZE]
            offset = proj[p, P_POST_OFFSET]
            start = proj[p, P_RING_OFFSET] + (step % proj[p, P_RING_LENGTH]) * groups * size
            for k in range(groups * size):
                value = neg_ring[start + k]
                if value != 0:
                    ring[base + offset + k % size] += shift_by_exponent(value, exponent)
                    neg_ring[start + k] = 0
        # 2. Somas.
        n_spiked = 0
        # LIF: one tight pass per run of neurons sharing a parameter set (it vectorises: no
        # branches, no appends), recording what happened in a flag byte per neuron; then a
        # cheap scan of the flags for spikes, activity and saturations.
        _lif_pass(ring[base:base + n_lif], u, v, lif_refractory, lif_bias, flags, lif_sets,
                  lif_segments, lif_segment_set, decay_bits, shift, half, limit, low, high)
        for block in range(flag_words.size):  # eight neurons per test: most flags are 0
            if flag_words[block] == 0:
                continue
            for n in range(8 * block, min(8 * block + 8, n_lif)):
                flag = flags[n]
                if flag == 0:
                    continue
                if flag & 4:
                    saturations[SAT_LIF_DENDRITE] += 1
                if flag & 8:
                    saturations[SAT_LIF_STATE] += 1
                if flag & 1:
                    spiked[n_spiked] = n
                    n_spiked += 1
                if flag & 3:
                    step_active[core_of[n]] += 1
        for k in range(n_adex):
            n = n_lif + k
            total = ring[base + n]
            ring[base + n] = 0
            a_in = saturate_element(total, low, high)
            if a_in != total:
                saturations[SAT_ADEX_DENDRITE] += 1
            x_new, w_new, i_new, fired, refractory, _ = adex_element(
                x[k], w[k], i_syn[k], a_in, adex_refractory[k], adex_sets,
                0 if adex_single else adex_set_of[k],
                adex_bias[k], exp_values, shift, limit)
            x[k] = x_new
            w[k] = w_new
            i_syn[k] = i_new
            adex_refractory[k] = refractory
            if w_new == limit or w_new == -limit:
                saturations[SAT_ADEX_STATE] += 1
            if fired:
                spiked[n_spiked] = n
                n_spiked += 1
            if a_in != 0 or fired:
                step_active[core_of[n]] += 1
        for j in range(host_ptr[row], host_ptr[row + 1]):
            spiked[n_spiked] = host_ids[j]
            n_spiked += 1
        # 3. Route and deliver the spikes of this step.
        longest = 0.0
        for s in range(n_spiked):
            g = spiked[s]
            counts[g] += 1
            if probed[g]:
                record_steps[n_recorded[0]] = step
                record_ids[n_recorded[0]] = g
                n_recorded[0] += 1
            step_counts[S_MESSAGES, step] += messages[g]
            step_counts[S_EW, step] += east_west[g]
            step_counts[S_NS, step] += north_south[g]
            step_counts[S_IC, step] += inter_chip[g]
            if max_latency[g] > longest:
                longest = max_latency[g]
            pop = pop_of[g]
            for e in range(out_ptr[pop], out_ptr[pop + 1]):
                p = out_proj[e]
                local = g - proj[p, P_PRE_OFFSET]
                exponent = proj[p, P_EXPONENT]
                offset = proj[p, P_POST_OFFSET]
                lo = syn_indptr[proj[p, P_INDPTR_OFFSET] + local]
                hi = syn_indptr[proj[p, P_INDPTR_OFFSET] + local + 1]
                if exponent >= 0:
                    for j in range(lo, hi):
                        target = offset + syn_post[j]
                        ring[((step + syn_delay[j]) % ring_length) * n_neurons + target] += (
                            np.int64(syn_mant[j]) << exponent)
                        step_synops[core_of[target]] += 1
                else:
                    size = proj[p, P_POST_SIZE]
                    groups = proj[p, P_GROUPS]
                    length = proj[p, P_RING_LENGTH]
                    start = proj[p, P_RING_OFFSET]
                    for j in range(lo, hi):
                        d = syn_delay[j]
                        index = (start + ((step + d) % length) * groups * size
                                 + proj_delay_group[p, d] * size + syn_post[j])
                        neg_ring[index] += syn_mant[j]
                        step_synops[core_of[offset + syn_post[j]]] += 1
        step_counts[S_SPIKES, step] = n_spiked
        max_route_ns[step] = longest
        # 4. Per-core time of the step and totals.
        busiest = 0.0
        synops = 0
        active = 0
        for c in used_cores:
            syn = step_synops[c]
            act = step_active[c]
            core_ns = syn * t_synop + act * t_active + (neurons_per_core[c] - act) * t_inactive
            if core_ns > busiest:
                busiest = core_ns
            synops += syn
            active += act
            synops_per_core[c] += syn
            active_per_core[c] += act
            step_synops[c] = 0
            step_active[c] = 0
        max_core_ns[step] = busiest
        step_counts[S_SYNOPS, step] = synops
        step_counts[S_ACTIVE, step] = active
        # 5. Traces: state at the end of the step.
        for t in range(trace_ids.size):
            g = trace_ids[t]
            code = trace_codes[t]
            if code == TRACE_LIF_V:
                traces[row, t] = v[g]
            elif code == TRACE_LIF_U:
                traces[row, t] = u[g]
            elif code == TRACE_ADEX_X:
                traces[row, t] = x[g - n_lif]
            elif code == TRACE_ADEX_W:
                traces[row, t] = w[g - n_lif]
            else:
                traces[row, t] = i_syn[g - n_lif]
    return stop


@njit
def _lif_pass(slot, u, v, refractory_left, bias, flags, sets, segments, segment_set, decay_bits,
              shift, half, limit, low, high):
    """Update every LIF neuron from its dendritic input in ``slot`` (cleared); fill ``flags``.

    Flag bits: 1 spiked, 2 received input, 4 dendritic input saturated, 8 voltage saturated.
    One tight loop per run of neurons sharing a parameter set: no branches and no appends,
    so that it vectorises (a separate function keeps it small for the optimiser).
    """
    for seg in range(segment_set.size):
        pset = segment_set[seg]
        du, dv, vth_mant = sets[pset, 0], sets[pset, 1], sets[pset, 2]
        refractory_steps, reset_value = sets[pset, 4], sets[pset, 5]
        reset_subtract, spiking = sets[pset, 6], sets[pset, 7]
        start, stop = segments[seg], segments[seg + 1]
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
