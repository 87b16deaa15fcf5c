"""Spike-train statistics used to compare a chip run with the float reference (vectorised).

Conventions: spikes are given as (step, neuron) index arrays of the probed neurons; ``dt`` in
ms; rates in Hz.
"""
from __future__ import annotations

import numpy as np


def per_neuron_isi_cv(steps: np.ndarray, ids: np.ndarray, dt: float) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals of neurons with >= 3 spikes."""
    if steps.size < 3:
        return np.zeros(0)
    order = np.lexsort((steps, ids))
    s, n = steps[order] * dt, ids[order]
    isi = np.diff(s)
    same = n[1:] == n[:-1]
    isi, owner = isi[same], n[1:][same]
    if isi.size == 0:
        return np.zeros(0)
    uniq, inverse, counts = np.unique(owner, return_inverse=True, return_counts=True)
    mean = np.bincount(inverse, isi) / counts
    var = np.bincount(inverse, isi**2) / counts - mean**2
    keep = counts >= 2
    return np.sqrt(np.maximum(var[keep], 0)) / mean[keep]


def fano_factor(steps: np.ndarray, ids: np.ndarray, n_neurons: int, n_steps: int,
                window_steps: int) -> float:
    """Mean over neurons of var/mean of spike counts in consecutive windows (nan if undefined)."""
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

    Computed symmetrically: matched spikes of a plus matched spikes of b over all spikes.
    """
    total = a_steps.size + b_steps.size
    if total == 0:
        return 1.0
    key_b = np.unique(b_ids.astype(np.int64) << 32 | b_steps.astype(np.int64))
    key_a = np.unique(a_ids.astype(np.int64) << 32 | a_steps.astype(np.int64))

    def matched(steps, ids, keys):
        hit = np.zeros(steps.size, dtype=bool)
        for shift in range(-tolerance_steps, tolerance_steps + 1):
            probe = ids.astype(np.int64) << 32 | (steps.astype(np.int64) + shift)
            hit |= np.isin(probe, keys)
        return int(hit.sum())

    return (matched(a_steps, a_ids, key_b) + matched(b_steps, b_ids, key_a)) / total


def van_rossum(a_steps, a_ids, b_steps, b_ids, n_neurons: int, n_steps: int, dt: float,
               tau: float) -> float:
    """Mean over neurons of the van Rossum distance (tau in ms), computed on the step grid.

    D^2 = (1/tau) * integral (f - g)^2 dt with f, g the spike trains filtered by exp(-t/tau);
    a single unmatched spike gives D = sqrt(1/2).
    """
    from scipy.signal import lfilter

    if n_neurons == 0:
        return 0.0
    decay = np.exp(-dt / tau)
    totals = np.zeros(n_neurons)
    chunk = max(1, 4_000_000 // max(n_steps, 1))  # bounded memory: steps x chunk floats
    for lo in range(0, n_neurons, chunk):
        hi = min(n_neurons, lo + chunk)
        events = np.zeros((n_steps, hi - lo))
        sel_a = (a_ids >= lo) & (a_ids < hi)
        sel_b = (b_ids >= lo) & (b_ids < hi)
        np.add.at(events, (a_steps[sel_a], a_ids[sel_a] - lo), 1.0)
        np.add.at(events, (b_steps[sel_b], b_ids[sel_b] - lo), -1.0)
        filtered = lfilter([1.0], [1.0, -decay], events, axis=0)
        # The filtered difference keeps decaying after the run ends: add that tail exactly.
        totals[lo:hi] = (filtered**2).sum(axis=0) + filtered[-1] ** 2 * decay**2 / (1 - decay**2)
    return float(np.mean(np.sqrt(totals * dt / tau)))


def first_spike_latency_error(a_steps, a_ids, b_steps, b_ids, dt: float) -> float:
    """Mean |difference| of the first spike times (ms) of neurons that spike in both runs."""
    def first(steps, ids):
        out = {}
        order = np.lexsort((steps, ids))
        ids_sorted, steps_sorted = ids[order], steps[order]
        uniq, index = np.unique(ids_sorted, return_index=True)
        return dict(zip(uniq.tolist(), steps_sorted[index].tolist())) if uniq.size else out

    fa, fb = first(a_steps, a_ids), first(b_steps, b_ids)
    common = fa.keys() & fb.keys()
    if not common:
        return float("nan")
    return float(np.mean([abs(fa[k] - fb[k]) for k in common]) * dt)


def ks_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (max distance of the empirical CDFs)."""
    if x.size == 0 or y.size == 0:
        return float("nan")
    grid = np.sort(np.concatenate([x, y]))
    cdf_x = np.searchsorted(np.sort(x), grid, side="right") / x.size
    cdf_y = np.searchsorted(np.sort(y), grid, side="right") / y.size
    return float(np.max(np.abs(cdf_x - cdf_y)))
