"""The Hodgkin-Huxley model's parameters: defaults, the resting state, and one-line errors that
name model, parameter, value and rule."""
from __future__ import annotations

import re

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.models.hh import HH, gate_rates, gate_steady_state, membrane_current


def raises(match):
    return pytest.raises(nc.NetworkError, match=re.escape(match))


def test_defaults_are_the_squid_axon_and_rest_is_at_minus_65_mv():
    model = HH(tau_syn=2.0)
    assert model.params == dict(C_m=1.0, g_Na=120.0, g_K=36.0, g_L=0.3, E_Na=50.0, E_K=-77.0, E_L=-54.387,
                                V_spike=-40.0, tau_syn=2.0, I_e=0.0)
    state = model.default_state()
    assert state["v"] == pytest.approx(-65.0, abs=0.01)
    assert (state["m"], state["h"], state["n"]) == pytest.approx((0.0529, 0.5961, 0.3177), abs=1e-3)
    assert membrane_current(state["v"], state["m"], state["h"], state["n"], model.params) == pytest.approx(0, abs=1e-9)


def test_resting_state_per_neuron():
    state = HH(tau_syn=2.0, E_L=np.array([-54.387, -60.0])).default_state()
    assert state["v"].shape == (2,) and state["v"][1] < state["v"][0]
    np.testing.assert_allclose(state["n"], gate_steady_state("n", state["v"])[0])


def test_rates_are_continuous_at_their_removable_singularities():
    for gate, v0 in (("m", -40.0), ("n", -55.0)):
        alpha, _ = gate_rates(gate, np.array([v0, v0 + 1e-6]))  # at the 0/0 point and beside it
        assert np.all(np.isfinite(alpha)) and alpha[0] == pytest.approx(alpha[1], rel=1e-6)


def test_tau_syn_is_required():
    with raises("HH: missing required parameter 'tau_syn' (ms)"):
        HH()


@pytest.mark.parametrize("changes, message", [
    (dict(C_m=-1.0), "HH: C_m = -1 must be > 0 uF/cm2"),
    (dict(g_Na=-3.0), "HH: g_Na = -3 must be >= 0 mS/cm2"),
    (dict(g_L=0.0), "HH: g_L = 0 must be > 0 mS/cm2"),
    (dict(tau_syn=-0.5), "HH: tau_syn = -0.5 must be >= 0 ms"),
    (dict(I_e=np.inf), "HH: I_e = inf must be finite (uA/cm2)"),
    (dict(E_K=60.0), "HH: E_K = 60 must be < E_Na = 50"),
    (dict(V_spike=55.0), "HH: V_spike = 55 must be < E_Na = 50"),
    (dict(V_spike=-70.0), "HH: V_spike = -70 mV must be above the resting potential (-64.9964 mV without "
                          "input)"),
])
def test_bad_parameters_are_one_line_errors(changes, message):
    with raises(message) as info:
        HH(**{"tau_syn": 2.0, **changes})
    assert "\n" not in str(info.value)


def test_unknown_parameter_suggests_close_name():
    with raises("HH: unknown parameter 'gNa' (did you mean 'g_Na'?)"):
        HH(tau_syn=2.0, gNa=100.0)


def test_v_spike_below_rest_names_the_neurons_rest():
    with raises("HH: V_spike = [-30., -66.] mV must be above the resting potential (-64.9964 mV"):
        HH(tau_syn=2.0, V_spike=np.array([-30.0, -66.0]))
