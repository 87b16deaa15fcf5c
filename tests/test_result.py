"""The Result API (neurocompile.result) on a float reference run: rasters, spike times, rates,
and errors naming what was not probed."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc

TAU_M = 20.0


@pytest.fixture(scope="module")
def small_result():
    net = nc.Network("api", dt=0.1)
    pop = net.population("p", 6, nc.LIF(tau_mem=TAU_M, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0,
                                         v_th=-50.0, refractory=1.0, bias=np.linspace(8.0, 30.0, 6)))
    other = net.population("q", 2, nc.LIF(tau_mem=TAU_M, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0,
                                           v_th=-50.0, bias=20.0))
    net.probe(pop[[4, 1, 5]], "spikes")
    net.probe(pop[[2]], "v")
    return nc.simulate(net, 200.0)


def test_result_spike_raster_shape_and_indices(small_result):
    raster = small_result.spikes("p")
    assert raster.shape == (2000, 3) and raster.dtype == bool
    assert small_result.spike_indices("p").tolist() == [1, 4, 5]
    np.testing.assert_array_equal(raster.sum(axis=0), small_result.counts["p"][[1, 4, 5]])
    assert small_result.times.shape == (2000,) and small_result.times[1] == pytest.approx(0.1)
    assert small_result.duration == pytest.approx(200.0) and small_result.backend == "reference"


def test_result_spike_times_are_sorted(small_result):
    times, ids = small_result.spike_times("p")
    steps, ids2 = small_result.spike_steps("p")
    assert times.size > 10 and set(ids.tolist()) == {1, 4, 5}
    order = np.lexsort((ids, times))
    np.testing.assert_array_equal(order, np.arange(times.size))
    np.testing.assert_allclose(times, steps * 0.1)
    np.testing.assert_array_equal(ids, ids2)


def test_result_rates_without_probe(small_result):
    rates_q = small_result.rates("q")
    assert rates_q.shape == (2,) and np.all(rates_q > 0)
    np.testing.assert_allclose(small_result.rates("p"), small_result.counts["p"] / 0.2)
    assert np.all(np.diff(small_result.rates("p")) >= 0)  # more drive, more spikes


def test_result_errors_name_what_was_not_probed(small_result):
    with pytest.raises(nc.NetworkError, match=r"Result: no trace of 'I_syn' for population 'p'; "
                       r"probed: p\.v\. Add net\.probe\(pop, 'I_syn'\) before running"):
        small_result.trace("p", "I_syn")
    with pytest.raises(nc.NetworkError, match=r"Result: no trace of 'v' for population 'q'"):
        small_result.trace("q", "v")
    with pytest.raises(nc.NetworkError, match=r"Result: spikes of population 'q' were not probed; add "
                       r"net\.probe\(net\['q'\], 'spikes'\) before running \(rates\(\) works without\)"):
        small_result.spikes("q")
    with pytest.raises(nc.NetworkError, match=r"Result: unknown population 'pp' \(did you mean 'p'\?\)"):
        small_result.rates("pp")
    assert small_result.trace("p", "v").shape == (2000, 1)
    assert small_result.trace_indices("p", "v").tolist() == [2]


def test_population_rate_is_the_probed_spikes_per_neuron_in_a_sliding_window(small_result):
    steps, _ = small_result.spike_steps("p")
    per_step = np.bincount(steps, minlength=2000)
    one_step = small_result.population_rate("p", bin_ms=0.1)
    assert one_step.shape == (2000,)
    np.testing.assert_allclose(one_step, per_step / (3 * 0.1e-3))   # 3 probed neurons
    rate = small_result.population_rate("p", bin_ms=10.0)          # 100 steps
    k = 1000                                                        # window 951..1050
    assert rate[k] == pytest.approx(per_step[951:1051].sum() / (3 * 10e-3))
    assert rate[0] == pytest.approx(per_step[:51].sum() / (3 * 5.1e-3))   # cut to the run
    mean_probed = small_result.rates("p")[[1, 4, 5]].mean()
    assert rate.mean() == pytest.approx(mean_probed, rel=0.05)


def test_population_rate_errors(small_result):
    with pytest.raises(nc.NetworkError, match="spikes of population 'q' were not probed"):
        small_result.population_rate("q")
    with pytest.raises(nc.NetworkError, match=r"Result.population_rate: bin_ms = 0 must be a finite time > 0 ms"):
        small_result.population_rate("p", bin_ms=0)
