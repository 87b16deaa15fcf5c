"""NMDA receptors with Wang's (2002) saturating presynaptic gating: the float reference against
solve_ivp, the chip against the float, saturation, engines and files alike."""
from __future__ import annotations


import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurocompile as nc
from tests.helpers import compile_quietly
from neurocompile.errors import NetworkError
from neurocompile.models.receptors import mg_block

DT = 0.1
W = 0.3  # x g_L


def _network(spikes, mg: float = 1.0, duration: float = 300.0):
    net = nc.Network("nmda", dt=DT)
    src = net.spike_source("src", 1, times=spikes, indices=[0] * len(spikes))
    lif = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-80.0, v_th=0.0, receptors={"nmda": nc.NMDA(mg=mg)})
    post = net.population("n", 1, lif)
    net.connect(src, post, nc.AllToAll(), weight=W, receptor="nmda")
    net.probe(post, "v")
    net.probe(post, "g_nmda")
    return net, duration


def _ode(spikes, duration: float, mg: float):
    """Wang's equations with x jumping at the end of each spike's step; traces at step ends."""
    def rhs(t, y):
        x, s, v = y
        return [-x / 2.0, -s / 100.0 + 0.5 * x * (1 - s), (-(v + 60.0) + W * s * mg_block(v, mg) * (0.0 - v)) / 20.0]
    times = (np.arange(int(round(duration / DT))) + 1) * DT
    y, start, pieces = np.array([0.0, 0.0, -60.0]), 0.0, []
    for event in sorted(round(t / DT) * DT + DT for t in spikes) + [duration]:
        if event > start:
            sol = solve_ivp(rhs, (start, event), y, rtol=1e-10, atol=1e-12, dense_output=True)
            pieces.append((start, event, sol))
            y = sol.y[:, -1].copy()
        y[0] += 1.0
        start = event
    out = np.empty((times.size, 3))
    for k, t in enumerate(times):
        out[k] = next(sol for a, b, sol in pieces if a <= t <= b).sol(t)
    return out


SPIKES = [5.0, 7.0, 9.0, 11.0, 60.0]


def test_float_gating_and_block_against_ode():
    net, duration = _network(SPIKES)
    ref = nc.simulate(net, duration)
    ode = _ode(SPIKES, duration, 1.0)
    v, g = ref.trace("n", "v")[:, 0], ref.trace("n", "g_nmda")[:, 0]
    assert np.max(np.abs(v - ode[:, 2])) < 0.005 * np.ptp(ode[:, 2])
    # g is the delivered sum w s (the rise of a spike's own step arrives with the delay)
    assert np.max(np.abs(g - W * ode[:, 1])) < 0.002 * W
    assert ode[:, 1].max() > 0.9  # a burst of four spikes nearly saturates the gate


def test_gate_saturates():
    burst = list(np.arange(5.0, 105.0, 2.0))  # 500 Hz for 100 ms
    net, duration = _network(burst, duration=150.0)
    g = nc.simulate(net, duration).trace("n", "g_nmda")[:, 0]
    assert W * 0.97 < g.max() <= W * (1 + 1e-9)  # s stays below 1 however fast the input


@pytest.mark.parametrize("mg", [0.0, 1.0])
def test_chip_follows_float_and_engines_agree(mg, tmp_path):
    net, duration = _network(SPIKES, mg=mg)
    ref = nc.simulate(net, duration)
    program = compile_quietly(net, "emu")
    chip = program.run(duration)
    v_float, v_chip = ref.trace("n", "v")[:, 0], chip.trace("n", "v")[:, 0]
    assert np.max(np.abs(v_chip - v_float)) < 0.02 * np.ptp(v_float)
    g_float, g_chip = ref.trace("n", "g_nmda")[:, 0], chip.trace("n", "g_nmda")[:, 0]
    assert np.max(np.abs(g_chip - g_float)) < 0.002 * g_float.max()
    np.testing.assert_array_equal(chip.trace("n", "v", raw=True), program.run(duration, engine="numpy")
                                  .trace("n", "v", raw=True))
    program.save(tmp_path / "nmda.ncp")
    np.testing.assert_array_equal(chip.trace("n", "v", raw=True),
                                  nc.load(tmp_path / "nmda.ncp").run(duration).trace("n", "v", raw=True))
    report = program.quantized.projections[0].report["nmda_gate"]
    assert report["tau_rise"][1] == pytest.approx(2.0, rel=1e-4)


def test_recurrent_network_with_nmda_on_chip():
    net = nc.Network("rec", dt=DT, seed=5)
    drive = net.population("drive", 40, nc.PoissonSource(20.0, seed=2))
    lif = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0, refractory=2.0, bias=8.0,
                 receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0), "nmda": nc.NMDA(),
                            "gaba": nc.CondExp(tau=5.0, E_rev=-70.0)})
    exc = net.population("exc", 60, lif)
    net.connect(drive, exc, nc.FixedProbability(0.3, seed=1), weight=0.3, receptor="ampa")
    net.connect(exc, exc, nc.FixedProbability(0.2, seed=2), weight=0.05, receptor="nmda", delay=nc.Uniform(0.1, 1.0))
    net.connect(exc, exc, nc.FixedProbability(0.1, seed=3), weight=0.2, receptor="gaba")
    net.probe(exc, "spikes")
    ref = nc.simulate(net, 500.0)
    program = compile_quietly(net, "emu")
    chip = program.run(500.0)
    f, c = ref.rates("exc").mean(), chip.rates("exc").mean()
    assert f > 3.0 and abs(c - f) < 0.08 * f, (f, c)
    numpy_run = program.run(500.0, engine="numpy")
    for x, y in zip(chip.spike_steps("exc"), numpy_run.spike_steps("exc")):
        np.testing.assert_array_equal(x, y)


def test_nmda_parameters_are_checked():
    with pytest.raises(NetworkError, match="tau_rise.*must be <"):
        nc.NMDA(tau_rise=200.0)
    with pytest.raises(NetworkError, match="scalar"):
        nc.NMDA(alpha=np.array([0.5, 0.6]))


def test_uniform_all_to_all_fast_path_equals_the_synapse_by_synapse_sums(monkeypatch):
    """A Wang-style all-to-all NMDA projection with one weight: the kernel adds the weight times
    the summed rises to each neuron; forcing the per-synapse path gives the same bits."""
    net = nc.Network("uniform", dt=DT, seed=3)
    drive = net.population("drive", 30, nc.PoissonSource(40.0, seed=4))
    lif = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0, refractory=2.0, bias=8.0,
                 receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0), "nmda": nc.NMDA()})
    exc = net.population("exc", 50, lif)
    net.connect(drive, exc, nc.FixedProbability(0.3, seed=1), weight=0.3, receptor="ampa")
    net.connect(exc, exc, nc.AllToAll(), weight=0.02, receptor="nmda", delay=0.5)
    net.probe(exc, "spikes")
    net.probe(exc[:3], "v")
    fast = compile_quietly(net, "emu").run(300.0)
    from neurocompile.emu import layout
    monkeypatch.setattr(layout, "uniform_all_to_all", lambda qp, size: 0)
    slow = compile_quietly(net, "emu").run(300.0)
    np.testing.assert_array_equal(fast.trace("exc", "v", raw=True), slow.trace("exc", "v", raw=True))
    assert fast.counts["exc"].sum() > 20
    assert fast.stats.totals() == slow.stats.totals()  # synaptic ops and messages too
    ref = nc.simulate(net, 300.0)  # the float reference's own fast path
    f, c = ref.rates("exc").mean(), fast.rates("exc").mean()
    assert abs(c - f) < 0.1 * f, (f, c)


def test_gate_and_plasticity_state_takes_neuron_slots_of_the_presynaptic_core():
    net = nc.Network("slots", dt=DT)
    drive = net.population("drive", 5, nc.PoissonSource(10.0, seed=1))
    lif = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0,
                 receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0), "nmda": nc.NMDA()})
    exc = net.population("exc", 10, lif)
    net.connect(drive, exc, nc.AllToAll(), weight=0.1, receptor="ampa",
                stp=nc.TsodyksMarkram(U=0.5, tau_rec=100.0))  # a source's state: on the host
    net.connect(exc, exc, nc.AllToAll(), weight=0.01, receptor="nmda")
    net.connect(exc, exc, nc.AllToAll(), weight=0.01, receptor="ampa", stp=nc.TsodyksMarkram(U=0.5, tau_rec=100.0))
    program = compile_quietly(net, "emu")
    # exc: 1 + 2 receptor elements + the leak element (docs/chip.md 4.5) + an NMDA gate and
    # an STP state per neuron
    assert program.info["compartments_per_neuron"] == 6
    assert int(program.usage.neurons.max()) <= program.target.core.neurons // 6
