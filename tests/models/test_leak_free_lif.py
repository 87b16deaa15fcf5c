"""The leak-free model extension (tau_mem = inf, NIR's IF neuron): validation, float reference
and emulator."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError


def test_leak_free_lif_validation_and_emulator():
    with pytest.raises(NetworkError, match="tau_syn.*tau_mem = inf"):
        nc.LIF(tau_mem=np.inf, tau_syn=1.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    with pytest.raises(NetworkError, match="bias.*tau_mem = inf"):
        nc.LI(tau_mem=np.inf, tau_syn=0.0, bias=1.0)
    with pytest.raises(NetworkError, match="tau_mem"):
        nc.LIF(tau_mem=np.nan, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    net = nc.Network("integrator", dt=0.1)
    src = net.spike_source("src", 1, [0.0, 0.5, 1.0, 1.5], [0, 0, 0, 0])
    cell = net.population("cell", 1, nc.LIF(tau_mem=np.inf, tau_syn=0.0, v_rest=0.0, v_reset=0.0,
                                            v_th=1.0))
    net.connect(src, cell, nc.AllToAll(), weight=0.3)
    net.probe(cell)
    net.probe(cell, "v")
    ref = nc.simulate(net, 3.0)
    v = ref.trace("cell", "v")[:, 0]
    # No leak: v keeps 0.3, 0.6, 0.9 exactly; the fourth jump (1.2) spikes in step 16 and resets.
    assert v[[1, 5, 6, 11, 15, 16, -1]] == pytest.approx([0.3, 0.3, 0.6, 0.9, 0.9, 0.0, 0.0])
    assert ref.spike_steps("cell")[0].tolist() == [16]
    chip = nc.compile(net, "emu", placer="sequential").run(3.0)
    assert chip.spike_steps("cell")[0].tolist() == [16]
