"""Quantize a whole network: every population, projection and injected current."""
from __future__ import annotations

import warnings

import numpy as np

from ..chip.adex import exp_table_of
from ..errors import BuildError
from ..models import AdEx, LI, LIF
from .adex import quantize_adex
from .currents import bias_updates
from .lif import quantize_lif
from .risk import overflow_risks
from .support import model_support
from .synapse_sums import chunked_bincount, chunked_max_abs
from .types import QuantizedNetwork, QuantizedPopulation
from .weights import quantize_projection


class QuantizationWarning(UserWarning):
    """A value had to be clipped or dropped during quantization (the message has the numbers)."""


def quantize(network, target, strict: bool = False) -> QuantizedNetwork:
    """Quantize ``network`` for ``target``.

    Clipping is a :class:`QuantizationWarning` with numbers, or a BuildError with
    ``strict=True``. Models the target cannot run are a BuildError.
    """
    network.validate()
    precision = target.precision
    incoming = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    largest = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    for proj in network.projections:
        w = proj.weights
        incoming[proj.post.name] += chunked_bincount(w.indices, np.abs, w.data, pop_size=w.shape[1])
        chunked_max_abs(w.indices, w.data, largest[proj.post.name])
    uses_adex = any(isinstance(pop.model, AdEx) for pop in network.populations.values())
    model_support(network, target)
    exp_table = exp_table_of(target) if uses_adex else None
    pops: dict[str, QuantizedPopulation] = {}
    for pop in network.populations.values():
        pops[pop.name] = _quantize_population(pop, network.dt, target, exp_table, incoming[pop.name],
                                              largest[pop.name])
    projs = tuple(quantize_projection(p, pops[p.post.name], precision, precision.max_delay_steps, strict)
                  for p in network.projections)
    updates = tuple(bias_updates(network, pops, precision))
    risk_issues = tuple(overflow_risks(network, pops, projs, precision))
    issues = tuple(i for q in (*pops.values(), *projs) for i in q.issues) + risk_issues
    for issue in issues:
        if strict:
            raise BuildError(f"quantization (strict): {issue}")
        warnings.warn(str(issue), QuantizationWarning, stacklevel=2)
    return QuantizedNetwork(network.name, network.dt, network.seed, pops, projs, updates, issues, exp_table)


def _quantize_population(pop, dt, target, exp_table, incoming_abs_weight, largest_weight) -> QuantizedPopulation:
    if pop.is_source:
        return QuantizedPopulation(pop.name, "source", pop.size, None, {}, {}, None, None, None)
    model = pop.model
    if isinstance(model, (LIF, LI)):
        return quantize_lif(pop, dt, target.precision, incoming_abs_weight, largest_weight)
    if isinstance(model, AdEx):
        return quantize_adex(pop, dt, target.precision, exp_table)
    raise BuildError(f"Population '{pop.name}': no quantizer for model {type(model).__name__}")
