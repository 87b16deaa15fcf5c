"""Small programs on the emulator: integer traces computed by hand, exact arrival times,
resets, refractoriness, saturation and bias updates."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip import ChipOverflowError
from tests.helpers import single_lif_driven


def test_single_lif_integer_trace_by_hand():
    """Step-by-step integer trace of one LIF neuron against values computed by hand.

    tau_mem = 10 ms, tau_syn = 5 ms, dt = 0.1 ms: dv = round(4096 (1 - e^-0.01)) = 41,
    du + 1 = round(4096 (1 - e^-0.02)) = 81 -> du = 80. One spike at step 10 with delay 1 step
    arrives at step 11: u jumps by mant << 6, then decays by 4015/4096 each step (truncated);
    v integrates v <- trunc(v * 4055/4096) + u.
    """
    net = single_lif_driven(weight=0.5)
    prog = nc.compile(net, "emu")
    q = prog.quantized.populations["n"].params
    assert (q.field("du")[0], q.field("dv")[0]) == (80, 41)
    mant = int(prog.quantized.projections[0].weight_mant[0])
    exp = prog.quantized.projections[0].weight_exp
    assert exp == 0 and mant > 0
    out = prog.run(2.0)
    u = out.trace("n", "I_syn", raw=True)[:, 0]
    v = out.trace("n", "v", raw=True)[:, 0]
    assert np.all(u[:11] == 0) and np.all(v[:11] == 0)
    u_expected, v_expected = [], []
    uu, vv = 0, 0
    for step in range(11, 20):
        uu = (abs(uu) * 4015 >> 12) * (1 if uu >= 0 else -1) + (mant << 6 if step == 11 else 0)
        vv = (abs(vv) * 4055 >> 12) * (1 if vv >= 0 else -1) + uu
        u_expected.append(uu)
        v_expected.append(vv)
    assert u[11:20].tolist() == u_expected
    assert v[11:20].tolist() == v_expected
    assert u_expected[0] == mant << 6  # the first value by hand: no decay on arrival


def test_delay_shifts_arrival_exactly():
    base = nc.compile(single_lif_driven(weight=0.5, delay=0.1), "emu").run(5.0)
    late = nc.compile(single_lif_driven(weight=0.5, delay=1.5), "emu").run(5.0)
    u0 = base.trace("n", "I_syn", raw=True)[:, 0]
    u1 = late.trace("n", "I_syn", raw=True)[:, 0]
    first0, first1 = np.flatnonzero(u0)[0], np.flatnonzero(u1)[0]
    assert first0 == 11 and first1 == 25  # spike at step 10, delays 1 and 15 steps
    assert np.array_equal(u0[first0:first0 + 20], u1[first1:first1 + 20])


@pytest.mark.parametrize("reset", ["value", "subtract"])
def test_reset_modes_and_refractory(reset):
    net = nc.Network("r", dt=0.1)
    lif = nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0, bias=3.0,
                 refractory=1.0, reset=reset)
    pop = net.population("n", 1, lif)
    net.probe(pop, "spikes")
    net.probe(pop, "v")
    prog = nc.compile(net, "emu")
    out = prog.run(20.0)
    v = out.trace("n", "v", raw=True)[:, 0]
    steps, _ = out.spike_steps("n")
    assert steps.size >= 3
    vth = int(prog.quantized.populations["n"].params.field("vth_mant")[0]) << 6
    for k in steps:
        # Held for 10 steps after the spike (refractory = 1 ms), no integration meanwhile.
        assert np.all(v[k + 1:k + 11] == v[k])
        if reset == "value":
            assert v[k] == 0
        else:
            assert 0 < v[k] <= vth  # the overshoot is kept
    assert np.all(np.diff(steps) > 10)


def test_strict_mode_raises_on_saturation_with_neuron_and_step():
    net = nc.Network("sat", dt=0.1)
    src = net.spike_source("src", 1, times=np.arange(0.0, 5.0, 0.1), indices=np.zeros(50, dtype=int))
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    pop = net.population("n", 1, lif)
    net.connect(src, pop, nc.AllToAll(), weight=-20.0)  # drives v far below the state range
    prog = nc.compile(net, "emu")
    quiet = prog.run(5.0)  # saturates, as the chip does, and counts it
    assert quiet.stats.saturations.get("'n': state v", 0) > 0
    with pytest.raises(ChipOverflowError, match=r"LIF: neuron 'n'\[0\] at step \d+: voltage v = -\d+ saturates"):
        prog.run(5.0, strict=True)


def test_bias_updates_follow_step_current():
    net = nc.Network("step", dt=0.1)
    lif = nc.LIF(tau_mem=10.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    pop = net.population("n", 2, lif)
    net.current(pop[1:], nc.StepCurrent(times=[2.0, 6.0], amplitudes=[5.0, 0.0]))
    net.probe(pop, "spikes")
    ref = nc.simulate(net, 10.0)
    out = nc.compile(net, "emu").run(10.0)
    for result in (ref, out):
        steps, ids = result.spike_steps("n")
        assert set(ids.tolist()) == {1}
        assert steps.min() >= 20 and steps.max() < 61
    assert abs(out.counts["n"][1] - ref.counts["n"][1]) <= 1


def test_a_run_whose_recordings_cannot_fit_is_refused_before_it_starts():
    """100 probed traces over 10^10 steps need ~8 TB: a named error, not a MemoryError mid-way."""
    from neurocompile.resources import MemoryBudgetError

    net = nc.Network("long", dt=0.1)
    pop = net.population("n", 100, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=-50.0, tau_syn=5.0))
    net.probe(pop, "v")
    program = nc.compile(net, "emu")
    for run in (lambda: program.run(1e9), lambda: nc.simulate(net, 1e9)):
        with pytest.raises(MemoryBudgetError, match=r"10000000000 steps \(dt = 0.1 ms\).*100 traced values.*available"):
            run()
