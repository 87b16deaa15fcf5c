"""Overflow risk (neurocompile.quantize.risk): reported at compile time, before any run."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.quantize import QuantizationWarning
from tests.helpers import single_lif_driven


def test_overflow_risk_is_reported_before_running():
    net = nc.Network("risk", dt=0.1)
    # every input fires each millisecond for 50 ms: in steady state u would exceed its range
    src = net.spike_source("src", 200, times=np.repeat(np.arange(1.0, 51.0), 200), indices=np.tile(np.arange(200), 50))
    pop = net.population("n", 2, nc.LIF(tau_mem=20.0, tau_syn=50.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.AllToAll(), weight=0.5)
    with pytest.warns(QuantizationWarning, match="synaptic current u: 2 value.*would wrap"):
        prog = nc.compile(net, "emu")
    assert prog.quantized.populations["n"].report["worst_current_vs_state"] > 1
    quiet = nc.compile(single_lif_driven(weight=0.5), "emu")
    assert quiet.quantized.populations["n"].report["worst_current_vs_state"] < 0.5
