"""Short-term plasticity in Lava: our NcStpConnection gives exactly the emulator's spikes and
registers, into the soma and into receptor elements, with delays and a negative exponent."""
from __future__ import annotations

import dataclasses

import numpy as np

import neurocompile as nc
from tests.helpers import compile_quietly
from tests.lava.test_against_emulator import assert_same_run


def _network():
    net = nc.Network("stp_lava", dt=0.1, seed=4)
    drive = net.population("drive", 40, nc.PoissonSource(200.0, seed=3))
    lif = nc.LIF(tau_mem=10.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=1.0, bias=14.0,
                 receptors={"e": nc.CurrentExp(tau=3.0), "i": nc.CurrentExp(tau=6.0)})
    exc = net.population("exc", 60, lif)
    plain = net.population("plain", 30, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-65.0,
                                                 v_th=-50.0, bias=14.0))
    net.connect(drive, exc, nc.FixedProbability(0.3, seed=1), weight=5.0, receptor="e",
                stp=nc.TsodyksMarkram(U=0.2, tau_rec=100.0, tau_fac=300.0))
    net.connect(exc, exc, nc.FixedProbability(0.2, seed=2), weight=-2.0, receptor="i", delay=nc.Uniform(0.1, 1.0),
                stp=nc.TsodyksMarkram(U=0.5, tau_rec=200.0))
    net.connect(drive, plain, nc.FixedProbability(0.3, seed=3), weight=8.0, stp=nc.TsodyksMarkram(U=0.4, tau_rec=50.0))
    net.probe(exc, "spikes")
    net.probe(plain, "spikes")
    net.probe(exc[:4], "v")
    net.probe(plain[:4], "v")
    return net


def test_plastic_projections_on_lava_match_emulator(lava):
    program = compile_quietly(_network(), "lava")
    emu, _, lava_run = assert_same_run(program, ["exc", "plain"], [("exc", "v"), ("plain", "v")])
    assert {b.lava_class for b in lava_run.plan.blocks} == {"NcStpConnection"}
    assert "short-term plasticity" in lava_run.describe()
    assert emu.counts["exc"].sum() > 10 and emu.counts["plain"].sum() > 10


def test_negative_exponent_floors_each_delay_group_as_the_emulator(lava):
    program = compile_quietly(_network(), "lava")
    projections = []
    for qp in program.quantized.projections:
        if qp.name == "exc->exc":  # a negative exponent: scaled mantissas summed, then floored
            qp = dataclasses.replace(qp, weight_mant=np.clip(qp.weight_mant.astype(np.int64) * 4, -255, 0)
                                     .astype(np.int16), weight_exp=qp.weight_exp - 2)
        projections.append(qp)
    program = dataclasses.replace(program, quantized=dataclasses.replace(program.quantized,
                                                                         projections=tuple(projections)))
    assert assert_same_run(program, ["exc"], [("exc", "v")])[0].counts["exc"].sum() > 10
