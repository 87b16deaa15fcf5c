"""The float reference's compiled steps give the bits of the numpy forms they replaced.

The receptor LIF step (:func:`neurocompile.reference.receptors._receptor_input` and
``_receptor_output``) against :class:`~neurocompile.reference.receptors.LifReceptorUpdater`'s
numpy methods (``compiled=False``); the STDP step against the numpy form below (as the
reference ran it before) and against the rule worked by hand; the Poisson sources' spikes
against a per-step ``flatnonzero`` of the same draws. The comparisons with the numpy forms
are of whole runs, bit for bit: spikes, traces, state extremes and learned weights.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.ir.distributions import derived_rng
from neurocompile.reference import plasticity, simulator
from neurocompile.reference.delivery import synapse_range
from neurocompile.reference.receptors import LifReceptorUpdater

DT = 0.1


def numpy_stdp_step(self, pre_spiked, post_spiked, step=0):
    """The numpy form of one STDP step (module docstring of :mod:`neurocompile.reference.plasticity`)."""
    self.x *= self.keep_x
    self.y *= self.keep_y
    if pre_spiked.size:
        synapses = synapse_range(self.indptr, np.asarray(pre_spiked, dtype=np.int64))
        w = self.weight[synapses]
        depression = self.a_minus * (self.w_max if self.additive else w - self.w_min)
        self.weight[synapses] = np.clip(w - depression * self.y[self.post[synapses]], self.w_min, self.w_max)
        self.x[pre_spiked] += 1.0
    if post_spiked.size:
        synapses = self.by_post[synapse_range(self.post_ptr, np.asarray(post_spiked, dtype=np.int64))]
        w = self.weight[synapses]
        potentiation = self.a_plus * (self.w_max if self.additive else self.w_max - w)
        self.weight[synapses] = np.clip(w + potentiation * self.x[self.pre[synapses]], self.w_min, self.w_max)
        self.y[post_spiked] += 1.0
    if self.probed.size:
        self.record[step] = self.weight[self.probed]


def mixed_network(receptors: dict, spiking: bool = True, reset: str = "value") -> tuple[nc.Network, list]:
    """40 neurons with ``receptors``, heterogeneous parameters, a step current, Poisson input
    through plastic (additive and multiplicative) and fixed projections and a plastic
    recurrent projection; every state variable probed."""
    net = nc.Network("mixed", dt=DT, seed=3)
    n = 40
    rng = np.random.default_rng(0)
    tau_mem = np.concatenate([[10.0], rng.uniform(10.0, 30.0, n - 1)])
    if spiking:
        model = nc.LIF(tau_mem=tau_mem, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                       refractory=np.where(np.arange(n) % 3 == 0, 0.0, 2.0),
                       reset=reset, receptors=receptors)
    else:
        model = nc.LI(tau_mem=tau_mem, v_rest=-65.0, receptors=receptors)
    pop = net.population("pop", n, model, v_init=nc.Uniform(-65.0, -52.0))
    src = net.population("src", 60, nc.PoissonSource(40.0, start=2.0))
    names = list(receptors)
    stdp = nc.STDP(tau_plus=16.8, tau_minus=33.7, A_plus=0.05, A_minus=0.055, w_max=1.0)
    mult = nc.STDP(tau_plus=10.0, tau_minus=20.0, A_plus=0.05, A_minus=0.06, w_max=1.0, w_min=0.1,
                   rule="multiplicative")
    plastic = [net.connect(src, pop, nc.FixedProbability(0.3, seed=1), weight=nc.Uniform(0.2, 0.9),
                           receptor=names[0], plasticity=stdp)]
    for k, name in enumerate(names[1:]):
        net.connect(src, pop, nc.FixedProbability(0.2, seed=2 + k), weight=0.4, receptor=name)
    # a spike before any other into the last receptor (with G still 0: see RECEPTOR_SETS)
    early = net.spike_source("early", 1, times=[0.0], indices=[0])
    net.connect(early, pop, nc.AllToAll(), weight=2.0, receptor=names[-1])
    if spiking:
        plastic.append(net.connect(pop, pop, nc.FixedProbability(0.2, seed=9), weight=nc.Uniform(0.1, 0.5),
                                   delay=1.5, receptor=names[0], plasticity=mult))
        net.probe_weights(plastic[1], np.arange(0, 20, 3))
        net.probe(pop, "spikes")
    net.probe_weights(plastic[0], np.arange(0, 50, 7))
    net.current(pop[::2], nc.StepCurrent([20.0, 150.0], [6.0, -2.0]))
    for var in model.state_variables:
        net.probe(pop, var)
    return net, plastic


def assert_same_runs(a, b, net, plastic):
    assert a.counts.keys() == b.counts.keys()
    for name in a.counts:
        np.testing.assert_array_equal(a.counts[name], b.counts[name])
    pop = net.populations["pop"]
    for var in pop.model.state_variables:
        np.testing.assert_array_equal(a.trace("pop", var), b.trace("pop", var), err_msg=var)
        for x, y in zip(a.state_extremes("pop", var), b.state_extremes("pop", var)):
            np.testing.assert_array_equal(x, y, err_msg=f"extremes of {var}")
    for proj in plastic:
        np.testing.assert_array_equal(a.weights(proj).data, b.weights(proj).data)
        np.testing.assert_array_equal(a.weight_trace(proj)[1], b.weight_trace(proj)[1])


RECEPTOR_SETS = {
    "conductances": {"ampa": nc.CondExp(tau=5.0, E_rev=0.0),
                     "gaba": nc.CondDualExp(tau_rise=1.0, tau_decay=10.0, E_rev=-80.0)},
    "currents": {"fast": nc.CurrentExp(tau=0.0), "slow": nc.CurrentExp(tau=np.linspace(2.0, 20.0, 40))},
    "all kinds": {"ampa": nc.CondExp(tau=np.linspace(2.0, 8.0, 40), E_rev=0.0), "jump": nc.CurrentExp(tau=0.0),
                  "gaba": nc.CondDualExp(tau_rise=0.5, tau_decay=8.0, E_rev=-75.0),
                  # neuron 0 (tau_mem = 10 ms) takes the limit of P21' while its G is 0
                  "slow": nc.CurrentExp(tau=20.0), "mid": nc.CurrentExp(tau=10.0)},
}


@pytest.mark.parametrize("spiking", [True, False], ids=["LIF", "LI"])
@pytest.mark.parametrize("kind", list(RECEPTOR_SETS))
def test_compiled_receptor_and_stdp_steps_equal_the_numpy_steps(monkeypatch, kind, spiking):
    net, plastic = mixed_network(RECEPTOR_SETS[kind], spiking, reset="subtract" if kind == "currents" else "value")
    compiled = nc.simulate(net, 300.0)
    monkeypatch.setattr(simulator, "LifReceptorUpdater", functools.partial(LifReceptorUpdater, compiled=False))
    monkeypatch.setattr(plasticity.PlasticSynapses, "step", numpy_stdp_step)
    numpy_run = nc.simulate(net, 300.0)
    if spiking:
        assert compiled.counts["pop"].sum() > 40  # the neurons fire and the rule potentiates
    assert_same_runs(compiled, numpy_run, net, plastic)


def test_the_compiled_stdp_step_is_the_documented_rule_on_a_hand_checked_case():
    """Two pre neurons, one post neuron; pre 0 spikes in step 0, post in step 10, pre 1 in 10
    (same step: pre before post) and pre 0 again in 20 (depression by the post trace)."""
    net = nc.Network("hand", dt=DT)
    pre = net.spike_source("pre", 2, times=[0.0, 1.0, 2.0], indices=[0, 1, 0])
    post = net.population("post", 1, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    kick = net.spike_source("kick", 1, times=[0.9], indices=[0])
    net.connect(kick, post, nc.AllToAll(), weight=5.0)
    stdp = nc.STDP(tau_plus=20.0, tau_minus=10.0, A_plus=0.1, A_minus=0.2, w_max=1.0)
    proj = net.connect(pre, post, nc.AllToAll(), weight=0.3, plasticity=stdp)
    w = nc.simulate(net, 5.0).weights(proj).toarray().ravel()
    x0 = np.exp(-1.0 / 20.0)  # pre 0's trace at the post spike (10 steps of decay, then read)
    after_post_0 = 0.3 + 0.1 * x0
    after_post_1 = 0.3 + 0.1 * 1.0  # same step: x already holds pre 1's spike
    y = np.exp(-1.0 / 10.0)  # the post trace at pre 0's second spike
    np.testing.assert_allclose(w, [after_post_0 - 0.2 * y, after_post_1], rtol=0, atol=1e-15)


def flatnonzero_stream(source, size, n_steps, network_seed, owner):
    """The Poisson spikes as the reference drew them before: one ``flatnonzero`` per step."""
    p = source.check(size, DT, owner) * DT * 1e-3
    rng = derived_rng(network_seed, "poisson", owner)
    first = int(round(source.start / DT))
    last = n_steps if source.stop is None else min(n_steps, int(round(source.stop / DT)))
    chunk = max(1, min(1024, 4_000_000 // max(size, 1)))
    for step0 in range(0, n_steps, chunk):
        block = rng.random((min(chunk, n_steps - step0), size)) < p
        for offset, row in enumerate(block):
            yield np.flatnonzero(row) if first <= step0 + offset < last else np.zeros(0, dtype=np.int64)


@pytest.mark.parametrize("size", [1, 7, 5000])
def test_poisson_spikes_split_by_step_equal_a_per_step_nonzero(size):
    source = nc.PoissonSource(rate=np.linspace(5.0, 900.0, size), start=0.3, stop=250.0)
    n_steps = 2600  # three blocks for the small sources, several for the large one
    got = list(source.iter_spikes(size, n_steps, DT, 11, "src"))
    want = list(flatnonzero_stream(source, size, n_steps, 11, "src"))
    assert len(got) == len(want) == n_steps
    assert sum(s.size for s in want) > 0
    for a, b in zip(got, want):
        assert a.dtype == np.int64
        np.testing.assert_array_equal(a, b)
