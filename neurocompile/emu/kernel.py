"""The emulator's fused inner loop: many time steps of the whole chip in one compiled call.

:func:`run_steps` runs the phases of :mod:`.phases` (inlined) for every step of a block, so a
step costs no Python at all; :mod:`.stepper` runs the same phases one call at a time. Two
compiled variants of one source: a LIF-only program (most networks) never needs the AdEx
update, and leaving it out makes the first compilation about a second shorter.

Arguments are the layout's records (:mod:`.layout`: registers, parameter tables, synapses,
fabric) and the run's (:mod:`.state`: dimensions, bank states, dendrites, host spikes, the
fired-spike scratch list, recording, counters).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from .phases import (close_step, collect_host_spikes, collect_spikes, gather_floored_input, record_traces,
                     route_and_deliver, update_adex_bank, update_lif_bank)
from .state import SAT_ADEX_DENDRITE, SAT_ADEX_STATE, SAT_LIF_DENDRITE, SAT_LIF_STATE


def _make_run_steps(with_adex: bool):
    """The kernel with (``with_adex``) or without the AdEx soma phase."""

    def run_steps(first, stop, dims, registers, lif_table, adex_table, synapses, fabric, lif, adex, dendrites,
                  host, fired, recording, counters):
        """Run steps ``first..stop-1`` of B samples; returns the step after the last one run.

        Stops early (before a step) when the probed-spike record could overflow in the next
        step; the caller enlarges it and calls again.
        """
        batch = dims.batch
        capacity = recording.ids.size
        n_probed = 0
        for g in range(recording.probed.size):
            if recording.probed[g]:
                n_probed += 1
        slot_start = np.zeros(dims.ring_length, dtype=np.int64)
        longest = np.zeros(batch)
        busiest = np.zeros(batch)
        for step in range(first, stop):
            if recording.n_recorded[0] + n_probed * batch > capacity:
                return step
            gather_floored_input(step, dims, synapses, dendrites)
            update_lif_bank(step, dims, registers, lif_table, lif, dendrites)
            n_spiked = collect_spikes(lif.flags, dims.n_lif * batch, 0, batch, SAT_LIF_DENDRITE, SAT_LIF_STATE,
                                      fabric.core_of, counters, fired, 0)
            if with_adex:  # a compile-time constant: LIF-only kernels leave the AdEx code out
                update_adex_bank(step, dims, registers, adex_table, adex, dendrites)
                n_spiked = collect_spikes(adex.flags, dims.n_adex * batch, dims.n_lif, batch, SAT_ADEX_DENDRITE,
                                          SAT_ADEX_STATE, fabric.core_of, counters, fired, n_spiked)
            n_spiked = collect_host_spikes(step - first, batch, host, fired, n_spiked)
            route_and_deliver(step, n_spiked, dims, synapses, fabric, dendrites, fired, recording, counters,
                              slot_start, longest)
            close_step(step, dims, fabric, counters, busiest)
            record_traces(step - first, dims, lif, adex, recording)
        return stop

    return njit(nogil=True)(run_steps)  # nogil: batches run in threads, one chunk of samples each


#: The kernel for programs without / with AdEx neurons (same arguments, same results).
run_steps_lif = _make_run_steps(False)
run_steps_adex = _make_run_steps(True)
