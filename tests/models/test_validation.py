"""Neuron models (neurocompile.models): malformed parameters are rejected when the model is built,
with a message naming model, parameter, value and rule; models are immutable values."""
from __future__ import annotations

import re

import numpy as np
import pytest

import neurocompile as nc


LIF_PARAMS = dict(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0)


def lif(**changes):
    return nc.LIF(**{**LIF_PARAMS, **changes})


def raises(match):
    """pytest.raises for NetworkError with a literal (escaped) message fragment."""
    return pytest.raises(nc.NetworkError, match=re.escape(match))


def test_unknown_model_parameter_is_an_error_with_suggestion():
    with raises("LIF: unknown parameter 'bias_mant' (did you mean 'bias'?); allowed: bias,"):
        lif(bias_mant=3)


def test_unknown_adex_parameter_suggests_close_name():
    with raises("AdEx: unknown parameter 'tau_W' (did you mean 'tau_w'?)"):
        nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_W=144.0, b=80.5,
                V_reset=-70.6, V_peak=-40.4, tau_syn=5.0)


def test_missing_required_parameter():
    params = dict(LIF_PARAMS)
    del params["v_reset"]
    with raises("LIF: missing required parameter 'v_reset' (mV)"):
        nc.LIF(**params)


@pytest.mark.parametrize("tau", [0.0, -5.0])
def test_membrane_time_constant_must_be_positive(tau):
    with raises(f"LIF: tau_mem = {tau:g} must be > 0 ms"):
        lif(tau_mem=tau)


def test_synaptic_time_constant_must_be_non_negative():
    with raises("LIF: tau_syn = -1 must be >= 0 ms"):
        lif(tau_syn=-1.0)
    lif(tau_syn=0.0)  # 0 is allowed: instantaneous synapses


def test_li_time_constant_must_be_positive():
    with raises("LI: tau_mem = 0 must be > 0 ms"):
        nc.LI(tau_mem=0.0, tau_syn=1.0)


def test_reset_must_be_below_threshold():
    with raises("LIF: v_reset = -50 must be < v_th = -50"):
        lif(v_reset=-50.0)
    with raises("LIF: v_reset = array[2] must be < v_th = -50"):
        lif(v_reset=np.array([-60.0, -40.0]))


def test_adex_peak_must_be_above_threshold():
    with raises("AdEx: V_T = -50.4 must be < V_peak = -55"):
        nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0, b=80.5,
                V_reset=-70.6, V_peak=-55.0, tau_syn=5.0)


def test_nan_parameter_and_bad_choice():
    with raises("LIF: tau_syn = nan must be finite (ms)"):
        lif(tau_syn=float("nan"))
    with raises("LIF: reset = 'sub' must be one of 'value', 'subtract'"):
        lif(reset="sub")


def test_models_are_immutable_and_comparable():
    model = lif()
    with pytest.raises(AttributeError, match="immutable"):
        model.tau_mem = 3.0
    assert model == lif() and model != lif(tau_mem=10.0)
    assert model.replace(tau_mem=10.0).tau_mem == 10.0 and model.tau_mem == 20.0
    with pytest.raises(nc.NetworkError, match="unknown parameter 'taumem'"):
        model.replace(taumem=1.0)
