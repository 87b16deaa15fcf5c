"""The chip's learning rule (docs/chip.md section 3.6): pair-based STDP of a plastic
projection, written once here for the emulator's kernel and the Lava process.

State of one plastic projection (one sample):

* ``W``: one plastic weight register per synapse, unsigned, in units of ``2**-F`` of the
  projection's weight mantissa (``F``: the target's ``[learning] weight_fraction_bits``). The
  synapse delivers the mantissa ``(W + 2**(F-1)) >> F`` (rounded half up), shifted by the
  projection's exponent as every synapse is.
* ``x``: one trace per presynaptic neuron, ``y``: one per postsynaptic neuron; unsigned, 1.0 is
  ``TRACE_ONE = 2**20``, at most :data:`TRACE_MAX`.

A projection's parameters are one row of :data:`LEARNING_COLUMNS`: the rule (``0`` additive,
``1`` multiplicative), the 12-bit trace keeps ``k_x = round(4096 exp(-dt/tau_plus))`` and
``k_y`` (of ``tau_minus``), the learning rates ``A_plus``, ``A_minus`` as 16-bit coefficients
``mant / 2**shift``, the bounds ``W_min``, ``W_max`` in register units and ``F``.

Every step, after the step's spikes were delivered (so a spike carries the weight it found),
with ``E = 2**k`` steps per learning epoch (the target's ``[learning] epoch_log2 = k``) and the
run's step ``t`` counted from 0::

    x <- (x k_x) >> 12,  y <- (y k_y) >> 12                       (decay, truncated)
    pre_flag[i] <- 1 of the presynaptic neurons i that spiked, post_flag likewise
    if (t + 1) % E == 0 (the last step of an epoch):
        each synapse of a flagged presynaptic neuron:
            W <- max(W - rate(A_minus, base_dep(W), y[post]), W_min)   (depression)
        x <- min(x + ONE, MAX) of the presynaptic neurons that spiked
        each synapse of a flagged postsynaptic neuron:
            W <- min(W + rate(A_plus, base_pot(W), x[pre]), W_max)     (potentiation)
        y <- min(y + ONE, MAX) of the postsynaptic neurons that spiked
        clear the flags
    else:
        x <- min(x + ONE, MAX) of the presynaptic neurons that spiked, y likewise

with ``rate(A, base, trace) = (A_mant ((base trace) >> 20) + 2**(A_shift-1)) >> A_shift`` and
``base_pot = W_max``, ``base_dep = W_max`` (additive) or ``base_pot = W_max - W``,
``base_dep = W - W_min`` (multiplicative). Every product fits 64 bits: ``base < 2**16``,
``trace < 2**31``, ``A_mant < 2**15``. With ``E = 1`` the flags are the step's spikes: the
per-step rule. With ``E > 1`` a synapse is updated at most once per epoch and side however
often its neurons spiked, from the traces as they stand at the epoch's end; an unfinished
epoch at the end of a run is not applied (its flags are dropped with the run).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit

#: Fraction bits of the traces: 1.0 is ``TRACE_ONE``. Truncating decays lose less than one LSB
#: a step, so a trace is exact to ``tau/dt * 2**-20`` (2e-4 for tau = 20 ms at dt = 0.1 ms).
TRACE_FRACTION_BITS = 20
TRACE_ONE = 1 << TRACE_FRACTION_BITS
#: Largest trace (a 31-bit register: 2047 spikes' worth).
TRACE_MAX = (1 << 31) - 1
#: Fraction bits of the trace keeps (12-bit decays, as the somas').
TRACE_DECAY_BITS = 12
#: Bits of the learning-rate coefficients (signed: mantissas below 2**15).
RATE_BITS = 16
#: Widest plastic weight register: mantissa and fraction bits together.
MAX_WEIGHT_REGISTER_BITS = 16

RULE_ADDITIVE, RULE_MULTIPLICATIVE = 0, 1
RULES = {"additive": RULE_ADDITIVE, "multiplicative": RULE_MULTIPLICATIVE}

#: Columns of a plastic projection's parameter row (int64).
LEARNING_COLUMNS = ("rule", "keep_x", "keep_y", "a_plus_mant", "a_plus_shift", "a_minus_mant", "a_minus_shift",
                    "w_min", "w_max", "fraction_bits")
(L_RULE, L_KEEP_X, L_KEEP_Y, L_A_PLUS_MANT, L_A_PLUS_SHIFT, L_A_MINUS_MANT, L_A_MINUS_SHIFT, L_W_MIN, L_W_MAX,
 L_FRACTION_BITS) = range(len(LEARNING_COLUMNS))


@njit(inline="always")
def trace_decay_element(trace, keep):
    """One step of a trace's decay: ``(trace keep) >> 12`` (truncated: reaches 0)."""
    return (trace * keep) >> TRACE_DECAY_BITS


@njit(inline="always")
def trace_spike_element(trace):
    """A spike of the trace's neuron: ``min(trace + ONE, MAX)``."""
    return min(trace + TRACE_ONE, TRACE_MAX)


@njit(inline="always")
def _rate(mant, shift, base, trace):
    return (mant * ((base * trace) >> TRACE_FRACTION_BITS) + (1 << (shift - 1))) >> shift


@njit(inline="always")
def depress_element(w, y, row):
    """``W`` after a presynaptic spike finds postsynaptic trace ``y``."""
    base = row[L_W_MAX] if row[L_RULE] == RULE_ADDITIVE else w - row[L_W_MIN]
    return max(w - _rate(row[L_A_MINUS_MANT], row[L_A_MINUS_SHIFT], base, y), row[L_W_MIN])


@njit(inline="always")
def potentiate_element(w, x, row):
    """``W`` after a postsynaptic spike finds presynaptic trace ``x``."""
    base = row[L_W_MAX] if row[L_RULE] == RULE_ADDITIVE else row[L_W_MAX] - w
    return min(w + _rate(row[L_A_PLUS_MANT], row[L_A_PLUS_SHIFT], base, x), row[L_W_MAX])


@njit(inline="always")
def delivered_mantissa(w, fraction_bits):
    """The mantissa a synapse with register ``W`` delivers: ``(W + 2**(F-1)) >> F``."""
    return (w + (1 << (fraction_bits - 1))) >> fraction_bits


def delivered_mantissas(registers, fraction_bits: int) -> np.ndarray:
    """:func:`delivered_mantissa` of every register (int64 array): what the synapses deliver."""
    return (np.asarray(registers, dtype=np.int64) + (1 << (fraction_bits - 1))) >> fraction_bits


@njit(inline="always")
def is_epoch_end(step, epoch_log2):
    """Whether step ``step`` (counted from 0 at the start of a run) is the last of a learning
    epoch of ``2**epoch_log2`` steps: ``(step + 1) % 2**epoch_log2 == 0``."""
    return ((step + 1) & ((1 << epoch_log2) - 1)) == 0


@njit(inline="always")
def _increment_traces(trace, spiking):
    for k in range(spiking.size):
        i = spiking[k]
        trace[i] = trace_spike_element(np.int64(trace[i]))


@njit
def trace_and_flag_step(row, x, y, pre_spiking, post_spiking, pre_flag, post_flag):
    """Every step's part of the rule for one plastic projection, in place: the traces ``x``,
    ``y`` (int32) decay one step, and this step's spiking neurons ``pre_spiking``,
    ``post_spiking`` (local indices, int64) are flagged in ``pre_flag``, ``post_flag`` (uint8,
    1: spiked in this epoch). The trace increments are left to the caller: at an epoch's end
    they fall between the depressions and the potentiations (:func:`epoch_update`)."""
    keep_x, keep_y = row[L_KEEP_X], row[L_KEEP_Y]
    for i in range(x.size):
        x[i] = trace_decay_element(np.int64(x[i]), keep_x)
    for i in range(y.size):
        y[i] = trace_decay_element(np.int64(y[i]), keep_y)
    for k in range(pre_spiking.size):
        pre_flag[pre_spiking[k]] = 1
    for k in range(post_spiking.size):
        post_flag[post_spiking[k]] = 1


@njit
def epoch_update(row, weight, mant, x, y, pre_spiking, post_spiking, pre_flag, post_flag, pre_updated, post_updated,
                 indptr, post, col_ptr, col_synapse, pre_of):
    """The weight updates at the last step of a learning epoch (after
    :func:`trace_and_flag_step` of that step), in place: depression of every synapse of every
    flagged presynaptic neuron (reading ``y`` as it stands), this step's presynaptic trace
    increments, potentiation of every synapse of every flagged postsynaptic neuron (reading
    ``x``), this step's postsynaptic increments; then the flags are cleared. Arguments as
    :func:`learning_step`; the flagged neurons are written to ``pre_updated``,
    ``post_updated`` (int64, at least the populations' sizes). Returns ``(operations, n_pre,
    n_post)``: the synapse updates done and how many neurons of each list were written."""
    bits = row[L_FRACTION_BITS]
    first, col_first = indptr[0], col_ptr[0]
    operations = 0
    n_pre = 0
    for i in range(x.size):  # ascending order: a synapse belongs to one row, so any order gives the same W
        if pre_flag[i] == 0:
            continue
        pre_flag[i] = 0
        pre_updated[n_pre] = i
        n_pre += 1
        for j in range(indptr[i] - first, indptr[i + 1] - first):
            w = depress_element(np.int64(weight[j]), np.int64(y[post[j]]), row)
            weight[j] = w
            mant[j] = delivered_mantissa(w, bits)
        operations += indptr[i + 1] - indptr[i]
    _increment_traces(x, pre_spiking)
    n_post = 0
    for i in range(y.size):
        if post_flag[i] == 0:
            continue
        post_flag[i] = 0
        post_updated[n_post] = i
        n_post += 1
        for c in range(col_ptr[i] - col_first, col_ptr[i + 1] - col_first):
            j = col_synapse[c]
            w = potentiate_element(np.int64(weight[j]), np.int64(x[pre_of[j]]), row)
            weight[j] = w
            mant[j] = delivered_mantissa(w, bits)
        operations += col_ptr[i + 1] - col_ptr[i]
    _increment_traces(y, post_spiking)
    return operations, n_pre, n_post


@njit
def learning_step(row, weight, mant, x, y, pre_spiking, post_spiking, pre_flag, post_flag, epoch_end, pre_updated,
                  post_updated, indptr, post, col_ptr, col_synapse, pre_of):
    """One step of the rule (module docstring) for one plastic projection of one sample, in
    place: ``weight`` (int32 ``W``) and ``mant`` (int16, the delivered mantissas) aligned with
    the projection's synapses, whose CSR over presynaptic neurons is ``indptr`` (positions
    counted from ``indptr[0]``) and ``post``; traces ``x``, ``y`` (int32), this step's spiking
    neurons ``pre_spiking``, ``post_spiking`` (local indices, int64), the epoch's flags
    ``pre_flag``, ``post_flag`` (uint8, one per neuron), ``epoch_end``: whether this step is
    the last of its learning epoch (:func:`is_epoch_end`), the synapses of each postsynaptic
    neuron ``col_synapse[col_ptr[i]:col_ptr[i + 1]]`` (from ``col_ptr[0]``) and each
    synapse's presynaptic neuron ``pre_of``. Returns ``(operations, n_pre, n_post)``: the
    synapse updates done (the learning operations, 0 between epoch ends) and the neurons whose
    rows (``pre_updated[:n_pre]``) and columns (``post_updated[:n_post]``) were updated. The
    order of the spikes in either list does not change the result: a synapse is depressed
    only by its own presynaptic neuron and potentiated only by its own postsynaptic one, once
    each per epoch."""
    trace_and_flag_step(row, x, y, pre_spiking, post_spiking, pre_flag, post_flag)
    if epoch_end:
        return epoch_update(row, weight, mant, x, y, pre_spiking, post_spiking, pre_flag, post_flag, pre_updated,
                            post_updated, indptr, post, col_ptr, col_synapse, pre_of)
    _increment_traces(x, pre_spiking)
    _increment_traces(y, post_spiking)
    return 0, 0, 0


def column_index(indptr: np.ndarray, post: np.ndarray, n_post: int) -> tuple:
    """``(col_ptr, col_synapse, pre_of)``: the synapses of each postsynaptic neuron (by
    presynaptic neuron within a column) and each synapse's presynaptic neuron, int64: what the
    chip stores beside a plastic projection's rows to find a postsynaptic spike's synapses."""
    post = np.asarray(post, dtype=np.int64)
    col_synapse = np.argsort(post, kind="stable").astype(np.int64)
    col_ptr = np.zeros(n_post + 1, dtype=np.int64)
    np.cumsum(np.bincount(post, minlength=n_post), out=col_ptr[1:])
    pre_of = np.repeat(np.arange(indptr.size - 1, dtype=np.int64), np.diff(indptr))
    return col_ptr, col_synapse, pre_of
