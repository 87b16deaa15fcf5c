"""The Lava target: the emitted Lava graph, run with Lava's fixed-point models, gives exactly
the emulator's spikes and state traces for the same compiled program.

Needs lava-nc (Python 3.10): tests that run Lava take the ``lava`` fixture. Networks are small
and runs 200 steps, because Lava's CPU simulation runs every process in its own OS process.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.lava import build_lava
from neurocompile.target import load_target
from tests.helpers import compile_quietly, hh_network, nonlinear_network, random_lif_network

STEPS = 200
DT = 0.1
DURATION = STEPS * DT


def with_negative_exponents(program, shift: int = 2):
    """The same program with weight_exp lowered by ``shift`` (mantissas scaled up to match)
    on every projection whose delays are uniform.

    The quantizer chooses a negative exponent only for weights below half an input LSB, but a
    program may carry one anywhere (the chip floors each step's sum of mantissas); both back
    ends must agree on it.
    """
    projections = []
    for qp in program.quantized.projections:
        uniform = qp.delay_steps.size and np.all(qp.delay_steps == qp.delay_steps[0])
        if uniform and qp.weight_exp - shift < 0:
            mant = qp.weight_mant.astype(np.int64) << shift
            high = 254 if qp.sign_mode == "mixed" else 255
            low = -256 if qp.sign_mode == "mixed" else -255
            mant = np.clip(mant, low, high).astype(np.int16)
            qp = dataclasses.replace(qp, weight_mant=mant, weight_exp=qp.weight_exp - shift)
        projections.append(qp)
    quantized = dataclasses.replace(program.quantized, projections=tuple(projections))
    return dataclasses.replace(program, quantized=quantized)


def assert_same_run(program, populations, traces, **build):
    """Run on the emulator and in Lava; spikes, counts and raw traces must be identical."""
    emu = program.run(DURATION)
    lava_run = program.to_lava() if not build else build_lava(program, **build)
    out = lava_run.run(DURATION)
    assert out.backend == "lava" and out.n_steps == STEPS
    for pop in populations:
        np.testing.assert_array_equal(out.spikes(pop), emu.spikes(pop), err_msg=pop)
    for name in emu.counts:
        np.testing.assert_array_equal(out.counts[name], emu.counts[name], err_msg=name)
    for pop, var in traces:
        np.testing.assert_array_equal(out.trace(pop, var, raw=True), emu.trace(pop, var, raw=True),
                                      err_msg=f"{pop}.{var}")
        np.testing.assert_allclose(out.trace(pop, var), emu.trace(pop, var))
    return emu, out, lava_run


LIF_TRACES = [("exc", "v"), ("exc", "I_syn"), ("inh", "v")]


@pytest.mark.parametrize("seed, delays", [(0, True), (1, False), (2, True)])
def test_random_lif_network_on_lava_lif_matches_emulator(lava, seed, delays):
    program = compile_quietly(random_lif_network(seed, delays=delays), "lava")
    exps = {qp.name: qp.weight_exp for qp in program.quantized.projections}
    assert exps["src->inh"] > 0 and exps["exc->exc"] == 0
    emu, _, lava_run = assert_same_run(program, ["exc", "inh"], LIF_TRACES)
    kinds = {n.name: n.kind for n in lava_run.plan.neurons.values()}
    assert kinds == {"src": "RingBuffer", "exc": "lava.LIF", "inh": "lava.LIF"}
    classes = {b.projection: b.lava_class for b in lava_run.plan.blocks}
    assert classes["exc->exc"] == ("DelaySparse" if delays else "Sparse")
    assert classes["inh->exc mixed"] in ("Sparse", "Dense")
    assert emu.counts["exc"].sum() > 20 and emu.counts["inh"].sum() > 0


@pytest.mark.parametrize("seed", [3, 4])
def test_negative_weight_exponents_match_emulator(lava, seed):
    """Lava floors each step's sum of mantissas per projection, as the chip does."""
    program = with_negative_exponents(compile_quietly(random_lif_network(seed), "lava"))
    negative = [qp.name for qp in program.quantized.projections if qp.weight_exp < 0]
    assert {"exc->inh", "inh->exc mixed"} <= set(negative)
    assert_same_run(program, ["exc", "inh"], LIF_TRACES)


@pytest.mark.parametrize("reset", ["value", "subtract"])
def test_refractory_lif_runs_as_nc_lif_and_matches_emulator(lava, reset):
    program = compile_quietly(random_lif_network(5, refractory=0.4, reset=reset), "lava")
    _, _, lava_run = assert_same_run(program, ["exc", "inh"], LIF_TRACES)
    plan = lava_run.plan.neurons["exc"]
    assert plan.kind == "NcLif" and "refractory" in plan.reason and not plan.runs_on_loihi


def test_step_currents_on_lava_lif_are_host_bias_writes(lava):
    net = random_lif_network(6, delays=False)
    net.current(net["exc"][:20], nc.StepCurrent(times=[5.0, 12.0], amplitudes=[3.0, -2.0]))
    net.current(net["inh"], nc.StepCurrent(times=[0.0, 8.0], amplitudes=[1.0, 4.0]))
    program = compile_quietly(net, "lava")
    assert len(program.quantized.bias_updates) == 4
    _, _, lava_run = assert_same_run(program, ["exc", "inh"], LIF_TRACES)
    assert lava_run.plan.neurons["exc"].kind == "lava.LIF"
    assert len(lava_run.plan.bias_updates) == 4  # the run writes them from the host


def test_every_lif_as_nc_lif_matches_emulator(lava):
    net = random_lif_network(7)
    net.current(net["exc"], nc.StepCurrent(times=[6.0], amplitudes=[2.5]))
    program = compile_quietly(net, "lava")
    _, _, lava_run = assert_same_run(program, ["exc", "inh"], LIF_TRACES, native_lif=False)
    assert {n.kind for n in lava_run.plan.neurons.values()} == {"RingBuffer", "NcLif"}


def lava_adex_network() -> nc.Network:
    net = nc.Network("adex", dt=DT, seed=11)
    adex = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0,
                   b=80.5, V_reset=-70.6, V_peak=-40.4, refractory=0.2, tau_syn=5.0)
    src = net.poisson("src", 20, 400.0)
    n = net.population("adex", 15, adex, v_init=nc.Uniform(-70.0, -55.0))
    out = net.population("readout", 5, nc.LI(tau_mem=10.0, tau_syn=5.0, v_rest=-60.0))
    net.connect(src, n, nc.FixedProbability(0.5, seed=1), weight=nc.Uniform(50.0, 250.0),
                delay=nc.Uniform(0.1, 0.3))
    net.connect(n, n, nc.FixedProbability(0.3, seed=2), weight=-150.0, delay=0.2)
    net.connect(n, out, nc.AllToAll(), weight=2.0)
    net.current(n[:8], nc.StepCurrent(times=[4.0, 14.0], amplitudes=[700.0, 200.0]))
    net.probe(n, "spikes")
    net.probe(n[:4], "v")
    net.probe(n[:4], "w")
    net.probe(n[:4], "I_syn")
    net.probe(out, "v")
    return net


def test_adex_network_runs_as_nc_adex_and_matches_emulator(lava):
    lava_target = load_target("lava")
    target = dataclasses.replace(lava_target, adex=load_target("emu").adex)
    program = compile_quietly(lava_adex_network(), target)
    traces = [("adex", "v"), ("adex", "w"), ("adex", "I_syn"), ("readout", "v")]
    emu, _, lava_run = assert_same_run(program, ["adex"], traces)
    assert emu.counts["adex"].sum() > 5
    kinds = {n.name: n.kind for n in lava_run.plan.neurons.values()}
    assert kinds == {"src": "RingBuffer", "adex": "NcAdex", "readout": "lava.LIF"}


def test_second_run_and_longer_run_rebuild_the_graph(lava):
    program = compile_quietly(random_lif_network(8, delays=False), "lava")
    lava_run = build_lava(program, duration=5.0)
    short = lava_run.run(5.0)
    longer = lava_run.run(8.0)
    emu = program.run(8.0)
    np.testing.assert_array_equal(longer.spikes("exc"), emu.spikes("exc"))
    np.testing.assert_array_equal(short.spikes("exc"), emu.spikes("exc")[:50])


def test_negative_exponent_with_mixed_delays(lava):
    net = nc.Network("negexp", dt=1.0)
    src = net.spike_source("src", 2, times=[0.0, 1.0], indices=[0, 1])
    n = net.population("n", 1, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0))
    net.connect(src, n, nc.AllToAll(), weight=1.0, delay=np.array([2.0, 1.0]))
    net.probe(n, "I_syn")
    program = compile_quietly(net, "lava")
    qp = dataclasses.replace(program.quantized.projections[0],
                             weight_mant=np.ones(2, dtype=np.int16), weight_exp=-1)
    program = dataclasses.replace(program, quantized=dataclasses.replace(program.quantized, projections=(qp,)))
    lava_u = program.to_lava().run(4.0).trace("n", "I_syn", raw=True)
    np.testing.assert_array_equal(lava_u, np.zeros((4, 1), dtype=np.int64))  # 1 >> 1 == 0, twice
    np.testing.assert_array_equal(program.run(4.0).trace("n", "I_syn", raw=True), lava_u)


def test_unconnected_parts_of_a_network_all_run(lava):
    """Lava runs what is connected to one process; unconnected parts are linked by an empty Sparse."""
    net = nc.Network("parts", dt=DT, seed=4)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-45.0, v_reset=-60.0, v_th=-50.0)
    a = net.population("a", 5, lif)
    src = net.poisson("src", 10, 500.0)
    b = net.population("b", 6, lif)
    net.connect(src, b, nc.AllToAll(), weight=1.5)
    net.population("c", 3, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-40.0, v_reset=-60.0, v_th=-50.0,
                                  refractory=0.3))
    for name in ("a", "b", "c"):
        net.probe(net[name], "spikes")
    program = compile_quietly(net, "lava")
    emu, _, lava_run = assert_same_run(program, ["a", "b", "c"], [])
    assert all(emu.counts[p].sum() > 0 for p in ("a", "b", "c"))
    assert len(lava_run.graph.links) == 2


def test_izhikevich_and_expif_run_as_nc_adex_and_match_emulator(lava):
    """Both models run on the nonlinear soma's Lava process (Izhikevich rows square the
    voltage, ExpIF rows read the exp table): spikes and raw traces as the emulator's."""
    program = compile_quietly(nonlinear_network(), "lava")
    traces = [("izh", "v"), ("izh", "u"), ("izh", "I_syn"), ("expif", "v"), ("expif", "I_syn")]
    emu, _, lava_run = assert_same_run(program, ["izh", "expif"], traces)
    assert emu.counts["izh"].sum() > 20 and emu.counts["expif"].sum() > 5
    kinds = {n.name: n.kind for n in lava_run.plan.neurons.values()}
    assert kinds == {"src": "RingBuffer", "izh": "NcAdex", "expif": "NcAdex"}


def test_hh_runs_as_nc_hh_and_matches_emulator(lava):
    """HH rows with their gate registers and tables: spikes and every raw register as the
    emulator's, through the step current's spikes (480 steps of 0.025 ms)."""
    program = compile_quietly(hh_network(), "lava")
    emu = program.run(12.0)
    lava_run = program.to_lava()
    out = lava_run.run(12.0)
    assert emu.counts["hh"].sum() >= 2
    np.testing.assert_array_equal(out.spikes("hh"), emu.spikes("hh"))
    for var in ("v", "m", "h", "n", "I_syn"):
        np.testing.assert_array_equal(out.trace("hh", var, raw=True), emu.trace("hh", var, raw=True), err_msg=var)
    assert np.ptp(emu.trace("hh", "m", raw=True)) > 0
    assert {n.name: n.kind for n in lava_run.plan.neurons.values()} == {"src": "RingBuffer", "hh": "NcHH"}
