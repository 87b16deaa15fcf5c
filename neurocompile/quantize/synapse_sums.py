"""Per-neuron sums and maxima over a projection's synapses, in bounded memory.

Networks have up to 10^8 synapses: float temporaries of that size would double the memory of
a compile, so these work through the synapse arrays in chunks.
"""
from __future__ import annotations

import numpy as np

CHUNK = 1 << 22


def chunks(size: int, chunk: int = CHUNK):
    """Slices covering ``range(size)`` in pieces of ``chunk`` (at least one, possibly empty)."""
    return [slice(start, start + chunk) for start in range(0, max(size, 1), chunk)]


def chunked_bincount(index, transform, values, pop_size: int) -> np.ndarray:
    """``bincount(index, transform(values))`` in chunks (bounded float64 temporaries)."""
    out = np.zeros(pop_size)
    for part in chunks(index.size):
        out += np.bincount(index[part], transform(values[part].astype(np.float64)), minlength=pop_size)
    return out


def chunked_max_abs(index, values, out: np.ndarray) -> None:
    """``out[i] = max(out[i], |values|)`` over entries with ``index == i`` (in place, chunked)."""
    for part in chunks(index.size):
        np.maximum.at(out, index[part], np.abs(values[part]))
