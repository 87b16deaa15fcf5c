"""One run on 1 and on 2 threads: bit-identical results on every kind of network, and the
``threads`` argument's checks (neurocompile.emu.threads, neurocompile.emu.threaded).

An explicit ``threads=2`` runs even these small networks on the kernel's threaded variant (the
size threshold applies only to the default), so every path of the threaded LIF pass and
delivery is compared with the one-thread kernel: spikes, traces, every counter, saturations
and learned weights.
"""
from __future__ import annotations


import numpy as np
import pytest

import neurocompile as nc
from neurocompile.emu import run as emu_run
from neurocompile.emu.threads import THREADS_VARIABLE, step_threads
from neurocompile.errors import NetworkError
from tests.emu.test_receptors import _mixed_network
from tests.helpers import (adex_network, assert_same, compile_quietly, input_network, lif_network, load_cuba,
                           negative_exponent_network)


def _equal_runs(program, duration, **kw):
    """The run on 1 and on 2 threads; asserts they agree on everything a Result reports."""
    one = program.run(duration, threads=1, **kw)
    two = program.run(duration, threads=2, **kw)
    ones, twos = (r if isinstance(r, list) else [r] for r in (one, two))
    assert len(ones) == len(twos)
    for a, b in zip(ones, twos):
        assert_same(a, b)
        assert set(a._weights) == set(b._weights)
        for name in a._weights:  # learned weights (plastic projections) and their probes
            assert (a.weights(name) != b.weights(name)).nnz == 0, name
        assert set(a._weight_traces) == set(b._weight_traces)
        for name in a._weight_traces:
            for x, y in zip(a.weight_trace(name), b.weight_trace(name)):
                np.testing.assert_array_equal(x, y, err_msg=name)
    assert sum(int(c.sum()) for r in ones for c in r.counts.values()) > 0, "nothing spiked"
    return ones


def _stdp_network() -> nc.Network:
    """Poisson input onto LIF neurons through a plastic projection, and recurrent synapses with
    drawn delays: the learning pass runs after the threaded delivery of every step."""
    net = nc.Network("plastic", dt=0.1, seed=4)
    src = net.poisson("src", 60, rate=60.0)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0, refractory=1.0)
    pop = net.population("pop", 30, lif)
    stdp = nc.STDP(tau_plus=16.8, tau_minus=33.7, A_plus=0.01, A_minus=0.0105, w_max=1.0)
    proj = net.connect(src, pop, nc.FixedProbability(0.5, seed=1), weight=nc.Uniform(0.2, 0.6), plasticity=stdp)
    net.connect(pop, pop, nc.FixedProbability(0.2, seed=2), weight=-0.2, delay=nc.Uniform(0.1, 1.0))
    net.probe(pop, "spikes")
    net.probe(pop[:3], "v")
    net.probe_weights(proj, [0, 5, 10])
    return net


def _stp_nmda_network() -> nc.Network:
    """Short-term plasticity and NMDA gates (their deliveries stay on the calling thread) beside
    plain projections into the same neurons."""
    net = nc.Network("stp-nmda", dt=0.1, seed=5)
    drive = net.population("drive", 40, nc.PoissonSource(30.0, seed=2))
    lif = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0, refractory=2.0, bias=8.0,
                 receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0), "nmda": nc.NMDA(),
                            "gaba": nc.CondExp(tau=5.0, E_rev=-70.0)})
    exc = net.population("exc", 60, lif)
    net.connect(drive, exc, nc.FixedProbability(0.3, seed=1), weight=0.3, receptor="ampa",
                stp=nc.TsodyksMarkram(U=0.3, tau_rec=200.0, tau_fac=100.0))
    net.connect(exc, exc, nc.FixedProbability(0.2, seed=2), weight=0.05, receptor="nmda", delay=nc.Uniform(0.1, 1.0))
    net.connect(exc, exc, nc.FixedProbability(0.1, seed=3), weight=0.2, receptor="gaba")
    net.probe(exc, "spikes")
    net.probe(exc[:3], "v")
    return net


@pytest.mark.parametrize("build, placer, duration", [
    (load_cuba, "sequential", 100.0),                    # CUBA (examples/cuba.py)
    (load_cuba, "spectral", 50.0),                       # neurons of a population spread over cores
    (lif_network, "sequential", 30.0),                   # delays, several projections, sources, a step current
    (negative_exponent_network, "sequential", 30.0),     # floored groups (calling thread) beside plain rows
    (adex_network, "sequential", 30.0),                  # AdEx bank
    (lambda: _mixed_network(adex=True), "sequential", 100.0),  # receptors / conductances, AdEx
    (lambda: _mixed_network(adex=False), "sequential", 100.0),
    (_stp_nmda_network, "sequential", 100.0),           # short-term plasticity, NMDA gates
    (_stdp_network, "sequential", 100.0),               # STDP: learned weights and their probes
], ids=["cuba", "cuba-spectral", "lif-paths", "negative-exponent", "adex", "receptors-adex", "receptors-lif",
        "stp-nmda", "stdp"])
def test_two_threads_give_the_one_thread_results(build, placer, duration):
    _equal_runs(compile_quietly(build(), placer=placer), duration)


def test_stdp_weights_learned_on_two_threads_equal_one_thread():
    program = compile_quietly(_stdp_network(), placer="sequential")
    learned = _equal_runs(program, 200.0)[0]
    start = program.run(0.1, threads=1)
    assert learned._weights, "no plastic projection"
    assert all((learned.weights(name) != start.weights(name)).nnz > 0 for name in learned._weights), "nothing learned"


def _batch_inputs(rng, batch, n_steps):
    return {"pixels": rng.random((batch, n_steps, 16)) < 0.05, "hidden": rng.uniform(0.5, 3.0, size=(batch, 20))}


def test_a_batch_in_parallel_chunks_equals_one_thread():
    program = compile_quietly(input_network(), placer="sequential")
    _equal_runs(program, 15.0, inputs=_batch_inputs(np.random.default_rng(2), 5, 150))


def test_a_batch_in_one_chunk_stepped_on_two_threads_equals_one_thread(monkeypatch):
    """A batch's single chunk on the threaded kernel (what a batch of up to BATCH_CHUNK samples
    gets when its chunks are not split among threads)."""
    program = compile_quietly(lif_network(), placer="sequential")
    rng = np.random.default_rng(3)
    inputs = {"noise": rng.random((3, 300, 60)) < 0.025, "a": rng.uniform(0.0, 0.6, (3, 120))}
    one = program.run(30.0, inputs=inputs, threads=1)
    monkeypatch.setattr(emu_run, "_chunking", lambda samples, requested, stepwise: (1, samples, 2))
    two = program.run(30.0, inputs=inputs)
    for a, b in zip(one, two):
        assert_same(a, b)
    assert len({int(r.counts["a"].sum()) for r in one}) > 1  # the samples really differ


def test_the_environment_variable_sets_the_default(monkeypatch):
    program = compile_quietly(lif_network(), placer="sequential")
    one = program.run(20.0, threads=1)
    monkeypatch.setenv(THREADS_VARIABLE, "2")
    assert step_threads(2) == min(2, _pool())
    assert_same(one, program.run(20.0))


def test_a_single_run_steps_on_one_thread_unless_a_count_is_given():
    assert step_threads(None) == 1
    assert step_threads(1) == 1
    assert step_threads(2) == min(2, _pool())  # a count given is used as given
    assert step_threads(10_000) == _pool()  # at most numba's pool


def _pool() -> int:
    import numba

    return numba.config.NUMBA_NUM_THREADS


@pytest.mark.parametrize("bad", [0, -1, 1.5, 2.0, "2", True])
def test_bad_thread_counts_are_named_errors(bad):
    program = compile_quietly(lif_network(), placer="sequential")
    with pytest.raises(NetworkError, match="threads"):
        program.run(5.0, threads=bad)


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_a_bad_environment_variable_is_a_named_error(monkeypatch, bad):
    program = compile_quietly(lif_network(), placer="sequential")
    monkeypatch.setenv(THREADS_VARIABLE, bad)
    with pytest.raises(NetworkError, match=THREADS_VARIABLE):
        program.run(5.0)
