"""Inputs: spike sources (Poisson, explicit spike trains) and injected step currents.

Spike sources are populations whose "model" emits predetermined spikes; they connect to
neurons through ordinary projections. Their spikes are generated on the host, with a seed,
identically for the float reference and for every chip back end.
"""
from __future__ import annotations

import numpy as np

from ..errors import NetworkError, invalid
from ..models.base import NeuronModel
from .distributions import _check_seed, derived_rng


class SpikeSourceModel(NeuronModel):
    """Base class of spike sources: no parameters table, no state, spikes from ``spikes_by_step``."""

    parameters: dict = {}
    state_variables: dict = {}
    spiking = True
    is_source = True

    def __init__(self):  # parameters are checked by each subclass's own __init__
        object.__setattr__(self, "_params", {})

    # Sources compare by identity: two Poisson sources with equal rates are still two sources.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def resolve(self, size, owner):
        return {}

    def spike_steps(self, size: int, n_steps: int, dt: float, network_seed: int, owner: str):
        """Boolean raster (n_steps, size) of the source's spikes (used for small runs/tests)."""
        raster = np.zeros((n_steps, size), dtype=bool)
        for step, idx in enumerate(self.iter_spikes(size, n_steps, dt, network_seed, owner)):
            raster[step, idx] = True
        return raster

    def iter_spikes(self, size, n_steps, dt, network_seed, owner):  # pragma: no cover
        raise NotImplementedError


class PoissonSource(SpikeSourceModel):
    """Independent Poisson spike trains at ``rate`` Hz (scalar or one value per neuron).

    Spikes are drawn per time step as Bernoulli(rate * dt) (dt in s), between ``start`` and
    ``stop`` ms (``stop=None``: until the end). With ``seed=None`` the generator derives from
    the network's seed and the population's name.
    """

    def __init__(self, rate, seed: int | None = None, start: float = 0.0, stop: float | None = None):
        super().__init__()
        rate_arr = np.asarray(rate, dtype=np.float64)
        if rate_arr.ndim > 1 or not np.all(np.isfinite(rate_arr)) or np.any(rate_arr < 0):
            raise invalid("PoissonSource", "rate", rate, "must be finite and >= 0 Hz (scalar or 1-D)")
        if not np.isfinite(start) or start < 0:
            raise invalid("PoissonSource", "start", start, "must be >= 0 ms")
        if stop is not None and (not np.isfinite(stop) or stop < start):
            raise invalid("PoissonSource", "stop", stop, f"must be >= start = {start:g} ms")
        object.__setattr__(self, "rate", rate_arr)
        object.__setattr__(self, "seed", _check_seed("PoissonSource", seed))
        object.__setattr__(self, "start", float(start))
        object.__setattr__(self, "stop", None if stop is None else float(stop))

    def check(self, size: int, dt: float, owner: str) -> np.ndarray:
        """Per-neuron rates (size,) after checking their number and that rate * dt <= 1."""
        if self.rate.ndim == 1 and self.rate.shape[0] != size:
            raise invalid(f"PoissonSource '{owner}'", "rate", self.rate,
                          f"has {self.rate.shape[0]} values but the population has {size} neurons")
        rate = np.broadcast_to(self.rate, (size,))
        if np.any(rate * dt * 1e-3 > 1):
            raise invalid(f"PoissonSource '{owner}'", "rate", float(rate.max()),
                          f"Hz exceeds one spike per step (1/dt = {1e3 / dt:g} Hz at dt = {dt:g} ms)")
        _to_steps(np.asarray(self.start), dt, f"PoissonSource '{owner}'", "start")
        if self.stop is not None:
            _to_steps(np.asarray(self.stop), dt, f"PoissonSource '{owner}'", "stop")
        return rate

    def iter_spikes(self, size, n_steps, dt, network_seed, owner):
        """Yield, for each step, the sorted indices of neurons spiking in that step (int64; views
        into one array per block of steps: read them, do not change them)."""
        p = self.check(size, dt, owner) * dt * 1e-3
        rng = np.random.default_rng(self.seed) if self.seed is not None else derived_rng(
            network_seed, "poisson", owner)
        first = int(round(self.start / dt))
        last = n_steps if self.stop is None else min(n_steps, int(round(self.stop / dt)))
        chunk = max(1, min(1024, 4_000_000 // max(size, 1)))
        for step0 in range(0, n_steps, chunk):
            # Draw every step (active or not) so the stream does not depend on start/stop.
            block = rng.random((min(chunk, n_steps - step0), size)) < p
            # one nonzero per block, split by step (row-major: each step's indices ascend);
            # per-row flatnonzero cost more than the draws on small sources
            rows, indices = np.nonzero(block)
            bounds = np.searchsorted(rows, np.arange(block.shape[0] + 1))
            indices = indices.astype(np.int64, copy=False)
            for offset in range(block.shape[0]):
                step = step0 + offset
                if first <= step < last:
                    yield indices[bounds[offset]:bounds[offset + 1]]
                else:
                    yield np.zeros(0, dtype=np.int64)

    def __repr__(self):
        rate = f"{float(self.rate):g}" if self.rate.ndim == 0 else f"array[{self.rate.size}]"
        return f"PoissonSource(rate={rate} Hz, seed={self.seed})"


class SpikeTrains(SpikeSourceModel):
    """Explicit spike trains: ``times`` (ms) and ``indices`` (neuron of each spike), as arrays.

    Times are rounded to the nearest time step when the population is created; two spikes of
    one neuron in the same step are an error (a neuron spikes at most once per step). Build
    from a boolean raster with :meth:`from_raster`.
    """

    def __init__(self, times, indices):
        super().__init__()
        times = np.asarray(times, dtype=np.float64).ravel()
        indices = np.asarray(indices).ravel()
        if times.shape != indices.shape:
            raise NetworkError(
                f"SpikeTrains: times has {times.size} entries but indices has {indices.size}"
            )
        if indices.size and (indices.dtype.kind not in "iu" or indices.min() < 0):
            raise invalid("SpikeTrains", "indices", indices, "must be non-negative integers")
        if not np.all(np.isfinite(times)) or np.any(times < 0):
            raise invalid("SpikeTrains", "times", times, "must be finite and >= 0 ms")
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "indices", indices.astype(np.int64))

    @classmethod
    def from_raster(cls, raster, dt: float) -> "SpikeTrains":
        """From a boolean array (n_steps, n_neurons); step k becomes time k * dt ms."""
        raster = np.asarray(raster)
        if raster.ndim != 2:
            raise invalid("SpikeTrains.from_raster", "raster", raster, "must be 2-D (steps, neurons)")
        steps, idx = np.nonzero(raster)
        return cls(steps * float(dt), idx)

    def step_indices(self, size: int, dt: float, owner: str) -> tuple[np.ndarray, np.ndarray]:
        """Spikes as (step, neuron) arrays sorted by step, after checking them against ``size``."""
        if self.indices.size and self.indices.max() >= size:
            raise invalid(f"SpikeTrains '{owner}'", "indices", int(self.indices.max()),
                          f"is out of range for a population of {size} neurons")
        steps = np.rint(self.times / dt).astype(np.int64)
        order = np.lexsort((self.indices, steps))
        steps, idx = steps[order], self.indices[order]
        dup = (steps[1:] == steps[:-1]) & (idx[1:] == idx[:-1])
        if dup.any():
            k = int(np.flatnonzero(dup)[0])
            raise NetworkError(
                f"SpikeTrains '{owner}': neuron {idx[k]} has two spikes in step {steps[k]} "
                f"(t = {steps[k] * dt:g} ms at dt = {dt:g} ms); a neuron spikes at most once per step"
            )
        return steps, idx

    def iter_spikes(self, size, n_steps, dt, network_seed, owner):
        steps, idx = self.step_indices(size, dt, owner)
        bounds = np.searchsorted(steps, np.arange(n_steps + 1))
        for step in range(n_steps):
            yield idx[bounds[step]:bounds[step + 1]]

    def __repr__(self):
        return f"SpikeTrains({self.times.size} spikes)"


class StepCurrent:
    """A piecewise-constant current injected into neurons.

    From ``times[k]`` (ms) on, the current is ``amplitudes[k]``, until the next time; before the
    first time it is 0. The unit is the model's current unit: pA for AdEx, mV for LIF and LI
    (where currents are expressed as voltage, see :class:`~neurocompile.LIF`). Times must be
    increasing, non-negative and multiples of the network's ``dt``.
    """

    def __init__(self, times, amplitudes):
        times = np.asarray(times, dtype=np.float64).ravel()
        amplitudes = np.asarray(amplitudes, dtype=np.float64).ravel()
        if times.shape != amplitudes.shape or times.size == 0:
            raise NetworkError(
                f"StepCurrent: times has {times.size} entries and amplitudes {amplitudes.size}; "
                "they must be equal and non-empty"
            )
        if not np.all(np.isfinite(times)) or np.any(times < 0) or np.any(np.diff(times) <= 0):
            raise invalid("StepCurrent", "times", times, "must be finite, >= 0 ms and strictly increasing")
        if not np.all(np.isfinite(amplitudes)):
            raise invalid("StepCurrent", "amplitudes", amplitudes, "must be finite")
        self.times, self.amplitudes = times, amplitudes

    def steps(self, dt: float, owner: str) -> np.ndarray:
        """Times as step indices; each must be a multiple of ``dt``."""
        return _to_steps(self.times, dt, f"StepCurrent into '{owner}'", "times")

    def __repr__(self):
        return f"StepCurrent(times={self.times.tolist()}, amplitudes={self.amplitudes.tolist()})"


def _to_steps(values_ms: np.ndarray, dt: float, owner: str, param: str) -> np.ndarray:
    """Convert ms to integer steps, rejecting values that are not multiples of ``dt``."""
    steps = np.rint(values_ms / dt)
    off = np.abs(steps * dt - values_ms) > 1e-9 * np.maximum(1.0, np.abs(values_ms))
    if np.any(off):
        bad = float(np.asarray(values_ms)[off].ravel()[0])
        raise invalid(owner, param, bad, f"ms is not a multiple of dt = {dt:g} ms")
    return steps.astype(np.int64)
