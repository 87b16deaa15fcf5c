"""Signals of a NIR graph as affine maps of spike sources (fully sparse).

Every edge of a NIR graph carries a signal. Between neurons, signals are linear (plus a
constant) in the spikes of the *sources* (Input nodes and spiking neuron nodes), possibly
delayed. A :class:`Signal` holds exactly that::

    signal = sum over (source, delay) of spikes(source, t - delay) @ terms[(source, delay)]
             + const

with each term a ``scipy.sparse.csr_matrix`` of shape ``(source size, signal size)`` and
``const`` a vector. Linear, Affine, Scale, Conv, pooling, Flatten and Delay nodes transform
signals; a neuron node turns the sum of its input signals into projections (one per source
and delay) and a bias (the constant).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class Signal:
    shape: tuple
    terms: dict = field(default_factory=dict)  # (source name, delay steps) -> csr (n_src, n)
    const: np.ndarray | None = None

    def __post_init__(self):
        self.shape = tuple(int(s) for s in self.shape)
        if self.const is None:
            self.const = np.zeros(self.size)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @classmethod
    def source(cls, name: str, shape) -> "Signal":
        size = int(np.prod(shape))
        return cls(shape, {(name, 0): sp.identity(size, format="csr", dtype=np.float64)})

    def add(self, other: "Signal") -> "Signal":
        terms = dict(self.terms)
        for key, matrix in other.terms.items():
            terms[key] = terms[key] + matrix if key in terms else matrix
        return Signal(self.shape, terms, self.const + other.const)

    def map(self, matrix, shape, offset=None) -> "Signal":
        """Apply the linear map ``x -> x @ matrix (+ offset)``; ``matrix`` is (size, new size)."""
        matrix = sp.csr_matrix(matrix)
        terms = {key: sp.csr_matrix(m @ matrix) for key, m in self.terms.items()}
        const = np.asarray(matrix.T @ self.const).ravel()
        if offset is not None:
            const = const + offset
        return Signal(shape, terms, const)

    def scale(self, factors: np.ndarray) -> "Signal":
        factors = np.asarray(factors, dtype=np.float64).ravel()
        diag = sp.diags(factors, format="csr")
        return Signal(self.shape, {k: sp.csr_matrix(m @ diag) for k, m in self.terms.items()},
                      self.const * factors)

    def reshape(self, shape) -> "Signal":
        return Signal(shape, self.terms, self.const)

    def delay(self, steps: np.ndarray) -> "Signal":
        """Delay element ``j`` of the signal by ``steps[j]`` steps (constants stay constant)."""
        steps = np.asarray(steps, dtype=np.int64).ravel()
        terms: dict = {}
        for (name, old), matrix in self.terms.items():
            for value in np.unique(steps):
                mask = sp.diags((steps == value).astype(np.float64), format="csr")
                part = sp.csr_matrix(matrix @ mask)
                part.eliminate_zeros()
                if part.nnz == 0:
                    continue
                key = (name, old + int(value))
                terms[key] = terms[key] + part if key in terms else part
        return Signal(self.shape, terms, self.const)

    def is_identity_of(self) -> str | None:
        """The source this signal merely forwards (undelayed, unscaled), or None."""
        if len(self.terms) != 1 or np.any(self.const != 0):
            return None
        (name, delay), matrix = next(iter(self.terms.items()))
        if delay != 0 or matrix.shape[0] != matrix.shape[1]:
            return None
        diff = matrix - sp.identity(matrix.shape[0], format="csr")
        return name if abs(diff).sum() == 0 else None
