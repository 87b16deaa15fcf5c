"""Weights and delays to mantissas, exponents and delay steps (neurocompile.quantize.weights)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocompile as nc
from tests.helpers import single_lif_driven


def test_delay_beyond_target_limit_is_an_error():
    net = single_lif_driven(delay=10.0)  # 100 steps > max_delay_steps = 62
    with pytest.raises(nc.BuildError, match=r"delay = 10 ms \(100 steps\) exceeds the target's max_delay_steps = 62"):
        nc.compile(net, "emu")


def test_tiny_weights_get_a_negative_exponent_instead_of_vanishing():
    """Weights below half an input LSB survive as a negative exponent: coincident spikes add up."""
    net = nc.Network("tiny", dt=0.1)
    src = net.spike_source("src", 40, times=[1.0] * 40, indices=np.arange(40))
    pop = net.population("n", 1, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.AllToAll(), weight=0.002)  # about 0.3 input LSBs each
    net.probe(pop, "v")
    prog = nc.compile(net, "emu")
    qp = prog.quantized.projections[0]
    assert qp.weight_exp < 0 and qp.report["synapses_zeroed"] == 0
    ref, out = nc.simulate(net, 20.0), prog.run(20.0)
    peak_ref, peak_chip = ref.trace("n", "v").max(), out.trace("n", "v").max()
    # Measured -11 %: the floor of the summed mantissas (-4 %) and the truncating decay of a
    # current only ~800 LSBs large; without the negative exponent the input would be lost.
    assert abs(peak_chip - peak_ref) / peak_ref < 0.15
    assert nc.compile(single_lif_driven(weight=0.05), "emu").quantized.projections[0].weight_exp == 0


def test_weights_larger_than_the_threshold_fit_by_lowering_the_voltage_scale():
    """A weight of 2x the threshold gap (integrate-and-fire style) is not clipped."""
    net = nc.Network("big", dt=1.0)
    src = net.spike_source("src", 1, times=[2.0, 10.0], indices=[0, 0])
    pop = net.population("n", 2, nc.LIF(tau_mem=20.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.AllToAll(), weight=np.array([[2.0, 0.9]]))
    net.probe(pop, "spikes")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no clipping warning
        prog = nc.compile(net, "emu", strict=True)
    out, ref = prog.run(20.0), nc.simulate(net, 20.0)
    assert np.array_equal(out.spikes("n"), ref.spikes("n"))
    assert out.counts["n"].tolist() == [2, 1]  # 0.9 alone stays below threshold; the second input adds up
