"""Pair-based STDP in the float reference (neurocompile.models.plasticity): the documented
exponential window to 1e-9 for one pre and one post spike at every lag in -50..50 ms, the
multiplicative rule, the bounds, and one-line errors for bad rules, weights and requests."""
from __future__ import annotations

import re

import numpy as np
import pytest

import neurocompile as nc

DT = 0.1
T_PRE = 60.0
LAGS = np.arange(-50.0, 50.0 + 1e-9, 1.0)  # t_post - t_pre, ms


def pairs_network(stdp, lags=LAGS, weight=0.5) -> tuple[nc.Network, object]:
    """One pre/post pair per lag: the pre neuron spikes at T_PRE, the post neuron (a LIF that a
    strong 'kick' input fires) at T_PRE + lag; the plastic synapses are one-to-one."""
    n = len(lags)
    net = nc.Network("pairs", dt=DT)
    pre = net.spike_source("pre", n, times=np.full(n, T_PRE), indices=np.arange(n))
    post = net.population("post", n, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    kick = net.spike_source("kick", n, times=T_PRE + np.asarray(lags) - DT, indices=np.arange(n))
    net.connect(kick, post, nc.OneToOne(), weight=5.0)  # arrives one step later: the post spike
    proj = net.connect(pre, post, nc.OneToOne(), weight=weight, plasticity=stdp)
    net.probe(post, "spikes")
    return net, proj


def additive(**changes):
    return nc.STDP(**{**dict(tau_plus=16.8, tau_minus=33.7, A_plus=0.01, A_minus=0.0105, w_max=1.0), **changes})


def test_one_pairing_at_every_lag_gives_the_exponential_window():
    stdp = additive()
    net, proj = pairs_network(stdp)
    result = nc.simulate(net, 150.0)
    times, ids = result.spike_times("post")
    np.testing.assert_allclose(times[np.argsort(ids)], T_PRE + LAGS, atol=1e-9)  # every post spike as planned
    change = result.weights(proj).toarray().diagonal() - 0.5
    expected = np.where(LAGS >= 0, 0.01 * np.exp(-LAGS / 16.8), -0.0105 * np.exp(LAGS / 33.7))
    np.testing.assert_allclose(change, expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(stdp.window(LAGS), expected, atol=1e-15)
    assert np.all(proj.weights.data == 0.5)  # the network's weights are not the run's


def test_multiplicative_rule_scales_with_the_room_to_the_bounds():
    stdp = additive(rule="multiplicative", w_min=0.1)
    lags = np.array([-10.0, 10.0])
    net, proj = pairs_network(stdp, lags, weight=0.3)
    change = nc.simulate(net, 150.0).weights(proj).toarray().diagonal() - 0.3
    np.testing.assert_allclose(change, [-0.0105 * (0.3 - 0.1) * np.exp(-10 / 33.7), 0.01 * (1.0 - 0.3) * np.exp(-10 / 16.8)],
                               atol=1e-12)


def test_repeated_pairings_stop_at_the_bound():
    """Forty pre-before-post pairings of +0.1 w_max each end exactly at w_max (hard bound)."""
    net = nc.Network("bound", dt=DT)
    times = 10.0 + 20.0 * np.arange(40)
    pre = net.spike_source("pre", 1, times=times, indices=np.zeros(40, dtype=int))
    post = net.population("post", 1, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    kick = net.spike_source("kick", 1, times=times + 1.0, indices=np.zeros(40, dtype=int))
    net.connect(kick, post, nc.OneToOne(), weight=5.0)
    proj = net.connect(pre, post, nc.OneToOne(), weight=0.5, plasticity=additive(A_plus=0.1, A_minus=0.0))
    assert nc.simulate(net, 900.0).weights(proj).data[0] == 1.0


@pytest.mark.parametrize("changes, message", [
    (dict(tau_plus=0.0), "STDP: tau_plus = 0 must be > 0 ms"),
    (dict(tau_minus=-5.0), "STDP: tau_minus = -5 must be > 0 ms"),
    (dict(A_plus=-0.01), "STDP: A_plus = -0.01 must be >= 0"),
    (dict(w_min=-1.0), "STDP: w_min = -1 must be >= 0 weight unit"),
    (dict(w_min=2.0), "STDP: w_min = 2 must be < w_max = 1"),
    (dict(rule="hebbian"), "STDP: rule = 'hebbian' must be one of 'additive', 'multiplicative'"),
    (dict(A_plus=np.array([0.1, 0.2])), "STDP: A_plus must be a scalar (one value per projection)"),
    (dict(eta=0.1), "STDP: unknown parameter 'eta'"),
])
def test_bad_rules_are_named(changes, message):
    with pytest.raises(nc.NetworkError, match=re.escape(message)):
        additive(**changes)


def test_bad_uses_are_named():
    net = nc.Network("uses", dt=DT)
    pre = net.poisson("pre", 10, 10.0)
    post = net.population("post", 2, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    with pytest.raises(nc.NetworkError, match=re.escape(
            "Projection 'pre->post': weight = 1.5 must lie in the STDP bounds w_min..w_max = 0..1 (20 of 20 "
            "synapses do not)")):
        net.connect(pre, post, nc.AllToAll(), weight=1.5, plasticity=additive())
    with pytest.raises(nc.NetworkError, match=re.escape(
            "Projection 'pre->post': plasticity = 0.01 must be None or nc.STDP(tau_plus=..., tau_minus=..., A_plus=..., "
            "A_minus=..., w_max=...)")):
        net.connect(pre, post, nc.AllToAll(), weight=0.5, plasticity=0.01)
    with pytest.raises(nc.NetworkError, match="cannot be combined with stp="):
        net.connect(pre, post, nc.AllToAll(), weight=0.5, plasticity=additive(),
                    stp=nc.TsodyksMarkram(U=0.5, tau_rec=100.0))
    fixed = net.connect(pre, post, nc.AllToAll(), weight=0.5)
    result = nc.simulate(net, 10.0)
    with pytest.raises(nc.NetworkError, match=re.escape(
            "Result (reference): no learned weights of projection 'pre->post': only plastic projections")):
        result.weights(fixed)


def test_nir_export_refuses_plastic_projections(tmp_path):
    pytest.importorskip("nir")
    net, proj = pairs_network(additive(), lags=[5.0])
    with pytest.raises(nc.NetworkError, match=re.escape(
            f"write_nir: projection '{proj.name}': STDP plasticity has no NIR primitive")):
        nc.write_nir(net, tmp_path / "plastic.nir")
