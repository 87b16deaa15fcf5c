"""Populations of neurons (or spike sources) and views on subsets of them.

A population is a block of ``size`` identical-model neurons whose parameters and initial
state are arrays; there is no per-neuron Python object. Indexing a population
(``exc[:5]``, ``exc[[0, 3]]``, ``exc[mask]``) gives a :class:`PopulationView` that probes,
currents and projections accept wherever they accept a population.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import NetworkError, invalid


class _Selectable:
    """Indexing shared by populations and views: result is always a view on the population."""

    population: "Population"

    def __getitem__(self, key) -> "PopulationView":
        local = np.arange(self.size)
        try:
            chosen = local[key]
        except IndexError as exc:
            raise NetworkError(f"{self!r}: index {key!r} is out of range ({exc})") from None
        except (TypeError, ValueError):
            raise NetworkError(f"{self!r}: cannot index with {key!r}; use a slice, "
                               "integer array or boolean mask") from None
        chosen = np.atleast_1d(chosen)
        if chosen.size and np.unique(chosen).size != chosen.size:
            raise NetworkError(f"{self!r}: index {key!r} selects a neuron twice")
        return PopulationView(self.population, self.indices[chosen])

    def __len__(self) -> int:
        return self.size


@dataclass(eq=False)  # identity: a population is equal only to itself
class Population(_Selectable):
    """``size`` neurons sharing a neuron model; created by :meth:`Network.population`.

    Attributes:
        name: unique name in its network.
        size: number of neurons.
        model: the neuron model (or spike source model).
        initial: dict state variable -> float64 array (size,), in the model's units.
        params: dict parameter -> float64 array (size,) (or str for choices).
        receptor_params: dict receptor name -> its parameters resolved like ``params``, in the
            order of ``model.receptors`` (empty for spike sources).
    """

    network: object
    name: str
    size: int
    model: object
    initial: dict
    params: dict
    receptor_params: dict = field(default_factory=dict)

    @property
    def population(self) -> "Population":
        return self

    @property
    def indices(self) -> np.ndarray:
        """Indices of the neurons selected (all of them for a whole population)."""
        return np.arange(self.size)

    @property
    def is_source(self) -> bool:
        return bool(getattr(self.model, "is_source", False))

    def __repr__(self):
        return f"Population('{self.name}', {self.size}, {type(self.model).__name__})"


class PopulationView(_Selectable):
    """A subset of a population's neurons, in the order given by ``indices``."""

    def __init__(self, population: Population, indices: np.ndarray):
        self.population = population
        self.indices = np.asarray(indices, dtype=np.int64)
        self.indices.setflags(write=False)

    @property
    def name(self) -> str:
        return self.population.name

    @property
    def size(self) -> int:
        return int(self.indices.size)

    @property
    def model(self):
        return self.population.model

    def __repr__(self):
        return f"PopulationView('{self.population.name}', {self.size} of {self.population.size})"


def check_size(name: str, size) -> int:
    """Population sizes are positive integers."""
    if isinstance(size, (bool, float, str)) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise invalid(f"Population '{name}'", "size", size, "must be a positive integer")
    return int(size)
