"""AdEx parameters to the chip's integers (neurocompile.quantize.adex): coefficients with full
mantissas, LSB sizes and the integer parameters of a Naud et al. (2008) neuron."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.chip.adex import exp_table_of
from neurocompile.errors import BuildError
from neurocompile.quantize.adex import adex_integer_parameters, quantize_coefficient
from neurocompile.target import load_target
from tests.helpers import naud_population


def test_quantize_coefficient_uses_full_mantissa():
    coef = quantize_coefficient([0.005, 4.17e-4, -2.5, 0.0])
    assert np.all(np.abs(coef.mant[:3]) >= 1 << 14) and np.all(np.abs(coef.mant) < 1 << 15)
    np.testing.assert_allclose(coef.value()[:3], [0.005, 4.17e-4, -2.5], rtol=2**-14)
    assert coef.value()[3] == 0
    with pytest.raises(BuildError, match="too large"):
        quantize_coefficient([1e6])


def test_adex_integer_parameters_values():
    target = load_target("emu")
    fmt = target.precision
    params = naud_population(["tonic"])
    q = adex_integer_parameters(params, 0.1, fmt, exp_table_of(target))
    # |V_peak - E_L| = 70 mV -> range 256 mV over 2**23 LSBs
    assert q.v_lsb_mV == 2.0**-15
    # 4 * (500 + 0 + 2 * 70) pA -> 4096 pA range
    assert q.i_lsb_pA == 2.0**-11 and q.input_lsb_pA == 2.0**-5
    p = q.params
    assert p.x_peak[0] == 70 * 2**15 and p.x_reset[0] == 12 * 2**15
    assert p.bias[0] == 500 * 2**11 and p.exp_origin[0] == (20 - 16) * 2**15
    np.testing.assert_allclose(p.leak.value(), 0.1 * 10 / 200, rtol=1e-4)
    np.testing.assert_allclose(p.adaptation.value(), 0.1 / 30, rtol=1e-4)
    np.testing.assert_allclose(p.synapse.value(), 1 - np.exp(-0.1 / 5), rtol=1e-4)
    assert p.jump.mant[0] == 0
    x, w, i = q.state_to_int(np.array([-50.0]), np.array([3.0]), np.array([0.5]))
    assert (x[0], w[0], i[0]) == (20 * 2**15, 3 * 2**11, 2**10)
    with pytest.raises(BuildError, match="refractory"):
        adex_integer_parameters(naud_population(["tonic"], refractory=np.array([0.25])), 0.1, fmt,
                                exp_table_of(target))
