"""The float reference of DiscreteLIF / DiscreteLI: the per-step update as written.

The deeper networks are built from the update equations in ../shared/nir-clients/README.md
(snnTorch 1.0's Leaky and Synaptic) in numpy, and must agree with ``nc.simulate`` bit for bit:
every spike of every layer, per-neuron decays and thresholds, biases of either sign.
"""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError
from tests.helpers import layer_rasters, random_trained_layers, snntorch_numpy_run, trained_network

STEPS = 30


def random_raster(seed: int, steps: int, n: int, p: float = 0.3) -> np.ndarray:
    return np.random.default_rng(seed).random((steps, n)) < p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deeper_network_equals_numpy_snntorch_equations_bit_for_bit(seed):
    layers = random_trained_layers(seed)
    raster = random_raster(100 + seed, STEPS, layers[0].weight.shape[0])
    expected = snntorch_numpy_run(layers, raster)
    net = trained_network(layers, raster=raster)
    result = nc.simulate(net, (STEPS + len(layers)) * net.dt)
    got = layer_rasters(result, len(layers), STEPS)
    spikes = sum(int(e.sum()) for e in expected)
    assert spikes > 200  # every layer is active, so the comparison means something
    for k, (e, g) in enumerate(zip(expected, got), start=1):
        assert e.any(), f"layer {k} silent"
        np.testing.assert_array_equal(g, e, err_msg=f"layer l{k}")


def test_batched_simulate_equals_separate_runs_and_the_numpy_equations():
    layers = random_trained_layers(5)
    batch = np.stack([random_raster(s, STEPS, layers[0].weight.shape[0]) for s in range(4)])
    padded = np.concatenate([batch, np.zeros((4, len(layers), batch.shape[2]), dtype=bool)], axis=1)
    net = trained_network(layers)
    duration = (STEPS + len(layers)) * net.dt
    results = nc.simulate(net, duration, inputs={"input": padded})
    assert isinstance(results, list) and len(results) == 4
    for b, result in enumerate(results):
        single = nc.simulate(trained_network(layers, raster=batch[b]), duration)
        for k in range(1, len(layers) + 1):
            np.testing.assert_array_equal(result.spikes(f"l{k}"), single.spikes(f"l{k}"))
        expected = snntorch_numpy_run(layers, batch[b])
        for e, g in zip(expected, layer_rasters(result, len(layers), STEPS)):
            np.testing.assert_array_equal(g, e)


def test_state_extremes_are_what_each_neuron_reached():
    net = nc.Network("one", dt=1.0)
    src = net.spike_source("src", 1, times=[0.0, 1.0, 2.0], indices=[0, 0, 0])
    pop = net.population("n", 2, nc.DiscreteLIF(beta=0.5, threshold=10.0, bias=[0.0, -1.0]))
    net.connect(src, pop, nc.Explicit(np.array([[2.0, 0.0]])))
    result = nc.simulate(net, 8.0)
    low, high = result.state_extremes("n", "v")
    # over the 8 steps run (the initial state is not counted): neuron 0: v = 0, 2, 3, 3.5,
    # then decays; neuron 1: v = -1, -1.5, ... -(2 - 2**-7) (bias -1, beta 0.5)
    assert high[0] == 3.5 and low[0] == 0.0
    assert low[1] == -(2 - 2 ** -7) and high[1] == -1.0


def _one_neuron(**params):
    net = nc.Network("one", dt=1.0)
    pop = net.population("n", 1, nc.DiscreteLIF(**params))
    net.probe(pop, "v")
    net.probe(pop, "spikes")
    return net, pop


@pytest.mark.parametrize("reset,delay,expected_v,expected_steps", [
    # bias 0.6 per step, beta 1, threshold 1: v = 0.6, 1.2 (spike) ...
    ("subtract", 0, [0.6, 0.2, 0.8, 1.4 - 1.0, 1.0], [1, 3]),
    ("zero", 0, [0.6, 0.0, 0.6, 0.0, 0.6], [1, 3]),
    ("subtract", 1, [0.6, 1.2, 0.8, 1.4, 1.0], [1, 3]),
    ("zero", 1, [0.6, 1.2, 0.0, 0.6, 1.2], [1, 4]),
    ("none", 0, [0.6, 1.2, 1.8, 2.4, 3.0], [1, 2, 3, 4]),
])
def test_reset_rules_and_their_timing(reset, delay, expected_v, expected_steps):
    net, pop = _one_neuron(beta=1.0, threshold=1.0, bias=0.6, reset=reset, reset_delay=delay)
    result = nc.simulate(net, 5.0)
    np.testing.assert_allclose(result.trace("n", "v")[:, 0], expected_v, atol=1e-12)
    assert result.spike_steps("n")[0].tolist() == expected_steps


def test_non_strict_threshold_spikes_at_equality():
    strict, _ = _one_neuron(beta=1.0, threshold=1.0, bias=0.5, reset="zero")
    loose, _ = _one_neuron(beta=1.0, threshold=1.0, bias=0.5, reset="zero", strict=0)
    assert nc.simulate(strict, 4.0).spike_steps("n")[0].tolist() == [2]
    assert nc.simulate(loose, 4.0).spike_steps("n")[0].tolist() == [1, 3]


def test_bias_starts_at_its_onset():
    net, _ = _one_neuron(beta=1.0, threshold=10.0, bias=1.0, bias_onset=2.0)
    v = nc.simulate(net, 5.0).trace("n", "v")[:, 0]
    np.testing.assert_allclose(v, [0.0, 0.0, 1.0, 2.0, 3.0])


def test_synaptic_current_decays_by_alpha_and_feeds_v_undecayed():
    net = nc.Network("syn", dt=1.0)
    src = net.spike_source("src", 1, times=[0.0], indices=[0])
    pop = net.population("n", 1, nc.DiscreteLI(beta=0.5, alpha=0.25))
    net.connect(src, pop, nc.Explicit(np.array([[1.0]])))
    net.probe(pop, "v")
    net.probe(pop, "I_syn")
    r = nc.simulate(net, 4.0)
    np.testing.assert_allclose(r.trace("n", "I_syn")[:, 0], [0.0, 1.0, 0.25, 0.0625])
    np.testing.assert_allclose(r.trace("n", "v")[:, 0], [0.0, 1.0, 0.75, 0.4375])


@pytest.mark.parametrize("params,match", [
    (dict(beta=1.2, threshold=1.0), r"DiscreteLIF.*beta.*1\.2.*0\.\.1"),
    (dict(beta=0.9, alpha=1.0, threshold=1.0), r"alpha.*must be < 1"),
    (dict(beta=0.9, threshold=-1.0), r"threshold"),
    (dict(beta=0.9, threshold=1.0, reset="hard"), r"reset.*'hard'"),
    (dict(beta=0.9, threshold=1.0, tau_mem=10.0), r"tau_mem"),
    (dict(beta=0.9, threshold=1.0, bias_onset=-1.0), r"bias_onset"),
])
def test_bad_parameters_are_named_errors(params, match):
    with pytest.raises(NetworkError, match=match):
        nc.DiscreteLIF(**params)
