"""Per-neuron sums and maxima over a projection's synapses, and the passes that quantize its
weights, in bounded memory and one compiled loop each.

Networks have up to 10^8 synapses: float temporaries of that size would double the memory of
a compile, and numpy's chained expressions over them (a gather, a product, a comparison, a
sum: a pass over memory each) made quantization half the compile time of the 1M / 100M ring.
The loops below read each synapse once and give the same numbers as those expressions: sums
are taken in the same order (per :data:`CHUNK` of synapses, each chunk's ``bincount`` in
synapse order, then added), sums of mantissas are exact integer sums, and the squared errors
are summed by numpy itself from a chunk-sized buffer (its pairwise summation, as before).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit

CHUNK = 1 << 22


def chunks(size: int, chunk: int = CHUNK):
    """Slices covering ``range(size)`` in pieces of ``chunk`` (at least one, possibly empty)."""
    return [slice(start, start + chunk) for start in range(0, max(size, 1), chunk)]


@njit
def _abs_sums_and_maxima(index, values, sums, maxima, chunk):
    scratch = np.zeros(sums.size)
    for start in range(0, max(index.size, 1), chunk):
        scratch[:] = 0.0
        for i in range(start, min(start + chunk, index.size)):
            magnitude = abs(np.float64(values[i]))
            scratch[index[i]] += magnitude
            if magnitude > maxima[index[i]]:
                maxima[index[i]] = magnitude
        for k in range(sums.size):
            sums[k] += scratch[k]


def abs_sums_and_maxima(index, values, size: int, maxima: np.ndarray) -> np.ndarray:
    """Per neuron ``i`` (``index`` of each synapse, int): the sum of ``|values|`` over its
    synapses (float64, returned; as ``bincount`` chunk by chunk) and, in place, ``maxima[i] =
    max(maxima[i], |values|)``."""
    sums = np.zeros(size)
    _abs_sums_and_maxima(np.asarray(index), np.asarray(values), sums, maxima, CHUNK)
    return sums


@njit
def _signed_mantissa_sums(index, mant, size):
    positive = np.zeros(size, dtype=np.int64)
    negative = np.zeros(size, dtype=np.int64)
    for i in range(index.size):
        m = np.int64(mant[i])
        if m > 0:
            positive[index[i]] += m
        else:
            negative[index[i]] -= m
    return positive, negative


def signed_mantissa_sums(index, mant, size: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """``(excitatory, inhibitory)``: per neuron, the sums of the positive mantissas and of the
    magnitudes of the negative ones over its synapses, times ``scale`` (float64; exact: integer
    sums times a power of two)."""
    positive, negative = _signed_mantissa_sums(np.asarray(index), np.asarray(mant), size)
    return positive * scale, negative * scale


@njit
def effective_extremes(weight, gain, post):
    """``(lowest, highest, peak)`` of the effective weights ``weight[i] * gain[post[i]]``
    (dendritic input LSBs): their minimum, maximum and largest magnitude (``inf, -inf, 0``
    without synapses)."""
    lowest, highest, peak = np.inf, -np.inf, 0.0
    for i in range(weight.size):
        x = weight[i] * gain[post[i]]
        lowest = min(lowest, x)
        highest = max(highest, x)
        peak = max(peak, abs(x))
    return lowest, highest, peak


@njit
def needs_negative_exponent(weight, gain, post, step):
    """Whether exponent 0 would zero a non-zero effective weight (mantissas in steps of ``step``)."""
    for i in range(weight.size):
        x = weight[i] * gain[post[i]]
        if x != 0.0 and np.rint(x / step) * step == 0.0:
            return True
    return False


@njit
def quantize_chunk(weight, gain, post, start, stop, scale, step, lowest, highest, mant, error_sq, target_sq):
    """Mantissas of synapses ``start..stop-1``: ``clip(rint(w_eff / scale / step) * step,
    lowest, highest)`` into ``mant`` (int16), with ``w_eff = weight * gain[post]`` and
    ``scale = 2**exponent``; their squared errors ``(mant scale - w_eff)**2`` and squared
    effective weights into ``error_sq[:stop-start]``, ``target_sq[:stop-start]`` (summed by the
    caller). Returns how many non-zero weights became mantissa 0."""
    lost = 0
    for i in range(start, stop):
        x = weight[i] * gain[post[i]]
        r = np.rint(x / scale / step) * step
        r = min(max(r, lowest), highest)
        m = np.int16(r)
        mant[i] = m
        if m == 0 and weight[i] != 0:
            lost += 1
        d = np.float64(m) * scale - x
        error_sq[i - start] = d * d
        target_sq[i - start] = x * x
    return lost
