"""Batched runs (one program, several input samples) against one run per sample, on both engines."""
from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import adex_network, assert_same, compile_quietly, input_network, lif_network, negative_exponent_network


def batch_inputs(build, rng, n_steps, batch=3):
    """Per-sample inputs for the three path networks (a raster for a source, currents elsewhere)."""
    if build is lif_network:
        return {"noise": rng.random((batch, n_steps, 60)) < 0.025, "a": rng.uniform(0.0, 0.6, (batch, 120))}
    if build is negative_exponent_network:
        return {"n": rng.uniform(0.0, 0.8, (batch, 30))}
    return {"lif": rng.uniform(0.0, 0.9, (batch, 10))}


def test_batched_run_equals_separate_runs():
    prog = compile_quietly(input_network(), placer="sequential")
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
    prog = compile_quietly(input_network(), placer="sequential")
    spikes = np.random.default_rng(1).random((3, 100, 16)) < 0.08
    fast = prog.run(10.0, inputs={"pixels": spikes})
    ref = prog.run(10.0, inputs={"pixels": spikes}, engine="numpy")
    for a, b in zip(fast, ref):
        assert_same(a, b)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("build", [lif_network, negative_exponent_network, adex_network])
def test_batched_kernel_equals_single_runs_on_every_path(build, threads, monkeypatch):
    """LIF/LI, AdEx, delays, negative-exponent rings, bias updates and traces, batched (in
    chunks of 2 samples, in one or two threads) against one run per sample."""
    from neurocompile.emu import run

    monkeypatch.setattr(run, "BATCH_CHUNK", 2)
    prog = compile_quietly(build(), placer="sequential")
    n_steps = 250
    inputs = batch_inputs(build, np.random.default_rng(4), n_steps)
    batched = run.emulate(prog, 25.0, inputs=inputs, threads=threads)
    assert len(batched) == 3
    for b, result in enumerate(batched):
        single = prog.run(25.0, inputs={name: value[b] for name, value in inputs.items()})
        assert_same(result, single)
        assert_same(result, run.emulate(prog, 25.0, inputs={name: value[b] for name, value in inputs.items()},
                                        engine="numpy"))
    assert len({int(sum(c.sum() for c in r.counts.values())) for r in batched}) > 1
