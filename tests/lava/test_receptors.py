"""Receptor elements in Lava: our LIF and AdEx processes with elements (docs/chip.md section
4.5) give exactly the emulator's spikes and element registers."""
from __future__ import annotations

import warnings

import numpy as np

import neurocompile as nc
from tests.emu.test_receptors import _mixed_network
from tests.lava.test_against_emulator import assert_same_run


def test_receptor_network_on_lava_matches_emulator(lava):
    net = _mixed_network()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(net, "lava")
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
