"""``nc.compile`` (neurocompile.program.pipeline): deterministic programs, and the placement
exposed as data on the program."""
from __future__ import annotations

import warnings

import numpy as np

import neurocompile as nc
from neurocompile.place import DEFAULT_PLACER
from tests.helpers import ring, small_core_target


def test_determinism_same_program_same_spikes():
    def build():
        net = nc.Network("det", dt=0.1, seed=7)
        lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
        noise = net.poisson("noise", 50, rate=200.0)
        pop = net.population("n", 100, lif, v_init=nc.Uniform(0.0, 1.0))
        net.connect(noise, pop, nc.FixedProbability(0.2), weight=nc.Normal(0.3, 0.1))
        net.connect(pop, pop, nc.FixedProbability(0.1), weight=-0.2, delay=nc.Uniform(0.1, 1.0))
        net.probe(pop, "spikes")
        return net

    first, second = nc.compile(build(), "emu"), nc.compile(build(), "emu")
    assert len(first.quantized.projections) == len(second.quantized.projections) == 2
    for qa, qb in zip(first.quantized.projections, second.quantized.projections):
        assert np.array_equal(qa.weight_mant, qb.weight_mant)
        assert np.array_equal(qa.delay_steps, qb.delay_steps)
        assert np.array_equal(qa.post_index, qb.post_index)
    assert len(np.unique(first.quantized.projections[1].delay_steps)) > 1  # mixed delays
    for name in first.placement.core_of:
        np.testing.assert_array_equal(first.placement.core_of[name], second.placement.core_of[name])
    a, b = first.run(100.0), second.run(100.0)
    assert a.spikes("n").sum() > 10
    assert np.array_equal(a.spikes("n"), b.spikes("n"))


def test_program_exposes_placement_as_data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = nc.compile(ring(), small_core_target(neurons=64))
    pl = prog.placement
    assert prog.info["placer"] == DEFAULT_PLACER == "spectral" and pl.method == "spectral"
    assert set(pl.core_of) == {"exc", "inh"}
    for arr in (pl.chip, pl.row, pl.col, pl.slot):
        assert arr.shape == (pl.n_cores,)
    loc = prog.target.core_location(np.arange(pl.n_cores))
    np.testing.assert_array_equal(pl.chip, loc.chip)
    assert "hop-weighted traffic" in prog.report()
