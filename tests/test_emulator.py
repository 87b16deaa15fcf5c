"""The compiled program on the emulator: pipeline-level behaviour and float-vs-chip agreement."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip import ChipOverflowError
from conftest import load_cuba


def single_lif_driven(weight=2.0, delay=0.1, tau_syn=5.0, reset="value", refractory=0.0,
                      spike_times=(1.0,)):
    net = nc.Network("single", dt=0.1)
    src = net.spike_source("src", 1, times=list(spike_times), indices=[0] * len(spike_times))
    lif = nc.LIF(tau_mem=10.0, tau_syn=tau_syn, v_rest=0.0, v_reset=0.0, v_th=1.0,
                 refractory=refractory, reset=reset)
    pop = net.population("n", 1, lif)
    net.connect(src, pop, nc.AllToAll(), weight=weight, delay=delay)
    net.probe(pop, "spikes")
    net.probe(pop, "v")
    net.probe(pop, "I_syn")
    return net


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


def test_delay_beyond_target_limit_is_an_error():
    net = single_lif_driven(delay=10.0)  # 100 steps > max_delay_steps = 62
    with pytest.raises(nc.BuildError, match=r"delay = 10 ms \(100 steps\) exceeds the target's max_delay_steps = 62"):
        nc.compile(net, "emu")


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
    assert quiet.stats.saturations.get("LIF: state", 0) > 0
    with pytest.raises(ChipOverflowError, match=r"step \d+"):
        prog.run(5.0, strict=True)


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


def test_cuba_rates_match_float_within_5_percent():
    net = load_cuba()
    ref = nc.simulate(net, 1000.0)
    out = nc.compile(net, "emu").run(1000.0)
    for pop in ("exc", "inh"):
        f, c = ref.rates(pop).mean(), out.rates(pop).mean()
        assert f > 2.0
        assert abs(c - f) / f < 0.05, (pop, f, c)


def test_adex_spike_times_close_to_float():
    net = nc.Network("adex", dt=0.1)
    m = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0, b=80.5,
                V_reset=-70.6, V_peak=-40.4, refractory=0.0, tau_syn=5.0)
    pop = net.population("n", 1, m)
    net.current(pop, nc.StepCurrent(times=[100.0, 600.0], amplitudes=[800.0, 0.0]))
    net.probe(pop, "spikes")
    ref = nc.simulate(net, 700.0)
    out = nc.compile(net, "emu").run(700.0)
    t_ref, _ = ref.spike_times("n")
    t_chip, _ = out.spike_times("n")
    assert t_ref.size == t_chip.size >= 8
    assert np.max(np.abs(t_ref - t_chip)) < 2.0  # ms over 500 ms of adapting firing
    isi = np.diff(t_chip)
    assert isi[-1] > 2 * isi[0]  # adaptation survives quantization


def test_save_load_identical_and_bad_files(tmp_path):
    net = single_lif_driven(weight=3.0, spike_times=np.arange(0.5, 10.0, 0.7))
    prog = nc.compile(net, "emu")
    path = tmp_path / "build" / "single.ncp"
    prog.save(path)
    loaded = nc.load(path)
    a, b = prog.run(20.0), loaded.run(20.0)
    assert a.spikes("n").any()
    assert np.array_equal(a.spikes("n"), b.spikes("n"))
    assert np.array_equal(a.trace("n", "v", raw=True), b.trace("n", "v", raw=True))
    data = path.read_bytes()
    (tmp_path / "cut.ncp").write_bytes(data[: len(data) // 2])
    with pytest.raises(nc.ProgramFileError, match="truncated or corrupt"):
        nc.load(tmp_path / "cut.ncp")
    (tmp_path / "text.ncp").write_text("hello")
    with pytest.raises(nc.ProgramFileError, match="truncated or corrupt"):
        nc.load(tmp_path / "text.ncp")
    with pytest.raises(nc.ProgramFileError, match="does not exist"):
        nc.load(tmp_path / "missing.ncp")


def test_wrong_version_file(tmp_path, monkeypatch):
    import neurocompile.program.files as io

    prog = nc.compile(single_lif_driven(), "emu")
    monkeypatch.setattr(io, "FORMAT_VERSION", 99)
    prog.save(tmp_path / "v99.ncp")
    monkeypatch.undo()
    with pytest.raises(nc.ProgramFileError, match="format version 99"):
        nc.load(tmp_path / "v99.ncp")


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
    for qa, qb in zip(first.quantized.projections, second.quantized.projections):
        assert np.array_equal(qa.weight_mant, qb.weight_mant)
        assert np.array_equal(qa.delay_steps, qb.delay_steps)
        assert np.array_equal(qa.post_index, qb.post_index)
    assert len(np.unique(first.quantized.projections[1].delay_steps)) > 1  # mixed delays
    a, b = first.run(100.0), second.run(100.0)
    assert a.spikes("n").sum() > 10
    assert np.array_equal(a.spikes("n"), b.spikes("n"))


def test_spike_messages_and_hops_match_route_tables():
    net = nc.Network("routes", dt=0.1, seed=3)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    noise = net.poisson("noise", 40, rate=300.0)
    a = net.population("a", 1500, lif)
    b = net.population("b", 1500, lif)
    net.connect(noise, a, nc.FixedProbability(0.3), weight=0.8)
    net.connect(a, b, nc.FixedProbability(0.01), weight=0.5)
    net.connect(b, a, nc.FixedProbability(0.01), weight=-0.5)
    net.probe(a, "spikes")
    net.probe(b, "spikes")
    net.probe(noise, "spikes")
    prog = nc.compile(net, "emu")
    out = prog.run(50.0)
    expected = {"messages": 0, "east_west": 0, "north_south": 0, "inter_chip": 0}
    for name in ("noise", "a", "b"):
        _, ids = out.spike_steps(name)
        for key in expected:
            expected[key] += int(getattr(prog.routes[name], key)[ids].sum())
    totals = out.stats.totals()
    assert expected["messages"] > 0
    assert totals["spike_messages"] == expected["messages"]
    assert totals["hops_east_west"] == expected["east_west"]
    assert totals["hops_north_south"] == expected["north_south"]
    assert totals["hops_inter_chip"] == expected["inter_chip"]


def test_overflow_risk_is_reported_before_running():
    net = nc.Network("risk", dt=0.1)
    src = net.spike_source("src", 200, times=[1.0] * 200, indices=np.arange(200))
    pop = net.population("n", 2, nc.LIF(tau_mem=20.0, tau_syn=50.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.AllToAll(), weight=0.5)
    with pytest.warns(nc.quantize.QuantizationWarning, match="synaptic current u: 2 value.*would wrap"):
        prog = nc.compile(net, "emu")
    assert prog.quantized.populations["n"].report["worst_current_vs_state"] > 1
    quiet = nc.compile(single_lif_driven(weight=0.5), "emu")
    assert quiet.quantized.populations["n"].report["worst_current_vs_state"] < 0.5


def test_adex_firing_patterns_keep_their_class_on_chip():
    """Every AdEx firing pattern of examples/adex_patterns.py is classified the same on the chip."""
    import runpy
    from pathlib import Path

    example = runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples" / "adex_patterns.py"))
    patterns = example["patterns"]()
    names = list(patterns)
    net = example["build_packed"]()
    ref = nc.simulate(net, example["DURATION_MS"])
    out = nc.compile(net, "emu").run(example["DURATION_MS"])
    classify = example["classify"]
    t_float, i_float = ref.spike_times("all")
    t_chip, i_chip = out.spike_times("all")
    float_labels = {n: classify(t_float[i_float == k]) for k, n in enumerate(names)}
    chip_labels = {n: classify(t_chip[i_chip == k]) for k, n in enumerate(names)}
    assert float_labels == {n: patterns[n][2] for n in names}
    assert chip_labels == float_labels


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
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no clipping warning
        prog = nc.compile(net, "emu", strict=True)
    out, ref = prog.run(20.0), nc.simulate(net, 20.0)
    assert np.array_equal(out.spikes("n"), ref.spikes("n"))
    assert out.counts["n"].tolist() == [2, 1]  # 0.9 alone stays below threshold; the second input adds up
