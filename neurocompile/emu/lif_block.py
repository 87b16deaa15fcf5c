"""One block of the LIF pass: a run of neurons that share a parameter set, in one loop.

The LIF pass (:func:`neurocompile.emu.kernel.lif_pass`, one thread, and
:func:`neurocompile.emu.threaded.lif_pass_threaded`, several) cuts the LIF bank into runs of
neurons (``bounds[r]..bounds[r + 1]`` with parameter row ``bound_set[r]``; from
:func:`neurocompile.emu.kernel.lif_runs`) and updates each run with :func:`lif_block`: one
tight loop over the run's ``neurons x B`` elements that reads and clears each neuron's
dendritic slot, applies the chip's LIF rule (docs/chip.md section 4; in 32-bit lanes where
:func:`~neurocompile.chip.lif.lif_fits_int32`), writes its registers and flag byte
(:mod:`.state`) and counts the run's flags as it goes. Both passes call the same inlined
function, so the two engines run one loop body. A neuron's update reads and writes only its
own registers, slot and flag, and a run writes only its own row of ``run_counts``: runs may be
updated in any order, on any thread.
"""
from __future__ import annotations

from ..chip.dendrite import dendrite_element
from ..chip.lanes import add32, i32, like
from ..chip.lif import (LIF_BIAS_TO_CURRENT, LIF_DU, LIF_DV, LIF_REFRACTORY_STEPS, LIF_RESET_DELAY,
                        LIF_RESET_SUBTRACT, LIF_RESET_VALUE, LIF_SPIKING, LIF_THRESHOLD_INCLUSIVE, LIF_VTH_MANT,
                        lif_element, lif_element32)
from ..jit import njit
from .state import soma_counts, soma_flags


@njit(inline="always")
def lif_soma(total, u, v, refractory_left, bias, extra, load, du, dv, vth_mant, refractory_steps, reset_value,
             reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, decay_bits, shift, half,
             limit, low, high):
    """One neuron's update from its slot's sum ``total`` with the 64-bit rule
    :func:`~neurocompile.chip.lif.lif_element`: ``(u, v, refractory_left, spiked, a_in)``;
    ``extra``: its receptor elements' summed contribution, ``load`` their conductance load (0
    and 0 without receptors). Takes and returns values, not arrays and an index: the callers'
    loops index their arrays by the loop variable itself, which the compiler sees is never
    negative, so loads and stores stay contiguous and the loops vectorise."""
    a_in = dendrite_element(total, low, high)
    u_new, v_new, fired, refractory, _, _ = lif_element(
        u, v, a_in, refractory_left, du, dv, vth_mant, refractory_steps, reset_value, reset_subtract, spiking,
        reset_delay, bias_to_current, threshold_inclusive, bias, extra, load, decay_bits, shift, half, limit)
    return u_new, v_new, refractory, fired, a_in


@njit(inline="always")
def lif_segment(slot, u, v, refractory_left, bias, flags, du, dv, vth_mant, refractory_steps, reset_value,
                reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, decay_bits, shift,
                half, limit, low, high):
    """Update one run of neurons sharing a parameter set (views from 0: no negative-index
    checks, no branches, no appends, so that the loop vectorises), with the 64-bit rule
    :func:`~neurocompile.chip.lif.lif_element`; returns the run's flag counts
    (:func:`~.state.soma_counts`, summed)."""
    spikes = active = saturated_input = saturated = 0
    for n in range(slot.size):
        total = slot[n]
        slot[n] = 0
        u_new, v_new, refractory, fired, a_in = lif_soma(
            total, u[n], v[n], refractory_left[n], bias[n], 0, 0, du, dv, vth_mant, refractory_steps, reset_value,
            reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, decay_bits, shift, half, limit,
            low, high)
        u[n] = u_new
        v[n] = v_new
        refractory_left[n] = refractory
        flags[n] = soma_flags(fired, a_in, total, v_new, limit)
        c0, c1, c2, c3 = soma_counts(fired, a_in, total, v_new, limit)
        spikes += c0
        active += c1
        saturated_input += c2
        saturated += c3
    return spikes, active, saturated_input, saturated


@njit(inline="always")
def lif_segment32(slot, u, v, refractory_left, bias, flags, du, dv, vth_mant, refractory_steps, reset_value,
                  reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, decay_bits, shift,
                  half, limit, low, high):
    """:func:`lif_segment` with :func:`~neurocompile.chip.lif.lif_element32` (the same rule
    in 32-bit lanes, where :func:`~neurocompile.chip.lif.lif_fits_int32`): the update, the
    flags and their counts in one pass, vectorised over 16 neurons per AVX-512 instruction."""
    # Bounds and sums in the slot's and the registers' widths: every comparison and sum of the
    # loop then runs in 32-bit lanes (an int64 operand would widen it to 64-bit lanes).
    low_t, high_t, limit32 = like(slot, low), like(slot, high), i32(limit)
    spikes = active = saturated_input = saturated = i32(0)
    for n in range(slot.size):
        total = slot[n]
        slot[n] = 0
        a_in = dendrite_element(total, low_t, high_t)
        u_new, v_new, fired, refractory = lif_element32(
            u[n], v[n], a_in, refractory_left[n], du, dv, vth_mant, refractory_steps, reset_value, reset_subtract,
            spiking, reset_delay, bias_to_current, threshold_inclusive, bias[n], decay_bits, shift, half, limit)
        u[n] = u_new
        v[n] = v_new
        refractory_left[n] = refractory
        flags[n] = soma_flags(fired, a_in, total, v_new, limit32)
        c0, c1, c2, c3 = soma_counts(fired, a_in, total, v_new, limit32)
        spikes = add32(spikes, c0)
        active = add32(active, c1)
        saturated_input = add32(saturated_input, c2)
        saturated = add32(saturated, c3)
    return spikes, active, saturated_input, saturated


@njit(inline="always")
def lif_run(narrow, plain, slot, u, v, refractory_left, bias, flags, p, decay_bits, shift, half, limit, low, high):
    """One run of neurons with parameter row ``p``: the 32-bit (``narrow``) or 64-bit update,
    the 32-bit one with the discrete-time extensions as constants 0 when ``plain`` (their
    arithmetic then compiles away). The 64-bit fallback (registers too wide for 32-bit lanes)
    is one copy: a second inlined copy of the loop cost 3 s of the kernel's first compile.
    Returns the run's flag counts."""
    if narrow:
        if plain:
            return lif_segment32(slot, u, v, refractory_left, bias, flags, p[LIF_DU], p[LIF_DV], p[LIF_VTH_MANT],
                                 p[LIF_REFRACTORY_STEPS], p[LIF_RESET_VALUE], p[LIF_RESET_SUBTRACT], p[LIF_SPIKING],
                                 0, 0, 0, decay_bits, shift, half, limit, low, high)
        return lif_segment32(slot, u, v, refractory_left, bias, flags, p[LIF_DU], p[LIF_DV], p[LIF_VTH_MANT],
                             p[LIF_REFRACTORY_STEPS], p[LIF_RESET_VALUE], p[LIF_RESET_SUBTRACT], p[LIF_SPIKING],
                             p[LIF_RESET_DELAY], p[LIF_BIAS_TO_CURRENT], p[LIF_THRESHOLD_INCLUSIVE], decay_bits,
                             shift, half, limit, low, high)
    return lif_segment(slot, u, v, refractory_left, bias, flags, p[LIF_DU], p[LIF_DV], p[LIF_VTH_MANT],
                       p[LIF_REFRACTORY_STEPS], p[LIF_RESET_VALUE], p[LIF_RESET_SUBTRACT], p[LIF_SPIKING],
                       p[LIF_RESET_DELAY], p[LIF_BIAS_TO_CURRENT], p[LIF_THRESHOLD_INCLUSIVE], decay_bits, shift,
                       half, limit, low, high)


@njit(inline="always")
def lif_block(r, slot, u, v, refractory_left, bias, flags, sets, bounds, bound_set, batch, narrow, decay_bits,
              shift, half, limit, low, high, run_counts):
    """Update run ``r`` (its ``neurons x B`` elements from ``bounds[r] * batch``) with parameter
    row ``sets[bound_set[r]]`` and write its flag counts to ``run_counts[r]``: spikes, active
    neurons (spiked or with input), dendritic-input and state saturations (summed over the
    samples). ``narrow``: :func:`~neurocompile.chip.lif.lif_fits_int32` of the widths. Runs
    without the discrete-time extensions pass them as constants 0, so that their loop is the
    plain LIF's."""
    p = sets[bound_set[r]]
    start, stop = bounds[r] * batch, bounds[r + 1] * batch
    plain = p[LIF_RESET_DELAY] == 0 and p[LIF_BIAS_TO_CURRENT] == 0 and p[LIF_THRESHOLD_INCLUSIVE] == 0
    c0, c1, c2, c3 = lif_run(narrow, plain, slot[start:stop], u[start:stop], v[start:stop],
                             refractory_left[start:stop], bias[start:stop], flags[start:stop], p, decay_bits, shift,
                             half, limit, low, high)
    run_counts[r, 0] = c0
    run_counts[r, 1] = c1
    run_counts[r, 2] = c2
    run_counts[r, 3] = c3
