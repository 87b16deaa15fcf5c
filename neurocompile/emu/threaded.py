"""The two heavy phases of a step on several threads: the LIF pass and the plain delivery.

A single run uses several cores through the kernel's threaded variant
(:func:`neurocompile.emu.kernel.kernel_for` with ``threaded=True``), which calls these
functions instead of doing the same work in one thread:

* :func:`deliver_threaded`: the additions of the step's spikes into the dendritic ring for
  the plain synapses (exponent >= 0, no short-term plasticity, no NMDA gate: nearly all
  synaptic events). Thread ``k`` of ``parts`` delivers the ``k``-th share of the step's spike
  list: the first into the ring itself, each other into its own partial ring
  (``Dendrites.partial``), so no two threads ever write one accumulator and every synapse is
  added exactly once. Each reads only its own spikes' synapse rows (the delivery's memory
  traffic is split, not repeated).
* :func:`lif_pass_threaded`: the LIF pass over blocks of neurons (runs of one parameter set,
  population and core, cut every :data:`LIF_BLOCK` neurons) in parallel; each block first adds
  the partial rings' slots into its slot of the ring (and clears them), then updates its
  neurons. A neuron's update reads and writes only its own registers, slot and flag, and each
  block writes its flag counts to its own row of ``run_counts``. :func:`merge_partials` does
  the same addition for the slots other passes read (AdEx neurons, receptor elements).

The accumulators are exact integer sums, saturated once when read (docs/chip.md section 3):
the order and grouping of the additions change no value, so the slot every neuron reads, and
so every spike, trace and counter, is the one-thread run's, bit for bit, whatever the number
of threads. (A partial sum is a sum of fewer synapses than the slot's, so the ring's dtype,
proven wide enough for all of them, holds it too.) Everything else of a step (counters,
recording, short-term plasticity, floor groups, gates, learning, the scan of the flags) stays
in the calling thread, in the one-thread order. Starting the threads costs microseconds,
twice a step, which is why runs step on one thread unless a thread count is given
(:mod:`neurocompile.emu.threads`).
"""
from __future__ import annotations

import numpy as np
from numba import prange

from ..chip.dendrite import scaled_synapse
from ..chip.lif import lif_fits_int32
from ..jit import njit
from .layout import P_EXPONENT, P_GATE, P_POST_OFFSET, P_STP, P_UNIFORM_DELAY, row_bounds
from .lif_block import lif_block
from .prefetch import PREFETCH_AHEAD, prefetch
from .spike_record import R_POP, RECORD_COLUMNS

#: Neurons per block of the threaded LIF pass at most (times the batch): blocks small enough to
#: balance two threads on a few populations, large enough to keep the pass vectorised.
LIF_BLOCK = 4096


@njit(nogil=True, parallel=True)
def lif_pass_threaded(slot, u, v, refractory_left, bias, flags, sets, bounds, bound_set, batch, decay_bits, shift,
                      half, limit, low, high, run_counts, partial, base):
    """:func:`neurocompile.emu.kernel.lif_pass` with its runs of neurons shared among threads
    (same arguments and results; ``bounds`` from :func:`~neurocompile.emu.kernel.lif_runs` with
    a block length, so that there are enough runs to share), each run's slots first completed
    with the partial rings' (``partial[k, base + i]`` for ``slot[i]``, cleared)."""
    narrow = lif_fits_int32(half, decay_bits)
    for r in prange(bound_set.size):
        start, stop = bounds[r] * batch, bounds[r + 1] * batch
        for k in range(partial.shape[0]):  # while the block's slots are in the cache
            _add_and_clear(slot[start:stop], partial[k, base + start:base + stop])
        lif_block(r, slot, u, v, refractory_left, bias, flags, sets, bounds, bound_set, batch, narrow, decay_bits,
                  shift, half, limit, low, high, run_counts)


@njit(inline="always")
def _add_and_clear(into, part):
    """``into += part``, then ``part = 0`` (a loop that vectorises)."""
    for i in range(into.size):
        into[i] += part[i]
        part[i] = 0


@njit(nogil=True)
def merge_partials(ring, partial, start, stop):
    """Add the partial rings' accumulators ``start..stop-1`` into ``ring`` and clear them."""
    for k in range(partial.shape[0]):
        _add_and_clear(ring[start:stop], partial[k, start:stop])


@njit(inline="always")
def plain_projection(proj, p):
    """Whether projection ``p``'s synapses are added to the shared ring as they are (exponent
    >= 0, no short-term plasticity, no NMDA gate): the additions :func:`deliver_threaded` makes."""
    return proj[p, P_GATE] < 0 and proj[p, P_STP] < 0 and proj[p, P_EXPONENT] >= 0


@njit(nogil=True, parallel=True)
def deliver_threaded(ring, partial, slot_start, proj, spike_record, out_ptr, out_proj, indptr, run_ptr, post, mant,
                     delay, fired_ids, fired_samples, n_spiked, batch):
    """Add the plain synapses (:func:`plain_projection`) of the step's ``n_spiked`` spikes:
    share ``k`` of the spike list into ``ring`` (``k = 0``) or ``partial[k - 1]``, one share per
    thread (see the module docstring). ``slot_start[d]``: where the ring slot of delay ``d``
    begins (the same in every partial ring). ``spike_record``: each neuron's population and
    first synapse row (:mod:`.spike_record`)."""
    parts = partial.shape[0] + 1
    for k in prange(parts):
        into_ring = ring if k == 0 else partial[k - 1]
        first, stop = k * n_spiked // parts, (k + 1) * n_spiked // parts
        for s in range(first, stop):
            if s + 2 * PREFETCH_AHEAD < stop:  # as the one-thread loop: the record, then the rows
                prefetch(spike_record, fired_ids[s + 2 * PREFETCH_AHEAD] * RECORD_COLUMNS)
            if s + PREFETCH_AHEAD < stop:
                ahead = fired_ids[s + PREFETCH_AHEAD]
                pop = spike_record[ahead, R_POP]
                for out in range(out_ptr[pop], out_ptr[pop + 1]):
                    lo, hi, _, _ = row_bounds(ahead, out, out_ptr[pop], spike_record, proj, out_proj[out], indptr,
                                              run_ptr)
                    for j in range(lo, hi, 16):  # 64-byte lines of int32 targets
                        prefetch(post, j)
                    for j in range(lo, hi, 32):  # and of int16 mantissas
                        prefetch(mant, j)
            g = fired_ids[s]
            b = fired_samples[s]
            pop = spike_record[g, R_POP]
            for out in range(out_ptr[pop], out_ptr[pop + 1]):
                p = out_proj[out]
                if not plain_projection(proj, p):
                    continue
                offset = proj[p, P_POST_OFFSET]
                exponent = proj[p, P_EXPONENT]
                lo, hi, _, _ = row_bounds(g, out, out_ptr[pop], spike_record, proj, p, indptr, run_ptr)
                uniform = proj[p, P_UNIFORM_DELAY]
                if uniform > 0:  # one slot for the whole row
                    into = slot_start[uniform] + offset * batch + b
                    for j in range(lo, hi):
                        into_ring[into + post[j] * batch] += scaled_synapse(np.int64(mant[j]), exponent)
                else:
                    for j in range(lo, hi):
                        into_ring[slot_start[delay[j]] + (offset + post[j]) * batch + b] += (
                            scaled_synapse(np.int64(mant[j]), exponent))
