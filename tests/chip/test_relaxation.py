"""The LIF's exponential-Euler relaxation factor (docs/chip.md section 4.5, chip/relaxation.py)."""
import numpy as np

from neurocompile.chip.relaxation import LOAD_ONE, conductance_load, relax_element, relaxation_factor


def test_factor_follows_the_exponential_euler_step():
    x = np.linspace(0.0, 0.2, 2001)[1:]
    phi = np.array([relaxation_factor(int(round(v * LOAD_ONE))) for v in x]) / LOAD_ONE
    exact = -np.expm1(-x) / x
    assert np.max(np.abs(phi - exact)) < 1.5e-5
    # beyond x = 1 the load is clamped: the factor stays that of x = 1 (1.2 % below the exact)
    assert relaxation_factor(5 * LOAD_ONE) == relaxation_factor(LOAD_ONE)
    assert abs(relaxation_factor(LOAD_ONE) / LOAD_ONE - (1 - np.exp(-1.0))) < 0.013


def test_zero_load_leaves_the_change_as_it_was_and_rounding_is_half_up():
    for delta in (-7, -1, 0, 1, 12345, -(1 << 23)):
        assert relax_element(delta, 0) == delta
    # delta * phi / 2**20 rounded half up
    load = LOAD_ONE // 10
    for delta in (-1000, -3, 3, 1000, 1 << 22):
        expected = (delta * relaxation_factor(load) + (LOAD_ONE >> 1)) >> 20
        assert relax_element(delta, load) == expected


def test_conductance_load_is_g_over_two_to_the_f_with_20_fraction_bits():
    assert conductance_load(3 << 30, 34) == (3 << 30) >> 14
    assert conductance_load((1 << 13) + (1 << 13) - 1, 34) == 1   # rounded, not floored
    assert conductance_load(5, 18) == 5 << 2                      # F < 20: shifted left
