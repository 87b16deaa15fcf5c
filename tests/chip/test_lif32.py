"""The 32-bit-lane LIF update (lif_element32, decay_element32) equals the 64-bit rule.

The emulator's kernel runs :func:`lif_element32` where :func:`lif_fits_int32` holds; these
tests prove it is the same rule as :func:`lif_element` on random and extreme registers,
inputs and parameters, with every extension, for the Loihi widths and the widest accepted.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurocompile.chip.lif import lif_element, lif_element32, lif_fits_int32
from neurocompile.chip.numbers import decay_element, decay_element32
from neurocompile.jit import njit


@njit
def _decays(x, decay, decay_bits, out64, out32):
    keep = (1 << decay_bits) - decay
    for k in range(x.size):
        out64[k] = decay_element(np.int64(x[k]), decay, decay_bits)
        out32[k] = decay_element32(x[k], keep, decay_bits)


@njit
def _both(u, v, a_in, refractory, bias, p, decay_bits, shift, half, limit, out64, out32):
    du, dv, vth, steps, reset_value, subtract, spiking, delay, to_current, inclusive = p
    for k in range(u.size):
        r = lif_element(np.int64(u[k]), np.int64(v[k]), np.int64(a_in[k]), np.int64(refractory[k]), du, dv, vth, steps,
                        reset_value, subtract, spiking, delay, to_current, inclusive, np.int64(bias[k]), 0, 0,
                        decay_bits, shift, half, limit)
        s = lif_element32(u[k], v[k], a_in[k], refractory[k], du, dv, vth, steps, reset_value, subtract, spiking,
                          delay, to_current, inclusive, bias[k], decay_bits, shift, half, limit)
        out64[0, k], out64[1, k], out64[2, k], out64[3, k] = r[0], r[1], r[2], r[3]
        out32[0, k], out32[1, k], out32[2, k], out32[3, k] = s[0], s[1], s[2], s[3]


def _edges(low, high, size, rng):
    values = rng.integers(low, high + 1, size=size, dtype=np.int64)
    values[:8] = [low, high, 0, 1, -1, low + 1, high - 1, (low + high) // 2]
    return rng.permutation(values)


@pytest.mark.parametrize("decay_bits", [4, 12, 15])
def test_decay32_equals_decay(decay_bits):
    rng = np.random.default_rng(decay_bits)
    x = _edges(-(1 << 30), (1 << 30), 20000, rng).astype(np.int32)
    x[:4] = [(1 << 31) - 1, -(1 << 31) + 1, 1 << 27, -(1 << 27)]
    for decay in sorted({0, 1, 2, (1 << decay_bits) // 3, (1 << decay_bits) - 1, 1 << decay_bits}):
        out64, out32 = np.zeros(x.size, np.int64), np.zeros(x.size, np.int32)
        _decays(x, decay, decay_bits, out64, out32)
        np.testing.assert_array_equal(out32, out64)


@pytest.mark.parametrize("state_bits,decay_bits,shift", [(24, 12, 6), (28, 15, 6), (16, 12, 3), (28, 4, 8)])
def test_lif32_equals_lif(state_bits, decay_bits, shift):
    half = 1 << (state_bits - 1)
    limit = half - 1
    assert lif_fits_int32(half, decay_bits)
    rng = np.random.default_rng(state_bits * 100 + decay_bits)
    n = 4000
    a_low, a_high = -(1 << (state_bits - shift - 1)), (1 << (state_bits - shift - 1)) - 1
    u = _edges(-half + 1, half, n, rng).astype(np.int32)
    v = _edges(-limit, limit, n, rng).astype(np.int32)
    a_in = _edges(a_low, a_high, n, rng).astype(np.int32)
    refractory = _edges(-1, 5, n, rng).astype(np.int16)
    bias = _edges(-limit, limit, n, rng).astype(np.int32)
    unity = 1 << decay_bits
    vth_max = (half - 1) >> shift
    for du, dv, vth, reset_value in [(0, 0, vth_max, -limit), (unity - 1, unity - 1, 0, limit),
                                     (unity // 7, unity // 50, vth_max // 3, -(half // 5))]:
        for subtract, spiking, delay, to_current, inclusive in itertools.product((0, 1), repeat=5):
            p = (du, dv, vth, 3, reset_value, subtract, spiking, delay, to_current, inclusive)
            out64, out32 = np.zeros((4, n), np.int64), np.zeros((4, n), np.int64)
            _both(u, v, a_in, refractory, bias, p, decay_bits, shift, half, limit, out64, out32)
            np.testing.assert_array_equal(out32, out64, err_msg=str(p))


def test_fits_int32():
    assert lif_fits_int32(1 << 23, 12)
    assert not lif_fits_int32(1 << 31, 12)
    assert not lif_fits_int32(1 << 23, 16)
