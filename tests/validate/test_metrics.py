"""Spike-train metrics (neurocompile.validate.metrics) on synthetic spike trains with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.validate import metrics

DT = 0.1


def _arrays(*pairs):
    steps = np.array([s for s, _ in pairs], dtype=np.int64)
    ids = np.array([i for _, i in pairs], dtype=np.int64)
    return steps, ids


@pytest.mark.parametrize("shift_steps", [1, 10, 50, 200])
def test_van_rossum_of_one_shifted_spike_is_exact(shift_steps):
    tau = 10.0
    a = _arrays((100, 0))
    b = _arrays((100 + shift_steps, 0))
    d = metrics.van_rossum(*a, *b, n_neurons=1, n_steps=1000, dt=DT, tau=tau)
    assert d == pytest.approx(np.sqrt(1 - np.exp(-shift_steps * DT / tau)), rel=1e-9)


def test_van_rossum_of_one_unmatched_spike_is_sqrt_half_even_at_the_end_of_the_run():
    for step in (0, 500, 999):
        a = _arrays((step, 0))
        d = metrics.van_rossum(*a, np.zeros(0, int), np.zeros(0, int), 1, 1000, DT, 10.0)
        assert d == pytest.approx(np.sqrt(0.5), rel=1e-9)


def test_van_rossum_is_zero_for_identical_trains_and_averages_over_neurons():
    a = _arrays((10, 0), (50, 1), (70, 1))
    assert metrics.van_rossum(*a, *a, 4, 100, DT, 5.0) == 0.0
    # neuron 0 identical, neuron 1 has one extra spike, neurons 2 and 3 silent: mean of
    # (0, sqrt(1/2), 0, 0)
    b = _arrays((10, 0), (50, 1))
    assert metrics.van_rossum(*a, *b, 4, 100, DT, 5.0) == pytest.approx(np.sqrt(0.5) / 4, rel=1e-9)


def _exact_van_rossum(a_ms, b_ms, tau):
    """Closed form: D^2 = 1/2 sum_ij s_i s_j exp(-|t_i - t_j| / tau), s = +1 for a, -1 for b."""
    t = np.concatenate([a_ms, b_ms])
    sign = np.concatenate([np.ones(len(a_ms)), -np.ones(len(b_ms))])
    return float(np.sqrt(0.5 * sign @ np.exp(-np.abs(t[:, None] - t[None, :]) / tau) @ sign))


def test_van_rossum_matches_the_closed_form_for_several_spikes():
    rng = np.random.default_rng(4)
    a = np.sort(rng.choice(2000, 12, replace=False))
    b = np.sort(rng.choice(2000, 9, replace=False))
    d = metrics.van_rossum(a, np.zeros_like(a), b, np.zeros_like(b), 1, 2000, DT, 7.0)
    assert d == pytest.approx(_exact_van_rossum(a * DT, b * DT, 7.0), rel=1e-9)


def test_timing_agreement_counts_same_step_and_one_step_matches_symmetrically():
    a = _arrays((10, 0), (20, 0), (30, 1), (40, 2))
    b = _arrays((10, 0), (21, 0), (32, 1), (0, 3))
    # same step: 10/0 in both -> 2 of 8 spikes
    assert metrics.timing_agreement(*a, *b, 0) == pytest.approx(2 / 8)
    # within one step: also 20 <-> 21 -> 4 of 8
    assert metrics.timing_agreement(*a, *b, 1) == pytest.approx(4 / 8)
    # within two steps: also 30 <-> 32 -> 6 of 8
    assert metrics.timing_agreement(*a, *b, 2) == pytest.approx(6 / 8)
    empty = np.zeros(0, int)
    assert metrics.timing_agreement(empty, empty, empty, empty, 1) == 1.0


def test_timing_agreement_does_not_match_across_neurons_or_below_step_zero():
    a = _arrays((0, 0))
    b = _arrays((0, 1))
    assert metrics.timing_agreement(*a, *b, 1) == 0.0


def test_first_spike_latency_error_uses_neurons_spiking_in_both_runs():
    a = _arrays((10, 0), (5, 1), (30, 1), (7, 2))
    b = _arrays((13, 0), (1, 1), (2, 3))
    # neuron 0: |10 - 13| = 3 steps, neuron 1: |5 - 1| = 4 steps -> mean 3.5 steps
    assert metrics.first_spike_latency_error(*a, *b, DT) == pytest.approx(0.35)
    assert np.isnan(metrics.first_spike_latency_error(*_arrays((1, 0)), *_arrays((1, 1)), DT))


def test_isi_cv_of_a_regular_train_is_zero_and_of_a_poisson_train_is_about_one():
    steps = np.arange(0, 10000, 100)
    cv = metrics.per_neuron_isi_cv(steps, np.zeros_like(steps), DT)
    assert cv.shape == (1,) and cv[0] == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(1)
    raster = rng.random((200_000, 20)) < 0.002            # 20 Hz at dt = 0.1 ms
    s, i = np.nonzero(raster)
    cv = metrics.per_neuron_isi_cv(s, i, DT)
    assert cv.shape == (20,)
    assert abs(cv.mean() - 1.0) < 0.05


def test_isi_cv_skips_neurons_with_fewer_than_three_spikes():
    s, i = _arrays((0, 0), (10, 0), (0, 1), (10, 1), (30, 1))
    cv = metrics.per_neuron_isi_cv(s, i, DT)
    assert cv.shape == (1,)
    assert cv[0] == pytest.approx(np.std([10, 20]) / np.mean([10, 20]))


def test_fano_factor_of_poisson_is_about_one_and_of_regular_is_zero():
    rng = np.random.default_rng(2)
    n_steps, window = 200_000, 1000
    raster = rng.random((n_steps, 30)) < 0.003
    s, i = np.nonzero(raster)
    assert metrics.fano_factor(s, i, 30, n_steps, window) == pytest.approx(1.0, abs=0.1)
    regular = np.arange(0, n_steps, 100)                 # exactly 10 spikes per window
    assert metrics.fano_factor(regular, np.zeros_like(regular), 1, n_steps, window) == 0.0
    assert np.isnan(metrics.fano_factor(regular, np.zeros_like(regular), 1, 1500, window))


def test_ks_statistic():
    x = np.arange(10.0)
    assert metrics.ks_statistic(x, x) == 0.0
    assert metrics.ks_statistic(x, x + 100) == 1.0
    assert metrics.ks_statistic(x, x + 5) == pytest.approx(0.5)
    rng = np.random.default_rng(3)
    assert metrics.ks_statistic(rng.normal(size=4000), rng.normal(size=4000)) < 0.05
    assert np.isnan(metrics.ks_statistic(x, np.zeros(0)))
