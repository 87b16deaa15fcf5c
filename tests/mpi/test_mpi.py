"""Runs over 2 MPI ranks (``mpiexec -n 2``, started as subprocesses) are bit-identical to one
process: partitioned CUBA (the command line and the Python API), the NIR CNN with an input
raster, and batches split over the ranks; bad input is a named error on every rank, never a hang.

Skipped without mpi4py and ``mpiexec`` (``pip install '.[mpi]'``), unless
``NEUROCOMPILE_REQUIRE_MPI=1`` (CI) makes that a failure.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.mpi.results import result_arrays
from neurocompile.target import load_target
from tests.helpers import NIR_PAPER_DIR, compile_quietly, load_cuba

JOB = Path(__file__).with_name("mpi_job.py")
#: Wall time any one mpiexec may take before the test fails (a hang is a failure).
MPIEXEC_TIMEOUT_S = 600


def _mpiexec() -> str | None:
    beside = Path(sys.executable).with_name("mpiexec")
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def _skip_or_fail(reason: str):
    if os.environ.get("NEUROCOMPILE_REQUIRE_MPI") == "1":
        pytest.fail(f"NEUROCOMPILE_REQUIRE_MPI=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def mpiexec():
    try:
        import mpi4py
        del mpi4py
    except ImportError:
        _skip_or_fail("mpi4py is not installed (pip install '.[mpi]')")
    path = _mpiexec()
    if path is None:
        _skip_or_fail("no mpiexec on PATH (pip install '.[mpi]' brings MPICH's)")
    return path


def launch(mpiexec, *argv, ranks: int = 2, timeout_s: float = 60, options=()):
    """Run ``mpiexec -n ranks *argv``: (exit code, stdout, stderr)."""
    env = dict(os.environ, NEUROCOMPILE_MPI_TIMEOUT=str(timeout_s), OPENBLAS_NUM_THREADS="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([mpiexec, *options, "-n", str(ranks), *map(str, argv)], capture_output=True, text=True,
                          env=env, timeout=MPIEXEC_TIMEOUT_S)
    return done.returncode, done.stdout, done.stderr


def neurocompile_cli():
    return [sys.executable, "-m", "neurocompile.cli"]


def assert_same_arrays(got_path, expected: dict) -> None:
    with np.load(got_path) as got:
        assert sorted(got.files) == sorted(expected)
        for key, value in expected.items():
            np.testing.assert_array_equal(got[key], value, err_msg=key)


def expected_arrays(result) -> dict:
    if isinstance(result, list):
        out = {}
        for k, one in enumerate(result):
            out.update(result_arrays(one, f"sample{k}/"))
        return out
    return result_arrays(result)


@pytest.fixture(scope="module")
def cuba(tmp_path_factory):
    path = tmp_path_factory.mktemp("mpi") / "cuba.ncp"
    program = compile_quietly(load_cuba())
    program.save(path)
    return path, program


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    if not NIR_PAPER_DIR.is_dir():
        pytest.fail(f"missing {NIR_PAPER_DIR}: CI runs with ../shared beside the project root")
    net = nc.read_nir(NIR_PAPER_DIR / "cnn_sinabs.nir", dt=0.1)
    program = compile_quietly(net, placer="sequential")
    path = tmp_path_factory.mktemp("mpi") / "cnn.ncp"
    program.save(path)
    return path, program


def test_partitioned_cuba_cli_is_bit_identical(mpiexec, cuba, tmp_path):
    path, program = cuba
    out = tmp_path / "two.npz"
    code, stdout, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 100, "--out", out)
    assert code == 0, stderr
    assert "2 ranks, partitioned by" in stdout and "spike exchange" in stdout
    assert stdout.count("chip activity") == 1  # rank 0 alone reports
    assert_same_arrays(out, expected_arrays(program.run(100.0)))


@pytest.mark.parametrize("mode", ["api", "api-replicated"])  # each rank its own neurons, or every neuron
def test_partitioned_cuba_python_api_is_bit_identical(mpiexec, cuba, tmp_path, mode):
    path, program = cuba
    out = tmp_path / f"{mode}.npz"
    code, _, stderr = launch(mpiexec, sys.executable, JOB, mode, path, 60, out)
    assert code == 0, stderr
    assert_same_arrays(out, expected_arrays(program.run(60.0)))


def test_partitioned_nir_cnn_with_an_input_raster_is_bit_identical(mpiexec, cnn, tmp_path):
    path, program = cnn
    raster = np.random.default_rng(3).random((40, 2312)) < 0.2
    np.savez(tmp_path / "inputs.npz", input=raster)
    out = tmp_path / "cnn.npz"
    code, stdout, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 4.0, "--inputs",
                                  tmp_path / "inputs.npz", "--out", out)
    assert code == 0, stderr
    assert "partitioned by core" in stdout
    assert_same_arrays(out, expected_arrays(program.run(4.0, inputs={"input": raster})))


def test_batch_over_two_ranks_is_identical_to_one_process(mpiexec, cnn, tmp_path):
    path, program = cnn
    rasters = np.random.default_rng(5).random((3, 30, 2312)) < 0.15  # 3 samples: ranks get 2 and 1
    np.savez(tmp_path / "batch.npz", input=rasters)
    expected = expected_arrays(program.run(3.0, inputs={"input": rasters}))
    out = tmp_path / "batch_cli.npz"
    code, stdout, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 3.0, "--inputs",
                                  tmp_path / "batch.npz", "--out", out)
    assert code == 0, stderr
    assert "data-parallel" in stdout and "sample 2" in stdout
    assert_same_arrays(out, expected)
    out = tmp_path / "batch_api.npz"
    code, _, stderr = launch(mpiexec, sys.executable, JOB, "api", path, 3.0, out, tmp_path / "batch.npz")
    assert code == 0, stderr
    assert_same_arrays(out, expected)


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_more_ranks_than_cores_is_a_named_error_on_every_rank(mpiexec, tmp_path):
    net = nc.Network("tiny", dt=0.1)
    net.population("n", 8, nc.LIF(tau_mem=10.0, tau_syn=5.0, v_rest=-50.0, v_th=-55.0, v_reset=-65.0))
    path = tmp_path / "tiny.ncp"
    compile_quietly(net).save(path)
    code, _, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 1)
    assert code != 0
    lines = _errors(stderr)
    assert len(lines) == 2, stderr
    assert all("2 ranks exceed the 1 used cores" in line for line in lines), stderr


def test_batch_smaller_than_the_ranks_is_a_named_error_on_every_rank(mpiexec, cnn, tmp_path):
    path, _ = cnn
    np.savez(tmp_path / "one.npz", input=np.zeros((1, 10, 2312), dtype=bool))
    code, _, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 1.0, "--inputs",
                             tmp_path / "one.npz")
    assert code != 0
    lines = _errors(stderr)
    assert len(lines) == 2 and all("a batch of 1 sample cannot be split over 2 ranks" in x for x in lines), stderr


def test_ranks_opening_different_programs_is_a_named_error_on_every_rank(mpiexec, cuba, cnn):
    env_cli = neurocompile_cli()
    code, _, stderr = launch(mpiexec, *env_cli, "run", cuba[0], "--duration", 1, ":", "-n", "1", *env_cli, "run",
                             cnn[0], "--duration", 1, ranks=1)
    assert code != 0
    lines = _errors(stderr)
    assert len(lines) == 2 and all("every rank must run the same program" in x for x in lines), stderr


def test_a_rank_that_dies_is_a_named_error_not_a_hang(mpiexec, cuba):
    # MPICH's default kills every rank when one dies; without that cleanup the survivors time out.
    code, _, stderr = launch(mpiexec, sys.executable, JOB, "die", cuba[0], 1, timeout_s=3, options=("-disable-auto-cleanup",))
    assert code != 0
    lines = _errors(stderr)
    assert len(lines) == 1 and "no answer from every rank within 3 s" in lines[0], stderr


def test_mpi_is_optional_for_the_core():
    code = ("import sys, neurocompile as nc; import neurocompile.cli.run, neurocompile.emu.run; "
            "assert 'mpi4py' not in sys.modules; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr


def test_saturations_are_in_the_result_file(cuba, tmp_path):
    from neurocompile.mpi.results import save_results
    result = cuba[1].run(5.0)
    save_results(result, tmp_path / "r.npz")
    with np.load(tmp_path / "r.npz") as data:
        assert json.loads(data["saturations"].tobytes()) == result.stats.saturations_per_population


def _ring(n: int, fan_out: int, seed: int = 0):
    """CSR (n, n): ``fan_out`` distinct neighbours of each neuron within 2 * fan_out, in mV."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    offsets = np.arange(1, fan_out + 1) * 2 - rng.integers(0, 2, size=(n, fan_out))
    post = ((np.arange(n)[:, None] + offsets - fan_out) % n).astype(np.int64)
    post.sort(axis=1)
    weight = np.where(np.arange(n) % 5 == 0, -9.0, 1.62) * 40.0 / fan_out
    return sp.csr_matrix((np.repeat(weight, fan_out), post.ravel(), np.arange(n + 1) * fan_out), shape=(n, n))


def test_multi_chip_ring_of_200k_neurons_and_20m_synapses_is_bit_identical(mpiexec, tmp_path):
    """The issue's size: 200,000 neurons and 20,000,000 synapses over several chips."""
    n, fan_out = 200_000, 100  # 100 inputs per neuron: 655 neurons per core by synapse memory, 306 cores
    net = nc.Network("ring", dt=0.1, seed=1)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    a = net.population("a", n // 2, lif, v_init=nc.Uniform(-60.0, -50.0))
    b = net.population("b", n // 2, lif, v_init=nc.Uniform(-60.0, -50.0))
    ring = _ring(n, fan_out)
    half = n // 2
    for (pre, post), rows, cols in (((a, a), slice(0, half), slice(0, half)), ((a, b), slice(0, half), slice(half, n)),
                                    ((b, a), slice(half, n), slice(0, half)), ((b, b), slice(half, n), slice(half, n))):
        block = ring[rows][:, cols].tocsr()
        if block.nnz:
            net.connect(pre, post, nc.Explicit(block))
    del ring
    assert net.n_synapses >= 20_000_000
    net.probe(a[:300], "spikes")
    net.probe(b[-300:], "spikes")
    net.probe(b[-3:], "v")
    # Two chips of 160 cores (5 x 8 tiles) hold the 306 cores about evenly: one per rank.
    emu = load_target("emu")
    target = dataclasses.replace(emu, name="emu-2x160", chip=dataclasses.replace(emu.chip, mesh_rows=5, mesh_cols=8,
                                                                                   cores=160),
                                 board=dataclasses.replace(emu.board, chips=2, chip_rows=1, chip_cols=2))
    program = compile_quietly(net, target, placer="sequential")
    assert program.summary()["chips_used"] == 2
    path = tmp_path / "ring.ncp"
    program.save(path)
    del net
    out = tmp_path / "ring.npz"
    code, stdout, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 5, "--out", out)
    assert code == 0, stderr
    assert "partitioned by chip" in stdout
    expected = expected_arrays(program.run(5.0))
    assert expected["stats/inter_chip_per_step" if "stats/inter_chip_per_step" in expected
                    else "stats/hops_inter_chip_per_step"].sum() > 0  # spikes do cross chips
    assert_same_arrays(out, expected)


def test_bad_inputs_of_a_partitioned_run_are_the_single_process_error_on_every_rank(mpiexec, cnn, tmp_path):
    path, program = cnn
    np.savez(tmp_path / "bad.npz", input=np.zeros((7, 2312), dtype=bool))  # 7 steps, the run has 10
    code, _, stderr = launch(mpiexec, *neurocompile_cli(), "run", path, "--duration", 1.0, "--inputs",
                             tmp_path / "bad.npz")
    assert code != 0
    lines = _errors(stderr)
    with pytest.raises(nc.NetworkError) as single:
        program.run(1.0, inputs={"input": np.zeros((7, 2312), dtype=bool)})
    assert len(lines) == 2 and all(str(single.value) in line for line in lines), stderr


def test_adex_with_step_currents_and_a_poisson_drive_is_bit_identical(mpiexec, tmp_path):
    net = nc.Network("adex_mix", dt=0.1, seed=3)
    adex = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0, b=80.5,
                   V_reset=-70.6, V_peak=-40.4, refractory=0.0, tau_syn=5.0)
    drive = net.population("drive", 200, nc.PoissonSource(40.0))
    a = net.population("a", 1500, adex)  # two cores: the ranks get one each
    b = net.population("b", 700, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0))
    net.connect(drive, a, nc.FixedProbability(0.1), weight=nc.Uniform(20.0, 60.0), delay=nc.Uniform(0.1, 2.0))
    net.connect(a, b, nc.FixedProbability(0.05), weight=3.0, delay=1.0)
    net.connect(b, a, nc.FixedProbability(0.05), weight=-30.0, delay=0.5)
    net.current(a[:700], nc.StepCurrent(times=[2.0, 25.0], amplitudes=[3000.0, 0.0]))
    net.probe(a, "spikes")
    net.probe(b, "spikes")
    net.probe(a[::100], "v")
    net.probe(b[::50], "v")
    program = compile_quietly(net, placer="sequential")
    path = tmp_path / "adex.ncp"
    program.save(path)
    out = tmp_path / "adex.npz"
    code, _, stderr = launch(mpiexec, sys.executable, JOB, "api", path, 30, out)
    assert code == 0, stderr
    expected = expected_arrays(program.run(30.0))
    assert expected["counts/a"].sum() > 0 and expected["counts/b"].sum() > 0
    assert_same_arrays(out, expected)


def test_receptor_elements_keep_every_neuron_on_every_rank_and_stay_bit_identical(mpiexec, tmp_path):
    receptors = {"ampa": nc.CondExp(tau=5.0, E_rev=0.0), "gaba": nc.CondExp(tau=10.0, E_rev=-80.0)}
    net = nc.Network("receptors", dt=0.1, seed=5)
    drive = net.population("drive", 300, nc.PoissonSource(30.0))
    e = net.population("e", 1500, nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-65.0, v_th=-50.0, refractory=2.0,
                                         receptors=receptors))
    net.connect(drive, e, nc.FixedProbability(0.1), weight=nc.Uniform(0.2, 0.6), receptor="ampa")
    net.connect(e, e, nc.FixedProbability(0.02), weight=0.3, receptor="gaba", delay=1.0)
    net.probe(e, "spikes")
    net.probe(e[::150], "v")
    net.probe(e[::150], "g_ampa")
    net.probe(e[::150], "g_gaba")
    program = compile_quietly(net, placer="sequential")
    path = tmp_path / "receptors.ncp"
    program.save(path)
    out = tmp_path / "receptors.npz"
    code, _, stderr = launch(mpiexec, sys.executable, JOB, "api", path, 20, out)
    assert code == 0, stderr
    expected = expected_arrays(program.run(20.0))
    assert expected["counts/e"].sum() > 0
    assert_same_arrays(out, expected)


def _two_ranks_with_delays(stp=None):
    """Populations a and b on the two ranks (one core each), connected both ways with delays
    of 0.7-2.0 ms (7-20 steps; ``stp`` on a -> b) and driven by a Poisson source with 0.1 ms
    delays (on every rank: it never crosses); returns the program and the shortest delay of a
    synapse between the ranks, from its placement and synapses."""
    from neurocompile.mpi.partition import owners, plan

    net = nc.Network("window", dt=0.1, seed=7)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=1.0)
    drive = net.population("drive", 300, nc.PoissonSource(60.0))
    a = net.population("a", 1024, lif)  # one core each (the emu target's 1024 neurons per core)
    b = net.population("b", 1024, lif)
    net.connect(drive, a, nc.FixedProbability(0.1), weight=nc.Uniform(4.0, 9.0), delay=0.1)
    net.connect(drive, b, nc.FixedProbability(0.05), weight=nc.Uniform(4.0, 9.0), delay=0.1)
    net.connect(a, b, nc.FixedProbability(0.05), weight=2.0, delay=nc.Uniform(0.7, 2.0), stp=stp)
    net.connect(b, a, nc.FixedProbability(0.05), weight=-3.0, delay=1.5)
    net.connect(a, a, nc.FixedProbability(0.02), weight=1.0, delay=0.1)  # within a rank: any delay
    net.probe(a, "spikes")
    net.probe(b, "spikes")
    net.probe(a[::200], "v")
    net.probe(b[::200], "v")
    program = compile_quietly(net, placer="sequential")
    q = program.quantized
    partition = plan(program.placement, 2)
    order = list(q.populations)
    start = dict(zip(order, np.cumsum([0] + [q.populations[n].size for n in order])))
    owner = owners(program.placement, order, {}, partition)
    crossing = []
    for qp in q.projections:
        if q.populations[qp.pre].is_source:
            continue
        pre = start[qp.pre] + np.repeat(np.arange(qp.indptr.size - 1), np.diff(qp.indptr))
        post = start[qp.post] + np.asarray(qp.post_index)
        crossing.append(np.asarray(qp.delay_steps)[owner[pre] != owner[post]])
    return program, int(np.concatenate(crossing).min())


def _run_two_ranks(mpiexec, program, tmp_path, duration: float):
    """The 2-rank run's exchange record of each rank, after checking the result is the single
    process's array by array."""
    path, out = tmp_path / "window.ncp", tmp_path / "window.npz"
    program.save(path)
    code, _, stderr = launch(mpiexec, sys.executable, JOB, "api", path, duration, out)
    assert code == 0, stderr
    expected = expected_arrays(program.run(duration))
    assert expected["counts/a"].sum() > 0 and expected["counts/b"].sum() > 0
    assert_same_arrays(out, expected)
    return [json.loads(Path(f"{out}.rank{rank}.json").read_text()) for rank in (0, 1)]


def test_spikes_cross_ranks_once_per_window_of_the_shortest_crossing_delay(mpiexec, tmp_path):
    """The ranks exchange the spikes of 7 steps at a time: ceil(steps / 7) exchanges, and the
    result -- spikes, traces, per-step counters, energy, latency -- is bit-identical."""
    program, window = _two_ranks_with_delays()
    assert window == 7  # 0.7 ms at dt 0.1 ms: the test is about a window of several steps
    steps = 100
    for exchange in _run_two_ranks(mpiexec, program, tmp_path, steps * program.quantized.dt):
        assert exchange["window"] == window
        assert exchange["steps"] == steps
        assert exchange["exchanges"] == -(-steps // window)  # ceil: the last window is shorter
        assert exchange["received"] > 0  # spikes did cross ranks


def test_short_term_plasticity_across_ranks_exchanges_every_step(mpiexec, tmp_path):
    """A synapse from another rank with short-term plasticity: its efficacy relaxes every step
    before the step's spikes, so its spikes are delivered in their own step (window 1), and the
    result is bit-identical. Over 300 steps the neurons of a spike again while their efficacy
    still relaxes: delivered 7 steps late, their spikes would change b's (checked by hand with
    the window forced to 7)."""
    program, shortest = _two_ranks_with_delays(stp=nc.TsodyksMarkram(U=0.3, tau_rec=50.0, tau_fac=20.0))
    assert shortest == 7
    steps = 300
    for exchange in _run_two_ranks(mpiexec, program, tmp_path, steps * program.quantized.dt):
        assert (exchange["window"], exchange["exchanges"]) == (1, steps)
        assert exchange["received"] > 0
