"""Receptors in the float reference against closed forms and scipy.integrate.solve_ivp.

One neuron, one presynaptic spike per receptor: the recorded trace (end of each step) must
equal the ODE's solution within 0.5 % of the PSP peak (issue 17), the conductance itself its
closed form. A spike sent in step ``s`` arrives (delay dt) at the start of step ``s + 1``, at
``t0 = (s + 1) dt``; the trace of step ``k`` is the state at ``(k + 1) dt``.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurocompile as nc
from neurocompile.errors import NetworkError
from neurocompile.models.receptors import dual_exp_norm

DT = 0.1
STEPS = 800
SEND = 9              # the spike leaves in step 9 and arrives at t0 = 1 ms
T0 = (SEND + 1) * DT
TIMES = (np.arange(STEPS) + 1) * DT
LIF_PARAMS = dict(tau_mem=20.0, v_rest=-60.0, v_reset=-60.0, v_th=-40.0)


def one_neuron(model, weights: dict, probes=("v",)):
    """``model`` driven by one spike into each named receptor (name -> weight)."""
    net = nc.Network("one", dt=DT)
    src = net.spike_source("src", 1, times=[SEND * DT], indices=[0])
    pop = net.population("n", 1, model)
    for receptor, weight in weights.items():
        net.connect(src, pop, nc.AllToAll(), weight=weight, receptor=receptor)
    for var in probes:
        net.probe(pop, var)
    return nc.simulate(net, STEPS * DT)


def ode_trace(rhs, y0, t_end=STEPS * DT):
    """The ODE from rest, the input starting at T0 (a discontinuity: integrate piecewise)."""
    first = solve_ivp(rhs, (0.0, T0), y0, rtol=1e-10, atol=1e-12, dense_output=True)
    second = solve_ivp(rhs, (T0, t_end), first.y[:, -1], rtol=1e-10, atol=1e-12, dense_output=True)
    return np.where(TIMES < T0, first.sol(np.minimum(TIMES, T0))[0], second.sol(np.maximum(TIMES, T0))[0])


def assert_psp(got, expected, rest):
    peak = np.max(np.abs(expected - rest))
    assert peak > 0.05  # a visible PSP
    error = np.max(np.abs(got - expected))
    assert error < 0.005 * peak, f"max error {error:.3g} mV = {error / peak:.2%} of the {peak:.3g} mV peak"


def g_exp(t, w, tau):
    return np.where(t > T0 + 1e-9, w * np.exp(-(t - T0) / tau), 0.0)


def g_dual(t, w, tau_rise, tau_decay):
    s = np.maximum(t - T0, 0.0)
    unit = (np.exp(-s / tau_decay) - np.exp(-s / tau_rise)) / (1 / tau_rise - 1 / tau_decay)
    return np.where(t > T0 + 1e-9, w * dual_exp_norm(tau_rise, tau_decay) * unit, 0.0)


def test_two_current_receptors_are_exact():
    model = nc.LIF(**LIF_PARAMS, receptors={"exc": nc.CurrentExp(tau=5.0), "inh": nc.CurrentExp(tau=10.0)})
    r = one_neuron(model, {"exc": 3.0, "inh": -1.0}, probes=("v", "I_exc", "I_inh"))

    def rhs(t, y):
        current = (3.0 * np.exp(-(t - T0) / 5.0) - np.exp(-(t - T0) / 10.0)) if t >= T0 else 0.0
        return [(-(y[0] + 60.0) + current) / 20.0]
    assert_psp(r.trace("n", "v")[:, 0], ode_trace(rhs, [-60.0]), -60.0)
    np.testing.assert_allclose(r.trace("n", "I_inh")[SEND + 1:, 0],
                               -np.exp(-(TIMES[SEND + 1:] - T0) / 10.0), rtol=1e-9)


@pytest.mark.parametrize("e_rev,weight", [(0.0, 0.05), (-80.0, 0.3)])
def test_exponential_conductance_psp(e_rev, weight):
    model = nc.LIF(**LIF_PARAMS, receptors={"r": nc.CondExp(tau=5.0, E_rev=e_rev)})
    r = one_neuron(model, {"r": weight}, probes=("v", "g_r"))

    def rhs(t, y):
        return [(-(y[0] + 60.0) + g_exp(t, weight, 5.0) * (e_rev - y[0])) / 20.0]
    assert_psp(r.trace("n", "v")[:, 0], ode_trace(rhs, [-60.0]), -60.0)
    np.testing.assert_allclose(r.trace("n", "g_r")[:, 0], g_exp(TIMES, weight, 5.0), rtol=1e-9, atol=1e-15)


def test_dual_exponential_conductance_peaks_at_its_weight():
    receptor = nc.CondDualExp(tau_rise=1.0, tau_decay=5.0, E_rev=0.0)
    model = nc.LIF(**LIF_PARAMS, receptors={"ampa": receptor})
    r = one_neuron(model, {"ampa": 0.04}, probes=("v", "g_ampa"))

    def rhs(t, y):
        return [(-(y[0] + 60.0) + g_dual(t, 0.04, 1.0, 5.0) * (0.0 - y[0])) / 20.0]
    assert_psp(r.trace("n", "v")[:, 0], ode_trace(rhs, [-60.0]), -60.0)
    g = r.trace("n", "g_ampa")[:, 0]
    np.testing.assert_allclose(g, g_dual(TIMES, 0.04, 1.0, 5.0), rtol=1e-9, atol=1e-15)
    assert g.max() == pytest.approx(0.04, rel=2e-3)  # the sampled peak, within a step of the true one


def test_receptors_add_up_on_one_neuron():
    model = nc.LIF(**LIF_PARAMS, receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0),
                                            "gaba": nc.CondDualExp(tau_rise=0.5, tau_decay=10.0, E_rev=-80.0),
                                            "cur": nc.CurrentExp(tau=3.0)})
    r = one_neuron(model, {"ampa": 0.1, "gaba": 0.05, "cur": 2.0})

    def rhs(t, y):
        v = y[0]
        g = g_exp(t, 0.1, 2.0) * (0.0 - v) + g_dual(t, 0.05, 0.5, 10.0) * (-80.0 - v)
        current = 2.0 * np.exp(-(t - T0) / 3.0) if t >= T0 else 0.0
        return [(-(v + 60.0) + g + current) / 20.0]
    assert_psp(r.trace("n", "v")[:, 0], ode_trace(rhs, [-60.0]), -60.0)


def test_adex_conductance_and_current_receptors():
    adex = dict(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, a=2.0, tau_w=100.0, b=0.0,
                V_reset=-58.0, V_peak=0.0)
    model = nc.AdEx(**adex, receptors={"ampa": nc.CondExp(tau=5.0, E_rev=0.0), "cur": nc.CurrentExp(tau=8.0)})
    r = one_neuron(model, {"ampa": 4.0, "cur": 50.0}, probes=("v", "w"))

    def rhs(t, y):
        v, w = y
        syn = g_exp(t, 4.0, 5.0) * (0.0 - v) + (50.0 * np.exp(-(t - T0) / 8.0) if t >= T0 else 0.0)
        dv = (-10.0 * (v + 70.0) + 10.0 * 2.0 * np.exp((v + 50.0) / 2.0) - w + syn) / 200.0
        return [dv, (2.0 * (v + 70.0) - w) / 100.0]
    expected = ode_trace(rhs, [-70.0, 0.0])
    assert_psp(r.trace("n", "v")[:, 0], expected, -70.0)


@pytest.mark.parametrize("rest", [-70.0, -40.0])
def test_magnesium_blocked_conductance_against_ode(rest):
    """An NMDA-like receptor (2 / 100 ms, mg 1 mM): B(v) at the step's start (LIF) and at every
    RK4 point (AdEx) against solve_ivp; the block shrinks the PSP at rest and less when depolarised."""
    from neurocompile.models.receptors import mg_block
    nmda = nc.CondDualExp(tau_rise=2.0, tau_decay=100.0, E_rev=0.0, mg=1.0)
    lif = nc.LIF(tau_mem=20.0, v_rest=rest, v_reset=-80.0, v_th=0.0, receptors={"nmda": nmda})
    r = one_neuron(lif, {"nmda": 0.5}, probes=("v",))

    def rhs(t, y):
        return [(-(y[0] - rest) + g_dual(t, 0.5, 2.0, 100.0) * mg_block(y[0], 1.0) * (0.0 - y[0])) / 20.0]
    assert_psp(r.trace("n", "v")[:, 0], ode_trace(rhs, [rest]), rest)
    adex = dict(C=200.0, g_L=10.0, E_L=rest, V_T=-30.0, delta_T=2.0, a=0.0, tau_w=100.0, b=0.0,
                V_reset=-80.0, V_peak=0.0)
    r = one_neuron(nc.AdEx(**adex, receptors={"nmda": nmda}), {"nmda": 5.0}, probes=("v",))

    def rhs_adex(t, y):
        v, w = y
        syn = g_dual(t, 5.0, 2.0, 100.0) * mg_block(v, 1.0) * (0.0 - v)
        dv = (-10.0 * (v - rest) + 10.0 * 2.0 * np.exp((v + 30.0) / 2.0) - w + syn) / 200.0
        return [dv, -w / 100.0]
    assert_psp(r.trace("n", "v")[:, 0], ode_trace(rhs_adex, [rest, 0.0]), rest)


def test_receptor_errors_name_object_value_and_rule():
    lif = nc.LIF(**LIF_PARAMS, receptors={"exc": nc.CondExp(tau=5.0, E_rev=0.0),
                                          "inh": nc.CondExp(tau=10.0, E_rev=-80.0)})
    net = nc.Network("bad", dt=DT)
    src = net.poisson("src", 2, rate=10.0)
    pop = net.population("n", 2, lif)
    with pytest.raises(NetworkError, match=r"receptor = None must name one of the receptors of 'n': exc, inh"):
        net.connect(src, pop, nc.AllToAll(), weight=0.1)
    with pytest.raises(NetworkError, match=r"unknown receptor 'exx' \(did you mean 'exc'\?\)"):
        net.connect(src, pop, nc.AllToAll(), weight=0.1, receptor="exx")
    with pytest.raises(NetworkError, match=r"weight = -0\.1 must be >= 0: receptor 'inh' of 'n' is a conductance"):
        net.connect(src, pop, nc.AllToAll(), weight=-0.1, receptor="inh")
    with pytest.raises(NetworkError, match=r"E_rev = -55 mV lies between v_reset = -60 and v_th = -40 mV"):
        nc.LIF(**LIF_PARAMS, receptors={"x": nc.CondExp(tau=5.0, E_rev=-55.0)})
    nc.LIF(**LIF_PARAMS, receptors={"x": nc.CondExp(tau=5.0, E_rev=-55.0, shunting=True)})  # allowed
    with pytest.raises(NetworkError, match=r"tau_syn = 5 cannot be given with receptors"):
        nc.LIF(**LIF_PARAMS, tau_syn=5.0, receptors={"x": nc.CurrentExp(tau=5.0)})
    with pytest.raises(NetworkError, match=r"CondExp: tau = -1 must be > 0 ms"):
        nc.CondExp(tau=-1.0, E_rev=0.0)
    with pytest.raises(NetworkError, match=r"receptors\['x'\] = .* must be a receptor"):
        nc.LIF(**LIF_PARAMS, receptors={"x": 5.0})
    with pytest.raises(NetworkError, match=r"unknown parameter 'receptors'"):
        nc.DiscreteLIF(beta=0.9, threshold=1.0, receptors={"x": nc.CurrentExp(tau=1.0)})
