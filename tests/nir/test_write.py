"""NIR export (neurocompile.nir.write): files nir.read accepts, and round trips that simulate
identically in float."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError
from neurocompile.nir import read_nir, write_nir

nir = pytest.importorskip("nir", reason="NIR export needs the 'nir' extra (pip install '.[nir]')")


def mixed_network():
    net = nc.Network("mixed", dt=0.1, seed=3)
    src = net.poisson("src", 20, rate=120.0)
    exc = net.population("exc", 30, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-70.0,
                                           v_th=-50.0, bias=np.linspace(5.0, 14.0, 30)))
    fast = net.population("fast", 10, nc.LIF(tau_mem=20.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0,
                                             v_th=1.0, reset="subtract"))
    count = net.population("count", 4, nc.LIF(tau_mem=np.inf, tau_syn=0.0, v_rest=0.0, v_reset=0.0,
                                              v_th=2.0))
    readout = net.population("readout", 5, nc.LI(tau_mem=15.0, tau_syn=3.0, bias=0.5))
    net.connect(src, exc, nc.FixedProbability(0.5, seed=1), weight=nc.Uniform(1.0, 4.0, seed=2),
                delay=nc.Uniform(0.1, 0.5, seed=5))
    net.connect(exc, exc, nc.FixedProbability(0.2, seed=1), weight=-1.0)
    net.connect(exc, fast, nc.AllToAll(), weight=0.2)
    net.connect(fast, readout, nc.AllToAll(), weight=0.5, delay=0.3)
    net.connect(fast, count, nc.AllToAll(), weight=0.3)
    for pop in (exc, fast, count):
        net.probe(pop)
        net.probe(pop, "v")
    net.probe(readout, "v")
    return net


def test_round_trip_simulates_identically(tmp_path):
    net = mixed_network()
    path = write_nir(net, tmp_path / "mixed.nir")
    graph = nir.read(str(path))  # the strict reader, with type checks, accepts it
    assert {type(graph.nodes[n]).__name__ for n in ("exc", "fast", "count", "readout")} == \
        {"CubaLIF", "LIF", "IF", "CubaLI"}
    back = read_nir(path, dt=0.1, inputs={"src": net["src"].model})
    assert back.seed == net.seed and back["fast"].model.reset == "subtract"
    for name in ("exc", "fast", "count"):
        back.probe(name, "v")
    ref, again = nc.simulate(net, 200.0), nc.simulate(back, 200.0)
    fired = 0
    for name in ("exc", "fast", "count"):
        for a, b in zip(ref.spike_steps(name), again.spike_steps(name)):
            assert np.array_equal(a, b)
        fired += ref.spike_steps(name)[0].size
        assert again.trace(name, "v") == pytest.approx(ref.trace(name, "v"), rel=1e-12, abs=1e-12)
    assert again.trace("readout", "v") == pytest.approx(ref.trace("readout", "v"), rel=1e-12, abs=1e-12)
    assert fired > 100 and ref.spike_steps("count")[0].size > 0 and ref.spike_steps("fast")[0].size > 0


def test_exported_weights_equal_ours_and_delays_become_delay_nodes(tmp_path):
    net = nc.Network("small", dt=0.5)
    src = net.spike_source("src", 2, [0.0], [0])
    cell = net.population("cell", 3, nc.LIF(tau_mem=10.0, tau_syn=4.0, v_rest=0.0, v_reset=0.0,
                                            v_th=1.0))
    net.connect(src, cell, nc.AllToAll(), weight=np.arange(6.0).reshape(2, 3) + 1, delay=1.5)
    graph = nir.read(str(write_nir(net, tmp_path / "small.nir")))
    linear = next(n for n in graph.nodes.values() if isinstance(n, nir.Linear))
    assert linear.weight == pytest.approx((np.arange(6.0).reshape(2, 3) + 1).T)
    delay = next(n for n in graph.nodes.values() if isinstance(n, nir.Delay))
    assert delay.delay == pytest.approx(np.full(3, 1e-3))  # (3 steps - 1) * 0.5 ms
    back = read_nir(tmp_path / "small.nir", dt=0.5)
    assert back.projections[0].delay_steps.tolist() == [3] * 6


@pytest.mark.parametrize("build,match", [
    (lambda net: net.population("a", 2, nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0,
                                                  a=4.0, tau_w=144.0, b=80.5, V_reset=-70.6,
                                                  V_peak=-40.4, tau_syn=5.0)),
     r"population 'a'.*AdEx has no NIR primitive"),
    (lambda net: net.population("r", 2, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0,
                                                v_th=1.0, refractory=2.0)),
     r"population 'r'.*refractory"),
    (lambda net: net.current(net.population("c", 1, nc.LI(tau_mem=5.0, tau_syn=0.0)),
                             nc.StepCurrent([0.0], [1.0])),
     r"injects currents \(into 'c'\)"),
])
def test_unexportable_networks_name_the_culprit(tmp_path, build, match):
    net = nc.Network("bad", dt=0.1)
    build(net)
    with pytest.raises(NetworkError, match=match):
        write_nir(net, tmp_path / "bad.nir")
