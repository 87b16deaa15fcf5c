"""Plain-data summaries of a network and of a run, for reports and the command line.

Each function returns a list of small frozen dataclasses (one per population or projection), so
that the CLI, a notebook or a benchmark can render them as they like.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PopulationSummary:
    """One population. ``probes`` maps variable (``"spikes"``, ``"v"``, ...) -> neurons probed."""

    name: str
    model: str
    size: int
    is_source: bool
    synapses_in: int
    synapses_out: int
    probes: dict


@dataclass(frozen=True)
class ProjectionSummary:
    """One projection. Weights in ``weight_unit`` (the post model's current unit), delays in ms.

    ``sign`` is ``"+"`` (all weights >= 0), ``"-"`` (all <= 0), ``"+/-"`` (mixed) or ``""`` (no
    synapses). ``mean_abs_weight``, ``delay_min_ms`` and ``delay_max_ms`` are NaN when there are no
    synapses.
    """

    name: str
    pre: str
    post: str
    synapses: int
    sign: str
    mean_abs_weight: float
    weight_unit: str
    delay_min_ms: float
    delay_max_ms: float


@dataclass(frozen=True)
class RateSummary:
    """Firing rates of one population over a run, Hz (all neurons, probed or not)."""

    population: str
    size: int
    mean_hz: float
    min_hz: float
    max_hz: float


def population_summaries(network) -> list[PopulationSummary]:
    """One summary per population, in the order they were added."""
    incoming = {name: 0 for name in network.populations}
    outgoing = dict(incoming)
    for proj in network.projections:
        incoming[proj.post.name] += proj.n_synapses
        outgoing[proj.pre.name] += proj.n_synapses
    probes: dict[str, dict] = {name: {} for name in network.populations}
    for probe in network.probes:
        probes[probe.population.name][probe.variable] = int(probe.indices.size)
    return [
        PopulationSummary(name, type(pop.model).__name__, pop.size, pop.is_source,
                          incoming[name], outgoing[name], probes[name])
        for name, pop in network.populations.items()
    ]


def projection_summaries(network) -> list[ProjectionSummary]:
    """One summary per projection, in the order they were made."""
    out = []
    for proj in network.projections:
        weights = proj.weights.data
        delays = proj.delays
        has = weights.size > 0
        out.append(ProjectionSummary(
            proj.name, proj.pre.name, proj.post.name, proj.n_synapses, _sign(weights),
            float(np.abs(weights).mean()) if has else float("nan"),
            proj.post.model.current_unit,
            float(delays.min()) if has else float("nan"),
            float(delays.max()) if has else float("nan"),
        ))
    return out


def rate_summaries(result) -> list[RateSummary]:
    """Mean, min and max firing rate of every population of a :class:`~neurocompile.Result`."""
    out = []
    for name in result.populations:
        rates = result.rates(name)
        out.append(RateSummary(name, int(rates.size), float(rates.mean()), float(rates.min()),
                               float(rates.max())))
    return out


def _sign(weights: np.ndarray) -> str:
    if weights.size == 0:
        return ""
    if weights.min() >= 0:
        return "+"
    if weights.max() <= 0:
        return "-"
    return "+/-"
