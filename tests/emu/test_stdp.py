"""The chip's STDP rule (docs/chip.md section 3.6) in the emulator: the two-neuron window
against float within the stated rounding error, both engines and the saved program alike,
learned weights written back, weight probes, the learning counters and costs, and one-line
errors for what the chip cannot learn."""
from __future__ import annotations

import re

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip.learning import TRACE_DECAY_BITS, TRACE_FRACTION_BITS
from tests.helpers import compile_quietly
from tests.reference.test_stdp import DT, LAGS, T_PRE, additive, pairs_network


@pytest.fixture(scope="module")
def window_runs():
    """The float and chip runs of one pairing at every lag in -50..50 ms (additive rule)."""
    stdp = additive()
    net, proj = pairs_network(stdp)
    net.probe_weights(proj, [0, 50, 100])
    program = nc.compile(net, "emu")
    return stdp, proj, program, nc.simulate(net, 150.0), program.run(150.0)


def realised_window(program, proj_name, lags):
    """The window the quantized rule realises: rates, bounds and 12-bit trace keeps as
    compiled, evaluated exactly (no integer rounding)."""
    qp = next(p for p in program.quantized.projections if p.name == proj_name)
    r = qp.report["stdp"]
    n = np.rint(np.abs(lags) / DT)
    keep_x = np.exp(-DT / r["tau_plus"][1])
    keep_y = np.exp(-DT / r["tau_minus"][1])
    return np.where(lags >= 0, r["A_plus"][1] * r["w_max"][1] * keep_x**n,
                    -r["A_minus"][1] * r["w_max"][1] * keep_y**n), r["weight_step"]


def test_chip_window_matches_float_within_the_stated_rounding(window_runs):
    stdp, proj, program, ref, chip = window_runs
    np.testing.assert_array_equal(np.sort(chip.spike_times("post")[0]), np.sort(ref.spike_times("post")[0]))
    change = chip.weights(proj).toarray().diagonal() - 0.5
    realised, step = realised_window(program, proj.name, LAGS)
    # Integer rounding on top of the realised window: the initial and final registers (half a
    # step each), the rounded update (half a step) and the truncated trace decays (< one trace
    # LSB per step, times the rate's largest factor A w_max).
    n = np.rint(np.abs(LAGS) / DT)
    bound = 1.5 * step + 0.0105 * 1.0 * (n + 1) * 2.0**-TRACE_FRACTION_BITS
    assert np.all(np.abs(change - realised) <= bound)
    # Against float: the 12-bit decays change the time constants by at most half a keep step.
    float_change = ref.weights(proj).toarray().diagonal() - 0.5
    keep_error = 0.5 / (1 << TRACE_DECAY_BITS)
    tau_bound = 0.0105 * n * keep_error / np.exp(-DT / 33.7) * np.exp(-n * DT / 33.7) * 1.01 + bound
    assert np.all(np.abs(change - float_change) <= tau_bound + 1e-12)
    assert np.abs(change - float_change).max() < 0.01 * 0.01  # 1 % of the window's peak


def test_both_engines_and_the_saved_program_learn_the_same(window_runs, tmp_path):
    _, proj, program, _, chip = window_runs
    numpy_engine = program.run(150.0, engine="numpy")
    program.save(tmp_path / "pairs.ncp")
    loaded = nc.load(tmp_path / "pairs.ncp").run(150.0)
    for other in (numpy_engine, loaded):
        np.testing.assert_array_equal(other.weights(proj).toarray(), chip.weights(proj).toarray())
        np.testing.assert_array_equal(other.weight_trace(proj)[1], chip.weight_trace(proj)[1])
        assert other.stats.totals() == chip.stats.totals()


def test_weight_probes_follow_the_learning(window_runs):
    _, proj, _, ref, chip = window_runs
    synapses, chip_trace = chip.weight_trace(proj)
    _, ref_trace = ref.weight_trace(proj)
    np.testing.assert_array_equal(synapses, [0, 50, 100])
    assert chip_trace.shape == ref_trace.shape == (1500, 3)
    np.testing.assert_array_equal(chip_trace[-1], chip.weights(proj).data[synapses])
    assert np.abs(chip_trace - ref_trace).max() < 1e-4
    lag_0 = int(round((T_PRE + LAGS[50]) / DT))  # synapse 50 pairs at lag 0: it changes then, once
    assert np.all(chip_trace[:lag_0, 1] == chip_trace[0, 1]) and chip_trace[lag_0, 1] > chip_trace[0, 1]


def test_learning_updates_are_counted_and_priced(window_runs):
    _, _, program, _, chip = window_runs
    totals = chip.stats.totals()
    # every synapse is depressed at its pre spike and potentiated at its post spike once
    assert totals["learning_updates"] == 2 * len(LAGS)
    assert chip.stats.updates_per_core.sum() == 2 * len(LAGS)
    frozen = program.with_weights(chip, freeze=True).run(150.0)
    assert frozen.stats.totals()["learning_updates"] == 0
    extra = totals["energy_uJ"] - frozen.stats.totals()["energy_uJ"]
    assert extra == pytest.approx(2 * len(LAGS) * program.target.learning.update_pj * 1e-6, rel=1e-9)


def test_continuing_from_learned_weights_repeats_the_change(window_runs):
    _, proj, program, _, chip = window_runs
    again = program.with_weights(chip).run(150.0)
    first = chip.weights(proj).toarray().diagonal() - 0.5
    second = again.weights(proj).toarray().diagonal() - chip.weights(proj).toarray().diagonal()
    _, step = realised_window(program, proj.name, LAGS)
    # additive STDP: the same pairing changes a weight by the same amount again (within rounding)
    assert np.abs(second - first).max() <= 1.5 * step
    frozen = program.with_weights(chip, freeze=True)
    assert all(qp.learning is None for qp in frozen.quantized.projections)
    np.testing.assert_array_equal(frozen.run(150.0).spike_times("post")[0], chip.spike_times("post")[0])


def test_multiplicative_rule_on_chip():
    stdp = additive(rule="multiplicative", w_min=0.1)
    lags = np.array([-10.0, 10.0])
    net, proj = pairs_network(stdp, lags, weight=0.3)
    ref = nc.simulate(net, 150.0).weights(proj).toarray().diagonal()
    program = nc.compile(net, "emu")
    chip = program.run(150.0).weights(proj).toarray().diagonal()
    step = next(p for p in program.quantized.projections if p.name == proj.name).report["stdp"]["weight_step"]
    assert np.abs(chip - ref).max() < 0.02 * 0.01 + 2 * step


def test_batch_runs_of_a_plastic_program_are_refused(window_runs):
    _, _, program, _, _ = window_runs
    n_steps = 1500
    raster = np.zeros((2, n_steps, len(LAGS)), dtype=bool)
    with pytest.raises(nc.NeurocompileError, match="cannot run plastic projections .*run the samples one at a time"):
        program.run(150.0, inputs={"pre": raster})


def test_a_target_without_learning_refuses_stdp():
    from neurocompile.target import Target, load_target

    data = load_target("emu").to_dict()
    data["models"]["native"] = [m for m in data["models"]["native"] if m != "STDP"]
    del data["learning"]
    target = Target.from_dict(data, source="<no learning>")
    net, proj = pairs_network(additive(), lags=[5.0])
    with pytest.raises(nc.BuildError, match=re.escape(f"Projection '{proj.name}': model STDP is not supported by "
                                                      "target 'emu'")):
        nc.compile(net, target)


def _small_learning_engine(plastic_synapses: int):
    from neurocompile.target import Target, load_target

    data = load_target("emu").to_dict()
    data["learning"]["plastic_synapses"] = plastic_synapses
    return Target.from_dict(data, source="<small learning engine>")


def _plastic_per_core(program) -> np.ndarray:
    from neurocompile.place.usage import learning_usage

    plastic, _ = learning_usage(program.quantized.projections, program.placement.core_of,
                                program.placement.n_cores, program.target)
    return plastic


def test_the_placer_spreads_plastic_synapses_over_learning_engines():
    net, _ = pairs_network(additive())  # 101 plastic synapses, one per post neuron
    for placer in ("spectral", "sequential"):
        program = compile_quietly(net, _small_learning_engine(50), placer=placer)
        plastic = _plastic_per_core(program)
        assert plastic.sum() == 101 and plastic.max() <= 50, placer


def test_plastic_synapses_fill_cores_by_learning_engine_and_memory():
    """1000 inputs onto each of 100 neurons, all plastic: 100,000 plastic synapses need 7 of
    the emu target's 16,384-synapse learning engines (placement counted one entry per synapse
    and failed before)."""
    net = nc.Network("plastic", dt=0.1, seed=1)
    post = net.population("out", 100, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-60.0, v_th=-54.0, tau_syn=5.0))
    inputs = net.poisson("in", 1000, 10.0)
    net.connect(inputs, post, nc.AllToAll(), weight=nc.Uniform(0.0, 0.5), plasticity=additive(w_max=1.0))
    for placer in ("spectral", "sequential"):
        program = compile_quietly(net, "emu", placer=placer)
        plastic = _plastic_per_core(program)
        assert plastic.sum() == 100_000 and plastic.max() <= 16384, placer
        assert 2 * plastic.max() <= program.target.core.synapse_entries
        assert program.summary()["cores_used"] == 7, placer


def test_a_neuron_over_the_learning_capacity_is_a_named_error():
    net = nc.Network("fan-in", dt=DT)
    pre = net.spike_source("pre", 60, times=np.full(60, T_PRE), indices=np.arange(60))
    post = net.population("post", 2, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pre, post, nc.FixedInDegree(60), weight=0.1, plasticity=additive())
    with pytest.raises(nc.BuildError, match=re.escape("exceeds the learning capacity of target 'emu': neuron 0 of "
                                                      "population 'post' has 60 plastic synapses, more than the 50 a "
                                                      "core's learning engine updates (learning.plastic_synapses; 2 "
                                                      "neuron(s) over)")):
        nc.compile(net, _small_learning_engine(50))


def test_a_neuron_over_the_counted_synapse_entries_is_a_named_error():
    """With 65,536 entries and a 50-synapse engine a plastic synapse counts ceil(65536 / 50) =
    1311 entries, so 50 plastic synapses count 65,550: the error says how they are counted."""
    net = nc.Network("fan-in", dt=DT)
    pre = net.spike_source("pre", 50, times=np.full(50, T_PRE), indices=np.arange(50))
    post = net.population("post", 1, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pre, post, nc.AllToAll(), weight=0.1, plasticity=additive())
    with pytest.raises(nc.BuildError, match=re.escape("neuron 0 of population 'post' needs 65550 synapse entries, "
                                                      "counting 1311 for each plastic synapse")):
        nc.compile(net, _small_learning_engine(50))


def test_bad_weight_probes_are_named():
    net, proj = pairs_network(additive(), lags=[5.0])
    with pytest.raises(nc.NetworkError, match=re.escape(f"probe_weights on '{proj.name}': synapses = 3 must index "
                                                        "the projection's 1 synapses (0..0)")):
        net.probe_weights(proj, [0, 3])
    kick = next(p for p in net.projections if p.plasticity is None)
    with pytest.raises(nc.NetworkError, match="is not plastic"):
        net.probe_weights(kick, [0])
    result = nc.simulate(net, 10.0)
    with pytest.raises(nc.NetworkError, match="no weight probe on projection"):
        result.weight_trace(proj)
    assert proj.synapse_index([0], [0]).tolist() == [0]
    with pytest.raises(nc.NetworkError, match="no neuron pair"):
        proj.synapse_index([0], [4])


def test_with_weights_needs_plastic_projections():
    net = nc.Network("fixed", dt=DT)
    pre = net.spike_source("pre", 1, times=[1.0], indices=[0])
    post = net.population("post", 1, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pre, post, nc.OneToOne(), weight=0.5)
    program = nc.compile(net, "emu")
    with pytest.raises(nc.NetworkError, match="has no plastic projection"):
        program.with_weights(program.run(10.0))


@pytest.mark.parametrize("step", [float("nan"), 0.0, -1.0, "1"])
def test_a_program_file_with_a_bad_weight_step_is_refused(window_runs, tmp_path, step):
    """Learned weights are registers times the report's weight step: a file whose step is not a
    positive number is refused when loaded, not read back as NaN or negative weights."""
    import dataclasses

    _, proj, program, _, _ = window_runs
    bad = [dataclasses.replace(qp, report={**qp.report, "stdp": {**qp.report["stdp"], "weight_step": step}})
           if qp.name == proj.name else qp for qp in program.quantized.projections]
    damaged = dataclasses.replace(program, quantized=dataclasses.replace(program.quantized, projections=tuple(bad)))
    path = tmp_path / "bad.ncp"
    damaged.save(path)
    with pytest.raises(nc.ProgramFileError, match="weight_step"):
        nc.load(path)
