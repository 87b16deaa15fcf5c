"""Receptor elements in Lava: our LIF and AdEx processes with elements (docs/chip.md section
4.5) give exactly the emulator's spikes and element registers."""
from __future__ import annotations


import numpy as np

import neurocompile as nc
from tests.helpers import compile_quietly
from tests.emu.test_receptors import _mixed_network
from tests.lava.test_against_emulator import assert_same_run


def test_receptor_network_on_lava_matches_emulator(lava):
    net = _mixed_network()
    program = compile_quietly(net, "lava")
    traces = [("exc", "v"), ("exc", "g_gaba"), ("inh", "v"), ("inh", "g_nmda"), ("inh", "h_nmda")]
    emu, out, lava_run = assert_same_run(program, ["exc", "inh"], traces)
    kinds = {n.name: n.kind for n in lava_run.plan.neurons.values()}
    assert kinds == {"drive": "RingBuffer", "exc": "NcLif", "inh": "NcAdex"}
    ports = {b.projection: b.port for b in lava_run.plan.blocks}
    assert set(ports.values()) == {"e_in"}
    # in these 20 ms the excitatory LIFs fire and the AdEx neurons integrate their NMDA input
    assert emu.counts["exc"].sum() > 5
    assert np.abs(emu.trace("inh", "g_nmda", raw=True)).max() > 0
    assert np.ptp(emu.trace("inh", "v")) > 1.0


def test_nmda_gates_on_lava_match_emulator(lava):
    """NcGatedConnection: the gates rise every step and send graded products, as on the chip."""
    net = nc.Network("nmda_lava", dt=0.1, seed=5)
    drive = net.population("drive", 30, nc.PoissonSource(300.0, seed=2))
    lif = nc.LIF(tau_mem=10.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0, refractory=1.0, bias=8.0,
                 receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0), "nmda": nc.NMDA()})
    exc = net.population("exc", 40, lif)
    net.connect(drive, exc, nc.FixedProbability(0.3, seed=1), weight=0.3, receptor="ampa")
    net.connect(exc, exc, nc.FixedProbability(0.3, seed=2), weight=0.1, receptor="nmda", delay=nc.Uniform(0.1, 1.0))
    net.connect(drive, exc, nc.FixedProbability(0.2, seed=3), weight=0.05, receptor="nmda")
    net.connect(exc, exc, nc.AllToAll(), weight=0.01, receptor="nmda", name="uniform")  # the kernel's fast path
    net.probe(exc, "spikes")
    net.probe(exc[:4], "v")
    net.probe(exc[:4], "g_nmda")
    program = compile_quietly(net, "lava")
    emu, _, lava_run = assert_same_run(program, ["exc"], [("exc", "v"), ("exc", "g_nmda")])
    classes = {b.projection: b.lava_class for b in lava_run.plan.blocks}
    assert classes["exc->exc"] == "NcGatedConnection" and classes["uniform"] == "NcGatedConnection"
    assert emu.counts["exc"].sum() > 10 and np.abs(emu.trace("exc", "g_nmda", raw=True)).max() > 0
