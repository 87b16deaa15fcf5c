"""The chip's integer primitives: shifts, decays, wrap-around, saturation, rounding multiplies.

Each rule is a scalar function compiled with numba (``*_element``, ``shift_by_exponent``):
the neuron updates of :mod:`.lif` and :mod:`.adex`, the emulator's kernel and the Lava
processes all call these, so a rule exists once. The array forms below apply them to whole
integer arrays (computed in int64) in compiled loops. docs/chip.md sections 3 and 4 specify
them.
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from .lanes import add32, and32, mul32, shl32, shr32, sub32, xor32

# --------------------------------------------------------------------------------------------
# Scalar rules


@njit(inline="always")
def shift_by_exponent(mantissa, exponent):
    """``mantissa * 2**exponent``; a negative exponent is an arithmetic (floor) right shift."""
    if exponent >= 0:
        return mantissa << exponent
    return mantissa >> -exponent


@njit(inline="always")
def decay_element(x, decay, decay_bits):
    """``x * (2**decay_bits - decay) >> decay_bits`` rounded toward zero (see :func:`lif_decay`)."""
    product = x * ((1 << decay_bits) - decay)
    # Branch-free sign * (|product| >> decay_bits): the sign of a neuron's state is
    # unpredictable, and a mispredicted branch costs more than the whole update.
    sign = product >> 63
    magnitude = (product ^ sign) - sign
    return ((magnitude >> decay_bits) ^ sign) - sign


@njit(inline="always")
def decay_element32(x, keep, decay_bits):
    """:func:`decay_element` in 32-bit lanes, with ``keep = 2**decay_bits - decay`` given.

    Equal to ``decay_element(x, 2**decay_bits - keep, decay_bits)`` for ``|x| < 2**31``,
    ``0 <= keep <= 2**decay_bits`` and ``decay_bits <= 15``: with ``|x| = hi * 2**decay_bits + lo``,
    ``|x| * keep >> decay_bits == hi * keep + (lo * keep >> decay_bits)`` exactly (the first
    term is a whole multiple), and neither product leaves int32 (``hi * keep <= |x|``,
    ``lo * keep < 2**30``). The sign is ``x``'s, as the product's (``keep >= 0``).
    """
    sign = shr32(x, 31)
    magnitude = sub32(xor32(x, sign), sign)
    high = shr32(magnitude, decay_bits)
    low = and32(magnitude, sub32(shl32(1, decay_bits), 1))
    scaled = add32(mul32(high, keep), shr32(mul32(low, keep), decay_bits))
    return sub32(xor32(scaled, sign), sign)


@njit(inline="always")
def wrap_element(u, half):
    """One wrap of the LIF current into ``-half + 1 .. half`` (see :func:`wrap_current`)."""
    # Arithmetic on the two comparisons, not branches, so that loops over neurons vectorise.
    return u - 2 * half * (u > half) + 2 * half * (u <= -half)


@njit(inline="always")
def saturate_element(x, low, high):
    """Clamp to ``low..high`` (saturating registers and the dendrite read-out)."""
    return min(max(x, low), high)


@njit(inline="always")
def coefficient_element(x, mant, shift):
    """``round(x * mant / 2**shift)``: ``(x * mant + 2**(shift-1)) >> shift`` (round half up)."""
    return (x * mant + ((1 << shift) >> 1)) >> shift


# --------------------------------------------------------------------------------------------
# Array forms (int64, any shape after broadcasting)


@njit
def _shift_loop(mantissa, exponent, out):
    for k in range(out.size):
        out[k] = shift_by_exponent(mantissa[k], exponent[k])


@njit
def _decay_loop(x, decay, decay_bits, out):
    for k in range(out.size):
        out[k] = decay_element(x[k], decay[k], decay_bits)


@njit
def _wrap_loop(u, half, out):
    for k in range(out.size):
        out[k] = wrap_element(u[k], half)


@njit
def _saturate_loop(x, low, high, out):
    for k in range(out.size):
        out[k] = saturate_element(x[k], low, high)


@njit
def _coefficient_loop(x, mant, shift, out):
    for k in range(out.size):
        out[k] = coefficient_element(x[k], mant[k], shift[k])


def writable_int64(value, shape) -> np.ndarray:
    """``value`` as a C-contiguous, writable int64 array of ``shape`` (copied only if needed).

    The compiled loops take writable arrays only, so that each is compiled once.
    """
    array = np.asarray(value, dtype=np.int64)
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = np.array(array, dtype=np.int64, order="C")
    return array


def flat_int64(*values):
    """Broadcast to one shape; return (shape, contiguous writable int64 1-D arrays)."""
    arrays = [np.asarray(v, dtype=np.int64) for v in values]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return shape, [writable_int64(a, shape).reshape(-1) for a in arrays]


def apply_elementwise(loop, values, *scalars) -> np.ndarray:
    """Run a compiled ``loop(*arrays, *scalars, out)`` over broadcast int64 ``values``."""
    shape, flat = flat_int64(*values)
    out = np.empty(flat[0].size, dtype=np.int64)
    loop(*flat, *scalars, out)
    return out.reshape(shape)


def slice_length(params_size: int, *values) -> int:
    """Neurons in a step: parameters and states broadcast (scalar parameters apply to all)."""
    return int(np.broadcast_shapes((params_size,), *(np.shape(v) for v in values if v is not None))[0])


def table_rows(table: np.ndarray, size: int) -> np.ndarray:
    """A parameter table with one row per neuron (a single row is repeated)."""
    return table if table.shape[0] == size else np.repeat(table, size, axis=0)


def scale_by_exponent(mantissa, exponent) -> np.ndarray:
    """``mantissa * 2**exponent`` with an arithmetic (floor) right shift for negative exponents.

    This is how the dendrite scales a projection's per-step sum of weight mantissas by
    ``weight_exp`` (as Lava's Dense does) and how a bias mantissa is scaled by ``bias_exp``;
    ``exponent`` may be an array.
    """
    return apply_elementwise(_shift_loop, (mantissa, exponent))


def lif_decay(x, decay, decay_bits: int = 12) -> np.ndarray:
    """``x * (2**decay_bits - decay) / 2**decay_bits`` rounded toward zero (Lava's rounding).

    Computed as ``sign(p) * (|p| >> decay_bits)`` with ``p = x * (2**decay_bits - decay)`` in
    int64. ``decay`` is the *effective* decay constant, ``0..2**decay_bits``: the current uses
    ``du + 1`` (Loihi's offset), the voltage ``dv``.
    """
    return apply_elementwise(_decay_loop, (x, decay), np.int64(decay_bits))


def wrap_current(u, state_half: int = 1 << 23) -> np.ndarray:
    """Lava's single wrap-around of the current into ``-(2**(B-1)) + 1 .. 2**(B-1)``.

    ``u > 2**(B-1)`` loses ``2**B``; ``u <= -2**(B-1)`` gains ``2**B``. A value of exactly
    ``+2**(B-1)`` stays (Lava's convention, kept for bit-exactness). One correction suffices
    because the soma's inputs are bounded (docs/chip.md section 4.2). ``state_half`` is
    ``2**(B-1)`` (``Precision.state_half``).
    """
    return apply_elementwise(_wrap_loop, (u,), np.int64(state_half))


def saturate(values, low: int, high: int) -> np.ndarray:
    """Clamp integer ``values`` to ``low..high``."""
    return apply_elementwise(_saturate_loop, (values,), np.int64(low), np.int64(high))


def rounding_multiply(x, mant, shift) -> np.ndarray:
    """``round(x * mant / 2**shift)`` elementwise (see :func:`coefficient_element`)."""
    return apply_elementwise(_coefficient_loop, (x, mant, shift))
