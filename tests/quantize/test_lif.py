"""LIF/LI time constants to decays (neurocompile.quantize.lif): what cannot be realised is reported."""
from __future__ import annotations

import warnings

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


def test_a_subnormal_threshold_distance_is_named():
    """v_th - v_reset = 5.6e-309 mV (a NIR file's damaged v_threshold) made the voltage scale
    inf and quantize_projection an OverflowError; 1e-300 mV still compiles."""
    for v_th, refused in ((5.56e-309, True), (1e-300, False)):
        net = nc.Network("tiny_span", dt=0.1)
        src = net.spike_source("src", 1, times=[0.5], indices=[0])
        pop = net.population("n", 2, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=v_th))
        net.connect(src, pop, nc.AllToAll(), weight=0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not refused:
                nc.compile(net, "emu").run(1.0)
                continue
            with pytest.raises(nc.BuildError, match=r"Population 'n': v_th - v_reset = 5\.56e-309 mV is too small "
                                                    r"for the chip's integer voltage"):
                nc.compile(net, "emu")
