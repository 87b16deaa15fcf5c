"""Memory estimates of the float run, compile, the chip run and a build, and the check that
refuses a stage before it allocates what it would need (``NEUROCOMPILE_MEMORY_LIMIT`` plays the
machine's available memory here)."""
from __future__ import annotations

import pytest

import neurocompile as nc
from neurocompile import memory
from neurocompile.errors import BuildError, MemoryBudgetError
from neurocompile.program import preflight
from neurocompile.resources import LIMIT_VARIABLE, available_memory_bytes, machine_available_bytes, memory_limit
from tests.helpers import compile_quietly, load_cuba

MiB = 2**20


def traced_net(n: int = 50, probed: int = 10, name: str = "traced"):
    """``n`` driven LIF neurons, v of ``probed`` of them recorded, no spikes probed."""
    net = nc.Network(name, dt=0.1)
    pop = net.population("n", n, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=-50.0, tau_syn=5.0))
    src = net.poisson("src", 20, 50.0)
    net.connect(src, pop, nc.FixedProbability(0.3, seed=1), weight=2.0)
    net.probe(pop[:probed], "v")
    return net


def test_recordings_grow_with_steps_traced_values_and_samples():
    net = traced_net(probed=10)
    for samples in (1, 4):
        for duration in (100.0, 400.0):
            steps = int(round(duration / net.dt))
            ref = memory.reference_estimate(net, duration, samples)
            assert ref.parts["recordings"] == 8 * 10 * steps * samples  # float64 per value and step
            chip = memory.chip_estimate(compile_quietly(net), duration, samples)
            block = min(steps, memory.CHIP_BLOCK_STEPS)
            assert chip.parts["recordings"] == 8 * 10 * samples * (steps + block) \
                + memory.CHIP_BYTES_PER_SPIKE * memory.CHIP_SPIKE_RECORD
            assert chip.parts["step counters"] == memory.CHIP_BYTES_PER_STEP * steps * samples
    more = traced_net(probed=40)
    assert memory.reference_estimate(more, 100.0).parts["recordings"] == 4 * \
        memory.reference_estimate(net, 100.0).parts["recordings"]
    assert memory.reference_estimate(net, 400.0, 4).peak > memory.reference_estimate(net, 100.0).peak


def test_probed_spikes_are_counted_at_the_assumed_rate_or_the_given_one():
    net = traced_net()
    net.probe(net["n"], "spikes")
    base = memory.reference_estimate(traced_net(), 1000.0).parts["recordings"]
    for rate in (memory.ASSUMED_RATE_HZ, 10.0):
        recordings = memory.reference_estimate(net, 1000.0, rate_hz=rate).parts["recordings"]
        assert recordings - base == memory.REFERENCE_BYTES_PER_SPIKE * int(50 * rate)  # 50 neurons, 1 s


def test_the_chip_estimate_follows_the_emulator_block_size():
    from neurocompile.emu.run import BLOCK_STEPS

    assert memory.CHIP_BLOCK_STEPS == BLOCK_STEPS


def test_a_threaded_run_counts_its_partial_rings():
    program = compile_quietly(load_cuba())
    sizes = memory.program_sizes(program)
    one = memory.chip_estimate(program, 100.0, 3)
    more = memory.chip_estimate(program, 100.0, 3, partial_rings=2 * 3)  # 3 threads stepping 3 samples
    assert more.parts["neuron state"] - one.parts["neuron state"] == 6 * 8 * sizes.ring_slots > 0


def test_program_and_network_sizes_agree_for_a_plain_network():
    net = load_cuba()
    a, b = memory.network_sizes(net), memory.program_sizes(compile_quietly(net))
    assert (a.neurons, a.synapses, a.traced, a.spike_probed) == (b.neurons, b.synapses, b.traced, b.spike_probed)
    assert (a.neurons, a.synapses, a.traced, a.spike_probed) == (4000, net.n_synapses, 5, 3200)


def test_compile_estimate_names_the_traffic_graph_and_how_to_avoid_it():
    from neurocompile.place.spectral import GRAPH_SYNAPSE_LIMIT

    assert preflight.GRAPH_SYNAPSE_LIMIT == GRAPH_SYNAPSE_LIMIT  # the placer's own limit
    net = load_cuba()
    spectral = preflight.compile_estimate(net, "emu", "spectral")
    sequential = preflight.compile_estimate(net, "emu", "sequential")
    assert spectral.parts["placement graph"] == preflight.GRAPH_BYTES_PER_SYNAPSE * net.n_synapses
    assert sequential.parts["placement graph"] == 0 and sequential.peak < spectral.peak
    assert "placer='sequential'" in spectral.advice["placement graph"]


def test_above_the_graph_limit_the_spectral_placer_builds_no_graph(monkeypatch):
    net = load_cuba()
    with_graph = preflight.compile_estimate(net, "emu", "spectral")
    monkeypatch.setattr(preflight, "GRAPH_SYNAPSE_LIMIT", net.n_synapses - 1)
    without = preflight.compile_estimate(net, "emu", "spectral")
    assert without.parts["placement graph"] == 0
    assert without.parts["placement"] == preflight.SPECTRAL_NO_GRAPH_BYTES_PER_NEURON * 4000
    assert without.parts["quantization"] == with_graph.parts["quantization"]


def test_a_build_estimate_carries_what_earlier_stages_keep():
    net = load_cuba()
    stages = preflight.build_estimates(net, nc.target.load_target("emu"), 200.0)
    assert [e.stage for e in stages] == ["float reference", "compile", "chip run", "comparison"]
    assert "earlier stages" not in stages[0].parts
    held = 0
    for before, after in zip(stages, stages[1:]):
        held += before.kept + before.parts["runtime"]
        assert after.parts["earlier stages"] == held
    assert preflight.build_estimate(net, "emu", 200.0).peak == max(e.peak for e in stages)


@pytest.mark.parametrize("text, size", [("2G", 2 << 30), ("512M", 512 << 20), ("1.5GiB", 3 << 29),
                                        ("100", 100), (" 64 kb ", 64 << 10), ("1T", 1 << 40)])
def test_memory_limit_variable_reads_sizes(monkeypatch, text, size):
    monkeypatch.setenv(LIMIT_VARIABLE, text)
    assert memory_limit() == size == available_memory_bytes()


def test_memory_limit_variable_unset_or_invalid(monkeypatch):
    monkeypatch.delenv(LIMIT_VARIABLE, raising=False)
    assert memory_limit() is None
    assert available_memory_bytes() == machine_available_bytes() > 0
    monkeypatch.setenv(LIMIT_VARIABLE, "lots")
    with pytest.raises(BuildError, match=r"NEUROCOMPILE_MEMORY_LIMIT = 'lots' is not a memory size"):
        available_memory_bytes()


def _must_not_run(*args, **kwargs):
    raise AssertionError("allocated before the memory check")


def test_simulate_compile_and_run_refuse_before_allocating(monkeypatch):
    import neurocompile.emu.run as emu_run
    import neurocompile.program.pipeline as pipeline
    import neurocompile.reference.simulator as simulator

    net = traced_net(name="small")
    program = compile_quietly(net)
    monkeypatch.setenv(LIMIT_VARIABLE, "1M")
    monkeypatch.setattr(simulator, "_simulate_one", _must_not_run)
    monkeypatch.setattr(pipeline, "quantize", _must_not_run)
    monkeypatch.setattr(emu_run, "ChipLayout", _must_not_run)
    for owner, call in (("simulate('small')", lambda: nc.simulate(net, 100.0)),
                        ("compile of network 'small'", lambda: nc.compile(net, "emu")),
                        ("Program 'small'.run", lambda: program.run(100.0))):
        with pytest.raises(MemoryBudgetError) as err:
            call()
        text = str(err.value)
        assert text.startswith(f"{owner}: needs about ")
        assert "; 1 MiB available (NEUROCOMPILE_MEMORY_LIMIT): " in text and "\n" not in text


def test_the_error_says_what_to_reduce(monkeypatch):
    net = traced_net(probed=50, name="long")
    monkeypatch.setenv(LIMIT_VARIABLE, "200M")
    with pytest.raises(MemoryBudgetError) as err:
        nc.simulate(net, 100_000.0)  # 10^6 steps x 50 traced float64 values: 381 MiB
    estimate = memory.reference_estimate(net, 100_000.0)
    assert estimate.parts["recordings"] == 400_000_000
    assert estimate.describe().startswith(f"{memory.format_bytes(estimate.peak)} (recordings 381 MiB, runtime 128 MiB)")
    assert str(err.value) == (
        f"simulate('long'): needs about {estimate.describe()} at its peak for 1000000 steps (dt = 0.1 ms) x 1 "
        f"sample(s), 50 traced values per step, 0 spike-probed neurons, 50 neurons, {net.n_synapses} synapses; "
        "200 MiB available (NEUROCOMPILE_MEMORY_LIMIT): run shorter or probe fewer neurons or variables")
    monkeypatch.setenv(LIMIT_VARIABLE, "600M")
    assert nc.simulate(net, 1.0).n_steps == 10  # within the limit the run goes on
