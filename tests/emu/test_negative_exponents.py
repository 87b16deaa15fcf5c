"""Negative weight exponents on the emulator: the chip floors each step's *sum* of mantissas
per (projection, delay) group (docs/chip.md section 3.1), in rings of their own."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.emu.layout import ChipLayout
from tests.helpers import compile_quietly, lif_network, negative_exponent_network

#: Two weights of one projection onto one neuron: 0.003 is below half an input LSB at
#: exponent 0 (it would become 0), so the projection needs a negative exponent; 0.365 sets
#: its size. The quantizer (quantize/weights.py) gives them mantissas 2 and 231 at exponent -2.
WEIGHTS = (0.003, 0.365)
SPIKE_STEP, ARRIVAL_STEP = 10, 11  # one spike at t = 1 ms, delay 1 step


def floor_network(how: str) -> nc.Network:
    """One LIF neuron ``n`` receiving WEIGHTS in one step through one projection: ``multapse``
    sends one spike through two synapses, ``coincident`` two spikes through one synapse each."""
    net = nc.Network(f"floor-{how}", dt=0.1)
    pop = net.population("n", 1, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    if how == "multapse":
        src = net.spike_source("src", 1, times=[SPIKE_STEP * 0.1], indices=[0])
        net.connect(src, pop, nc.FixedInDegree(2, allow_multapses=True), weight=np.array(WEIGHTS))
    else:
        src = net.spike_source("src", 2, times=[SPIKE_STEP * 0.1] * 2, indices=[0, 1])
        net.connect(src, pop, nc.AllToAll(), weight=np.array(WEIGHTS)[:, None])
    net.probe(pop, "I_syn")
    return net


@pytest.mark.parametrize("how", ["multapse", "coincident"])
def test_negative_exponent_floors_the_sum_of_mantissas(how):
    prog = compile_quietly(floor_network(how), placer="sequential")
    (qp,) = prog.quantized.projections
    m1, m2 = (int(m) for m in qp.weight_mant)
    e = int(qp.weight_exp)
    assert (m1, m2, e) == (2, 231, -2)
    assert qp.delay_steps.tolist() == [1, 1] and qp.post_index.tolist() == [0, 0]
    assert ChipLayout(prog).floored_size > 0  # the projection has a floored ring of its own

    # docs/chip.md 3.1, by hand: the step's sum 2 + 231 = 233 is floored once, 233 >> 2 = 58.
    # Flooring each synapse instead would give (2 >> 2) + (231 >> 2) = 0 + 57 = 57.
    a_in = 58
    assert (m1 + m2) >> -e == a_in != (m1 >> -e) + (m2 >> -e)

    # I_syn (the raw current u, section 4.2): 0 until the arrival step, a_in << 6 = 3712 then,
    # and u <- sign(u) * (|u| * (4096 - (du + 1)) >> 12) afterwards (du = 80 for tau_syn = 5 ms):
    # 3712 * 4015 >> 12 = 3638, 3638 * 4015 >> 12 = 3566, ...
    du = int(prog.quantized.populations["n"].params.field("du")[0])
    assert du == 80
    expected = np.zeros(30, dtype=np.int64)
    u = a_in << 6
    for step in range(ARRIVAL_STEP, 30):
        expected[step] = u
        u = int(np.sign(u)) * (abs(u) * (4096 - (du + 1)) >> 12)
    assert expected[ARRIVAL_STEP:ARRIVAL_STEP + 3].tolist() == [3712, 3638, 3566]
    for engine in ("fast", "numpy"):  # the compiled kernel and the step-by-step engine
        out = prog.run(3.0, engine=engine)
        np.testing.assert_array_equal(out.trace("n", "I_syn", raw=True)[:, 0], expected, err_msg=engine)


def test_negative_exponent_network_uses_separate_rings():
    prog = compile_quietly(negative_exponent_network(), placer="sequential")
    assert min(p.weight_exp for p in prog.quantized.projections) < 0
    assert ChipLayout(prog).floored_size > 0
    # Without a negative exponent there is no floored ring: every input shares the one ring.
    plain = compile_quietly(lif_network(), placer="sequential")
    assert min(p.weight_exp for p in plain.quantized.projections) >= 0
    assert ChipLayout(plain).floored_size == 0
