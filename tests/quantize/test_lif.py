"""LIF/LI time constants to decays (neurocompile.quantize.lif): what cannot be realised is reported."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc


def test_unresolvable_time_constant_is_reported():
    net = nc.Network("slow", dt=0.1)
    pop = net.population("n", 1, nc.LI(tau_mem=1000.0, tau_syn=5.0, bias=1.0))
    net.probe(pop, "v")
    with pytest.warns(nc.quantize.QuantizationWarning, match="tau_mem: 1 value.*instead of 1000 ms"):
        prog = nc.compile(net, "emu")
    with pytest.raises(nc.BuildError, match="tau_mem"):
        nc.compile(net, "emu", strict=True)
    out = prog.run(10.0)
    ref = nc.simulate(net, 10.0)
    # Without a realisable leak the bias keeps its initial slope: v rises like the float run.
    assert np.allclose(out.trace("n", "v")[-1], ref.trace("n", "v")[-1], rtol=0.02)
