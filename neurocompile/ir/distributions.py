"""Seeded random distributions for initial states, weights and delays.

A distribution with an explicit ``seed`` always draws the same numbers; without one it draws
from a generator the network derives from its own seed and the object's name, so a network
built twice with the same seed is identical.
"""
from __future__ import annotations

import zlib

import numpy as np

from ..errors import NetworkError, invalid


def derived_rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator determined by ``seed`` and string/int keys (stable across runs and platforms)."""
    words = [int(seed) & 0xFFFFFFFF]
    for key in keys:
        words.append(zlib.crc32(key.encode()) if isinstance(key, str) else int(key) & 0xFFFFFFFF)
    return np.random.default_rng(words)


def _check_seed(owner: str, seed) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise invalid(owner, "seed", seed, "must be a non-negative integer or None")
    return int(seed)


class Distribution:
    """Base class: ``sample(shape, rng)`` returns float64 values."""

    seed: int | None = None

    def sample(self, shape, rng: np.random.Generator) -> np.ndarray:
        """Draw values; uses the distribution's own seed when it has one, else ``rng``."""
        own = rng if self.seed is None else np.random.default_rng(self.seed)
        return np.asarray(self._draw(own, shape), dtype=np.float64)

    def _draw(self, rng, shape):  # pragma: no cover - abstract
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can produce (for validation)."""
        return (-np.inf, np.inf)


class Uniform(Distribution):
    """Uniform on ``[low, high)`` (in the unit of the quantity it is used for)."""

    def __init__(self, low: float, high: float, seed: int | None = None):
        low, high = float(low), float(high)
        if not (np.isfinite(low) and np.isfinite(high)) or high < low:
            raise NetworkError(f"Uniform: low = {low:g}, high = {high:g}: need finite low <= high")
        self.low, self.high, self.seed = low, high, _check_seed("Uniform", seed)

    def _draw(self, rng, shape):
        return rng.uniform(self.low, self.high, size=shape)

    def bounds(self):
        return (self.low, self.high)

    def __repr__(self):
        return f"Uniform({self.low:g}, {self.high:g}, seed={self.seed})"


class Normal(Distribution):
    """Normal with ``mean`` and standard deviation ``std``.

    ``low``/``high`` optionally truncate it by redrawing values outside the bounds (as NEST's
    ``normal`` with bounds), never by clipping, so no value piles up at a bound.
    """

    def __init__(self, mean: float, std: float, seed: int | None = None,
                 low: float = -np.inf, high: float = np.inf):
        mean, std, low, high = float(mean), float(std), float(low), float(high)
        if not np.isfinite(mean):
            raise invalid("Normal", "mean", mean, "must be finite")
        if not np.isfinite(std) or std < 0:
            raise invalid("Normal", "std", std, "must be finite and >= 0")
        if not low < high or not (low <= mean <= high or std > 0):
            raise NetworkError(f"Normal: bounds low = {low:g}, high = {high:g} leave no values")
        self.mean, self.std, self.low, self.high = mean, std, low, high
        self.seed = _check_seed("Normal", seed)

    def _draw(self, rng, shape):
        values = rng.normal(self.mean, self.std, size=shape)
        bad = (values < self.low) | (values > self.high)
        for _ in range(1000):
            if not bad.any():
                return values
            values[bad] = rng.normal(self.mean, self.std, size=int(bad.sum()))
            bad = (values < self.low) | (values > self.high)
        raise NetworkError(
            f"{self!r}: could not draw values inside [{self.low:g}, {self.high:g}] "
            "(bounds too far in the tail)"
        )

    def bounds(self):
        return (self.low, self.high)

    def __repr__(self):
        return f"Normal({self.mean:g}, {self.std:g}, seed={self.seed})"


def materialize(value, shape, rng: np.random.Generator, owner: str, param: str) -> np.ndarray:
    """Turn a scalar, array or :class:`Distribution` into a float64 array of ``shape``.

    Arrays must have exactly ``shape`` (or be scalars); the error names ``owner`` and ``param``.
    """
    if isinstance(value, Distribution):
        return value.sample(shape, rng)
    if isinstance(value, (str, bytes)) or value is None:
        raise invalid(owner, param, value, "must be a number, an array or a distribution")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid(owner, param, value, "must be a number, an array or a distribution") from None
    if arr.ndim == 0:
        return np.full(shape, float(arr))
    expected = tuple(int(s) for s in np.atleast_1d(shape))  # plain ints: readable message
    if arr.shape != expected:
        raise invalid(owner, param, arr, f"has shape {arr.shape}, expected {expected}")
    return arr.copy()
