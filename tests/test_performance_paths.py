"""The fast emulator path (compiled kernel) against the step-by-step reference path, and
batched runs against separate runs: identical spikes, traces and counters (no timings)."""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError


def _compile(net, placer="sequential"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nc.compile(net, "emu", placer=placer)


def assert_same(a, b):
    """Two Results agree on everything a run reports."""
    assert a.n_steps == b.n_steps
    assert set(a.counts) == set(b.counts)
    for name in a.counts:
        np.testing.assert_array_equal(a.counts[name], b.counts[name], err_msg=name)
    for name in a._spike_probes:
        for x, y in zip(a.spike_steps(name), b.spike_steps(name)):
            np.testing.assert_array_equal(x, y, err_msg=name)
    for name, var in a._traces:
        np.testing.assert_array_equal(a.trace(name, var, raw=True), b.trace(name, var, raw=True),
                                      err_msg=f"{name}.{var}")
    for f in dataclasses.fields(a.stats):
        x, y = getattr(a.stats, f.name), getattr(b.stats, f.name)
        if isinstance(x, dict):
            assert x == y, f.name
        else:
            np.testing.assert_array_equal(x, y, err_msg=f.name)


def lif_network():
    """LIF + LI readout, Poisson and spike-train sources, drawn delays, reset by subtraction,
    refractoriness, a step current (bias updates) and probes of every LIF variable."""
    net = nc.Network("paths-lif", dt=0.1, seed=5)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0, refractory=0.5)
    sub = nc.LIF(tau_mem=15.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0, reset="subtract")
    noise = net.poisson("noise", 60, rate=250.0)
    trains = net.spike_source("trains", 5, times=0.3 + 0.7 * np.arange(28),
                              indices=np.arange(28) % 5)
    a = net.population("a", 120, lif, v_init=nc.Uniform(0.0, 0.9))
    b = net.population("b", 40, sub)
    readout = net.population("readout", 3, nc.LI(tau_mem=20.0, tau_syn=5.0))
    net.connect(noise, a, nc.FixedProbability(0.2, seed=1), weight=nc.Normal(0.4, 0.1))
    net.connect(trains, b, nc.AllToAll(), weight=0.9, delay=nc.Uniform(0.1, 0.8))
    net.connect(a, a, nc.FixedProbability(0.05, seed=2), weight=-0.3, delay=nc.Uniform(0.1, 1.0))
    net.connect(a, b, nc.FixedProbability(0.1, seed=3), weight=0.5, delay=0.3)
    net.connect(b, readout, nc.AllToAll(), weight=0.2)
    net.current(b[:10], nc.StepCurrent(times=[5.0, 12.0], amplitudes=[0.2, 0.0]))
    net.probe(a, "spikes")
    net.probe(b, "spikes")
    net.probe(a[:4], "v")
    net.probe(a[2:6], "I_syn")
    net.probe(readout, "v")
    return net


def negative_exponent_network():
    """Tiny weights (negative exponent: per-(projection, delay) floored rings) next to normal ones."""
    net = nc.Network("paths-negexp", dt=0.1, seed=6)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    src = net.poisson("src", 200, rate=400.0)
    pop = net.population("n", 30, lif)
    net.connect(src, pop, nc.FixedProbability(0.5, seed=1), weight=0.002, delay=nc.Uniform(0.1, 0.4))
    net.connect(src, pop, nc.FixedProbability(0.1, seed=2), weight=0.3)
    net.probe(pop, "spikes")
    net.probe(pop[:3], "I_syn")
    return net


def adex_network():
    net = nc.Network("paths-adex", dt=0.1, seed=7)
    model = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0,
                    b=80.5, V_reset=-70.6, V_peak=-40.4, refractory=0.5, tau_syn=5.0)
    src = net.poisson("src", 80, 80.0)
    pop = net.population("adex", 25, model)
    lif = net.population("lif", 10, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.FixedProbability(0.3, seed=1), weight=300.0, delay=nc.Uniform(0.1, 0.5))
    net.connect(pop, lif, nc.AllToAll(), weight=0.6)
    net.current(pop[:5], nc.StepCurrent(times=[10.0], amplitudes=[500.0]))
    net.probe(pop, "spikes")
    net.probe(lif, "spikes")
    for var in ("v", "w", "I_syn"):
        net.probe(pop[:3], var)
    return net


@pytest.mark.parametrize("build", [lif_network, negative_exponent_network, adex_network])
def test_fast_and_numpy_engines_agree(build):
    prog = _compile(build())
    fast = prog.run(30.0)
    ref = prog.run(30.0, engine="numpy")
    assert sum(int(c.sum()) for c in fast.counts.values()) > 0
    assert_same(fast, ref)


def test_negative_exponent_network_uses_separate_rings():
    prog = _compile(negative_exponent_network())
    assert min(p.weight_exp for p in prog.quantized.projections) < 0


def test_fast_path_matches_reference_on_cuba_with_placer_spectral():
    from conftest import load_cuba

    prog = _compile(load_cuba(), placer="spectral")
    assert_same(prog.run(20.0), prog.run(20.0, engine="numpy"))


def test_long_run_spans_several_kernel_blocks(monkeypatch):
    from neurocompile.emu import run

    monkeypatch.setattr(run, "BLOCK_STEPS", 7)  # blocks, bias changes and record growth mixed
    prog = _compile(lif_network())
    assert_same(prog.run(25.0), prog.run(25.0, engine="numpy"))


def _input_network():
    net = nc.Network("paths-inputs", dt=0.1, seed=8)
    pixels = net.spike_source("pixels", 16, times=[], indices=[])
    hidden = net.population("hidden", 20, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    out = net.population("out", 4, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pixels, hidden, nc.FixedProbability(0.5, seed=1), weight=nc.Normal(0.8, 0.3))
    net.connect(hidden, out, nc.FixedProbability(0.5, seed=2), weight=nc.Normal(0.5, 0.5))
    net.probe(hidden, "spikes")
    net.probe(out, "spikes")
    net.probe(out, "v")
    return net


def test_batched_run_equals_separate_runs():
    prog = _compile(_input_network())
    rng = np.random.default_rng(0)
    batch, n_steps = 5, 150
    spikes = rng.random((batch, n_steps, 16)) < 0.05
    currents = rng.uniform(0.5, 3.0, size=(batch, 20))
    results = prog.run(15.0, inputs={"pixels": spikes, "hidden": currents})
    assert isinstance(results, list) and len(results) == batch
    for b in range(batch):
        single = prog.run(15.0, inputs={"pixels": spikes[b], "hidden": currents[b]})
        assert_same(results[b], single)
        assert_same(results[b], prog.run(15.0, inputs={"pixels": spikes[b], "hidden": currents[b]},
                                         engine="numpy"))
    counts = [r.counts["out"].sum() for r in results]
    assert len(set(counts)) > 1  # the samples really differ


def test_batched_numpy_engine_equals_fast():
    prog = _compile(_input_network())
    spikes = np.random.default_rng(1).random((3, 100, 16)) < 0.08
    fast = prog.run(10.0, inputs={"pixels": spikes})
    ref = prog.run(10.0, inputs={"pixels": spikes}, engine="numpy")
    for a, b in zip(fast, ref):
        assert_same(a, b)


def test_input_currents_act_like_a_step_current_from_time_zero():
    with_input = _input_network()
    with_step = _input_network()
    with_step.current(with_step["hidden"], nc.StepCurrent(times=[0.0], amplitudes=[3.0]))
    a = _compile(with_input).run(20.0, inputs={"hidden": np.full(20, 3.0)})
    b = _compile(with_step).run(20.0)
    for name in ("hidden", "out"):
        np.testing.assert_array_equal(a.counts[name], b.counts[name])
    assert a.counts["hidden"].sum() > 0


def test_bad_inputs_are_rejected_with_names():
    prog = _compile(_input_network())
    with pytest.raises(NetworkError, match="pixels.*shape"):
        prog.run(10.0, inputs={"pixels": np.zeros((50, 16), dtype=bool)})
    with pytest.raises(NetworkError, match="nope"):
        prog.run(10.0, inputs={"nope": np.zeros(3)})
    with pytest.raises(NetworkError, match="batch"):
        prog.run(10.0, inputs={"pixels": np.zeros((2, 100, 16), dtype=bool), "hidden": np.zeros((3, 20))})
    with pytest.raises(NetworkError, match="engine"):
        prog.run(10.0, engine="turbo")


def _batch_inputs(build, rng, n_steps, batch=3):
    """Per-sample inputs for the three path networks (a raster for a source, currents elsewhere)."""
    if build is lif_network:
        return {"noise": rng.random((batch, n_steps, 60)) < 0.025, "a": rng.uniform(0.0, 0.6, (batch, 120))}
    if build is negative_exponent_network:
        return {"n": rng.uniform(0.0, 0.8, (batch, 30))}
    return {"lif": rng.uniform(0.0, 0.9, (batch, 10))}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("build", [lif_network, negative_exponent_network, adex_network])
def test_batched_kernel_equals_single_runs_on_every_path(build, threads, monkeypatch):
    """LIF/LI, AdEx, delays, negative-exponent rings, bias updates and traces, batched (in
    chunks of 2 samples, in one or two threads) against one run per sample."""
    from neurocompile.emu import run

    monkeypatch.setattr(run, "BATCH_CHUNK", 2)
    prog = _compile(build())
    n_steps = 250
    inputs = _batch_inputs(build, np.random.default_rng(4), n_steps)
    batched = run.emulate(prog, 25.0, inputs=inputs, threads=threads)
    assert len(batched) == 3
    for b, result in enumerate(batched):
        single = prog.run(25.0, inputs={name: value[b] for name, value in inputs.items()})
        assert_same(result, single)
        assert_same(result, run.emulate(prog, 25.0, inputs={name: value[b] for name, value in inputs.items()},
                                        engine="numpy"))
    assert len({int(sum(c.sum() for c in r.counts.values())) for r in batched}) > 1


def run_tiny_program() -> None:
    """One step of a two-neuron program: a real run of the LIF kernel in this process."""
    net = nc.Network("kernel-warm-up", dt=0.1)
    pop = net.population("a", 2, nc.LIF(tau_mem=10.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pop, pop, nc.AllToAll(), weight=0.5)
    _compile(net).run(0.1)


def test_kernel_warm_up_process_and_its_skip_when_the_kernel_is_loaded():
    from neurocompile.emu import warmup
    from neurocompile.emu.kernel import run_steps_lif as run_steps

    run_tiny_program()  # a real run: leaves the kernel loaded in this process
    assert run_steps.signatures  # ... which leaves the kernel loaded here
    warmup.start()
    assert warmup._helper is None  # nothing to warm up any more
    warmup.finish()


def test_the_warm_up_signature_is_the_one_real_runs_use():
    """The helper compiles the kernel from hand-made arguments: their types must be a real run's."""
    from neurocompile.emu import warmup
    from neurocompile.emu.kernel import run_steps_lif

    run_tiny_program()
    warmup.compile_kernel()  # the helper's job: no new variant when the types match
    assert len(run_steps_lif.signatures) == 1, (
        "kernel argument types changed: update neurocompile.emu.warmup.kernel_arguments")
    assert tuple(run_steps_lif.signatures[0]) == warmup.kernel_argument_types()
