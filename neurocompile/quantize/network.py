"""Quantize a whole network: every population, projection and injected current."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import BuildError
from ..models import AdEx, LI, LIF
from .formats import split_mantissa_exponent
from .lif import quantize_lif
from .types import QuantizedPopulation, QuantizedProjection, QuantIssue
from .weights import quantize_projection


class QuantizationWarning(UserWarning):
    """A value had to be clipped or dropped during quantization (the message has the numbers)."""


@dataclass(frozen=True)
class BiasUpdate:
    """From ``step`` on, population ``population`` has biases ``bias_mant << bias_exp``."""

    step: int
    population: str
    bias_mant: np.ndarray
    bias_exp: np.ndarray


@dataclass(frozen=True)
class QuantizedNetwork:
    """Integer form of a network. Immutable; the compiled program is built on it."""

    name: str
    dt: float
    seed: int
    populations: dict
    projections: tuple
    bias_updates: tuple
    issues: tuple


def quantize(network, target, strict: bool = False) -> QuantizedNetwork:
    """Quantize ``network`` for ``target``.

    Clipping is a :class:`QuantizationWarning` with numbers, or a BuildError with
    ``strict=True``. Models the target cannot run natively are a BuildError.
    """
    network.validate()
    precision = target.precision
    incoming = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    for proj in network.projections:
        incoming[proj.post.name] += np.asarray(abs(proj.weights).sum(axis=0)).ravel()
    pops: dict[str, QuantizedPopulation] = {}
    for pop in network.populations.values():
        pops[pop.name] = _quantize_population(pop, network.dt, target, incoming[pop.name])
    projs = tuple(quantize_projection(p, pops[p.post.name], precision, precision.max_delay_steps, strict)
                  for p in network.projections)
    updates = tuple(_bias_updates(network, pops, precision))
    issues = tuple(i for q in (*pops.values(), *projs) for i in q.issues)
    for issue in issues:
        if strict:
            raise BuildError(f"quantization (strict): {issue}")
        warnings.warn(str(issue), QuantizationWarning, stacklevel=2)
    return QuantizedNetwork(network.name, network.dt, network.seed, pops, projs, updates, issues)


def _quantize_population(pop, dt, target, incoming_abs_weight) -> QuantizedPopulation:
    model = pop.model
    if pop.is_source:
        return QuantizedPopulation(pop.name, "source", pop.size, {}, {}, {}, None, None, None)
    kind = type(model).__name__
    if target.model_support(kind) is None:
        raise BuildError(
            f"Population '{pop.name}': model {kind} is not supported by target '{target.name}' "
            f"(native: {', '.join(target.models.native) or 'none'}; custom processes: "
            f"{', '.join(target.models.custom_process) or 'none'})")
    if isinstance(model, (LIF, LI)):
        return quantize_lif(pop, dt, target.precision, incoming_abs_weight)
    if isinstance(model, AdEx):
        from .adex import quantize_adex
        return quantize_adex(pop, dt, target)
    raise BuildError(f"Population '{pop.name}': no quantizer for model {kind}")


def _bias_updates(network, pops, precision):
    """Step currents become bias updates: the full bias vector of a population at each change."""
    by_pop: dict[str, dict[int, list]] = {}
    for inj in network.currents:
        changes = by_pop.setdefault(inj.population.name, {})
        previous = 0.0
        for step, amplitude in zip(inj.steps, inj.current.amplitudes):
            changes.setdefault(int(step), []).append((inj.indices, amplitude - previous))
            previous = amplitude
    for name, changes in by_pop.items():
        q = pops[name]
        external = np.zeros(q.size)
        for step in sorted(changes):
            for indices, delta in changes[step]:
                np.add.at(external, indices, delta)
            target_bias = q.bias_per_unit * (q.bias_drive + external)
            if q.model == "AdEx":  # the AdEx bias register is a full-width integer
                mant = np.rint(target_bias).astype(np.int64)
                exp = np.zeros(q.size, dtype=np.int64)
                clipped = np.abs(mant) > (1 << (precision.state_bits - 1)) - 1
            else:
                mant, exp, clipped = split_mantissa_exponent(
                    target_bias, precision.bias_mantissa_bits, precision.bias_exponent_min,
                    precision.bias_exponent_max)
            if clipped.any():
                raise BuildError(
                    f"Step current into '{name}' at step {step}: the resulting bias exceeds the "
                    f"chip's bias range for {int(clipped.sum())} neuron(s) (max "
                    f"{np.abs(target_bias).max():.4g} LSB); reduce the amplitude")
            yield BiasUpdate(step, name, mant, exp)
