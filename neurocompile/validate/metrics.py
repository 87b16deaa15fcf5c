"""Spike-train statistics used to compare a chip run with the float reference (vectorised).

Conventions: spikes are given as (step, neuron) index arrays of the probed neurons, neuron
indices running from 0 to ``n_neurons - 1``; ``dt`` and time constants in ms; rates in Hz.
"""
from __future__ import annotations

import numpy as np


def per_neuron_isi_cv(steps: np.ndarray, ids: np.ndarray, dt: float) -> np.ndarray:
    """Coefficient of variation (std / mean) of the inter-spike intervals, one value per neuron
    with at least 3 spikes (2 intervals); a perfectly regular train gives 0."""
    steps, ids = np.asarray(steps), np.asarray(ids)
    if steps.size < 3:
        return np.zeros(0)
    order = np.lexsort((steps, ids))
    s, n = steps[order] * dt, ids[order]
    isi = np.diff(s)
    same = n[1:] == n[:-1]
    isi, owner = isi[same], n[1:][same]
    if isi.size == 0:
        return np.zeros(0)
    _, inverse, counts = np.unique(owner, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()  # numpy 2.0.x returns it with the input's shape
    mean = np.bincount(inverse, isi) / counts
    var = np.bincount(inverse, isi**2) / counts - mean**2
    keep = counts >= 2
    return np.sqrt(np.maximum(var[keep], 0)) / mean[keep]


def fano_factor(steps: np.ndarray, ids: np.ndarray, n_neurons: int, n_steps: int,
                window_steps: int) -> float:
    """Mean over active neurons of var/mean of the spike counts in consecutive windows.

    Poisson trains give about 1, regular trains less. Nan when there are fewer than two
    whole windows or no spike.
    """
    steps, ids = np.asarray(steps), np.asarray(ids)
    n_windows = n_steps // window_steps
    if n_windows < 2 or steps.size == 0:
        return float("nan")
    keep = steps < n_windows * window_steps
    counts = np.zeros((n_neurons, n_windows))
    np.add.at(counts, (ids[keep], steps[keep] // window_steps), 1)
    mean = counts.mean(axis=1)
    active = mean > 0
    if not active.any():
        return float("nan")
    return float(np.mean(counts[active].var(axis=1) / mean[active]))


def timing_agreement(a_steps, a_ids, b_steps, b_ids, tolerance_steps: int) -> float:
    """Fraction of spikes of either run with a spike of the same neuron within the tolerance.

    Computed symmetrically: (matched spikes of a + matched spikes of b) / all spikes; 1.0 when
    neither run has a spike.
    """
    a_steps, a_ids = np.asarray(a_steps, np.int64), np.asarray(a_ids, np.int64)
    b_steps, b_ids = np.asarray(b_steps, np.int64), np.asarray(b_ids, np.int64)
    total = a_steps.size + b_steps.size
    if total == 0:
        return 1.0
    # One int64 key per spike: neuron in the high bits, step + 1 in the low 32 (so step -1,
    # probed for the tolerance, stays non-negative and matches nothing).
    key_a = np.unique(a_ids << 32 | (a_steps + 1))
    key_b = np.unique(b_ids << 32 | (b_steps + 1))

    def matched(steps, ids, keys):
        hit = np.zeros(steps.size, dtype=bool)
        for shift in range(-tolerance_steps, tolerance_steps + 1):
            hit |= np.isin(ids << 32 | (steps + 1 + shift), keys)
        return int(hit.sum())

    return (matched(a_steps, a_ids, key_b) + matched(b_steps, b_ids, key_a)) / total


def van_rossum(a_steps, a_ids, b_steps, b_ids, n_neurons: int, n_steps: int, dt: float,
               tau: float) -> float:
    """Mean over neurons of the van Rossum (2001) distance with time constant ``tau`` ms.

    ``D^2 = (1/tau) * integral (f - g)^2 dt``, where f and g are the spike trains convolved
    with ``exp(-t/tau)`` (t >= 0), integrated to infinity. Spikes sit on the step grid, so
    between grid points the difference decays exactly exponentially and the integral is
    evaluated exactly: one unmatched spike gives D = sqrt(1/2), one spike shifted by s ms gives
    ``D = sqrt(1 - exp(-s/tau))``. Neurons without spikes in either run count with D = 0.
    """
    from scipy.signal import lfilter

    a_steps, a_ids = np.asarray(a_steps, np.int64), np.asarray(a_ids, np.int64)
    b_steps, b_ids = np.asarray(b_steps, np.int64), np.asarray(b_ids, np.int64)
    if n_neurons == 0:
        return 0.0
    decay = np.exp(-dt / tau)
    # integral over one step of (x * exp(-t/tau))^2, divided by tau: x^2 * (1 - decay^2) / 2
    per_step = (1.0 - decay**2) / 2.0
    totals = np.zeros(n_neurons)
    active = np.union1d(a_ids, b_ids)  # neurons without spikes contribute 0: skip them
    chunk = max(1, 4_000_000 // max(n_steps, 1))  # bounded memory: steps x chunk floats
    for lo in range(0, active.size, chunk):
        cols = active[lo:lo + chunk]
        events = np.zeros((n_steps, cols.size))
        sel_a, sel_b = np.isin(a_ids, cols), np.isin(b_ids, cols)
        np.add.at(events, (a_steps[sel_a], np.searchsorted(cols, a_ids[sel_a])), 1.0)
        np.add.at(events, (b_steps[sel_b], np.searchsorted(cols, b_ids[sel_b])), -1.0)
        filtered = lfilter([1.0], [1.0, -decay], events, axis=0)
        # After the run the difference keeps decaying: the geometric tail is added exactly.
        squares = (filtered**2).sum(axis=0) + filtered[-1] ** 2 * decay**2 / (1 - decay**2)
        totals[cols] = squares * per_step
    return float(np.mean(np.sqrt(totals)))


def first_spike_latency_error(a_steps, a_ids, b_steps, b_ids, dt: float) -> float:
    """Mean |difference| of the first spike times (ms) of neurons that spike in both runs
    (nan if there is no such neuron)."""
    def first(steps, ids):
        steps, ids = np.asarray(steps, np.int64), np.asarray(ids, np.int64)
        order = np.lexsort((steps, ids))
        uniq, index = np.unique(ids[order], return_index=True)
        return uniq, steps[order][index]

    ua, fa = first(a_steps, a_ids)
    ub, fb = first(b_steps, b_ids)
    common, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    if common.size == 0:
        return float("nan")
    return float(np.mean(np.abs(fa[ia] - fb[ib])) * dt)


def ks_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (max distance of the empirical CDFs), in [0, 1]."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.size == 0 or y.size == 0:
        return float("nan")
    grid = np.sort(np.concatenate([x, y]))
    cdf_x = np.searchsorted(np.sort(x), grid, side="right") / x.size
    cdf_y = np.searchsorted(np.sort(y), grid, side="right") / y.size
    return float(np.max(np.abs(cdf_x - cdf_y)))
