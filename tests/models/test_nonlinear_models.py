"""ExpIF and Izhikevich: defaults, documented units, and one-line errors for bad parameters
(naming model, parameter, value and rule)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import neurocompile as nc

EXPIF = dict(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, V_reset=-58.0, V_peak=-40.0, tau_syn=5.0)


def raises(match):
    return pytest.raises(nc.NetworkError, match=re.escape(match))


def test_izhikevich_defaults_are_the_2003_model():
    model = nc.Izhikevich(a=0.02, b=0.2, c=-65.0, d=8.0, tau_syn=5.0)
    assert (model.k2, model.k1, model.k0, model.v_peak, model.u_leak, model.substeps) == (0.04, 5.0, 140.0, 30.0,
                                                                                         1.0, 1.0)
    assert model.default_state() == {"v": -65.0, "u": pytest.approx(-13.0), "I_syn": 0.0}
    assert model.state_variables == {"v": "mV", "u": "mV/ms", "I_syn": "mV/ms"}
    assert repr(model) == "Izhikevich(a=0.02, b=0.2, c=-65, d=8, tau_syn=5)"
    for name in ("a", "b", "c", "d", "k2", "substeps", "u_leak"):
        assert f"{name}:" in nc.Izhikevich.__doc__


@pytest.mark.parametrize("changes, message", [
    (dict(c=40.0), "Izhikevich: c = 40 must be < v_peak = 30"),
    (dict(k2=-0.04), "Izhikevich: k2 = -0.04 must be > 0 1/(mV ms)"),
    (dict(substeps=2.5), "Izhikevich: substeps = 2.5 must be an integer >= 1"),
    (dict(substeps=0), "Izhikevich: substeps = 0 must be > 0"),
    (dict(u_leak=0.5), "Izhikevich: u_leak = 0.5 must be 0 or 1"),
    (dict(tau_syn=-1.0), "Izhikevich: tau_syn = -1 must be >= 0 ms"),
    (dict(d=float("nan")), "Izhikevich: d = nan must be finite (mV/ms)"),
    (dict(receptors={"x": nc.CurrentExp(tau=2.0)}), "Izhikevich: unknown parameter 'receptors'"),
])
def test_izhikevich_bad_parameters(changes, message):
    params = dict(a=0.02, b=0.2, c=-65.0, d=8.0, tau_syn=5.0)
    params.update(changes)
    with raises(message):
        nc.Izhikevich(**params)


def test_expif_is_its_own_model_without_adaptation():
    model = nc.ExpIF(**EXPIF)
    assert model.state_variables == {"v": "mV", "I_syn": "pA"}
    assert "a" not in model.params and "tau_w" not in model.params
    net = nc.Network("e", dt=0.1)
    pop = net.population("n", 2, model)
    with pytest.raises(nc.NetworkError, match=r"probe on 'n' \(ExpIF\): unknown variable 'w'; allowed: I_syn, spikes, v"):
        net.probe(pop, "w")


@pytest.mark.parametrize("changes, message", [
    (dict(V_reset=-30.0), "ExpIF: V_reset = -30 must be < V_peak = -40"),
    (dict(V_T=-30.0), "ExpIF: V_T = -30 must be < V_peak = -40"),
    (dict(C=-1.0), "ExpIF: C = -1 must be > 0 pF"),
    (dict(delta_T=0.0), "ExpIF: delta_T = 0 must be > 0 mV"),
    (dict(a=4.0), "ExpIF: unknown parameter 'a'"),
])
def test_expif_bad_parameters(changes, message):
    with raises(message):
        nc.ExpIF(**{**EXPIF, **changes})


def test_per_neuron_arrays_are_checked_against_population_size():
    net = nc.Network("n", dt=0.1)
    with raises("Population 'p' (Izhikevich): a = [0.02, 0.1 , 0.02] has 3 values but the population has 2 neurons"):
        net.population("p", 2, nc.Izhikevich(a=np.array([0.02, 0.1, 0.02]), b=0.2, c=-65.0, d=8.0, tau_syn=5.0))


def test_chip_runs_at_most_four_substeps():
    net = nc.Network("s", dt=1.0)
    net.population("p", 1, nc.Izhikevich(a=0.02, b=0.2, c=-65.0, d=8.0, tau_syn=5.0, substeps=8))
    assert nc.simulate(net, 5.0).n_steps == 5  # the float model takes any number
    with pytest.raises(nc.BuildError, match=re.escape(
            "Izhikevich 'p': substeps = 8 must be at most 4: the chip repeats its quadratic update at most 4 "
            "times per step (use a smaller dt instead)")):
        nc.compile(net, "emu")
