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
    largest = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    for proj in network.projections:
        w = proj.weights
        incoming[proj.post.name] += _chunked_bincount(w.indices, np.abs, w.data, pop_size=w.shape[1])
        _chunked_max_abs(w.indices, w.data, largest[proj.post.name])
    pops: dict[str, QuantizedPopulation] = {}
    for pop in network.populations.values():
        pops[pop.name] = _quantize_population(pop, network.dt, target, incoming[pop.name],
                                              largest[pop.name])
    projs = tuple(quantize_projection(p, pops[p.post.name], precision, precision.max_delay_steps, strict)
                  for p in network.projections)
    updates = tuple(_bias_updates(network, pops, precision))
    risk_issues = tuple(_overflow_risk(network, pops, projs, precision))
    issues = tuple(i for q in (*pops.values(), *projs) for i in q.issues) + risk_issues
    for issue in issues:
        if strict:
            raise BuildError(f"quantization (strict): {issue}")
        warnings.warn(str(issue), QuantizationWarning, stacklevel=2)
    return QuantizedNetwork(network.name, network.dt, network.seed, pops, projs, updates, issues)


def _quantize_population(pop, dt, target, incoming_abs_weight, largest_weight) -> QuantizedPopulation:
    model = pop.model
    if pop.is_source:
        return QuantizedPopulation(pop.name, "source", pop.size, {}, {}, {}, None, None, None)
    kind = type(model).__name__
    target.require_model(kind, f"Population '{pop.name}'")
    if isinstance(model, (LIF, LI)):
        return quantize_lif(pop, dt, target.precision, incoming_abs_weight, largest_weight)
    if isinstance(model, AdEx):
        from .adex import quantize_adex
        return quantize_adex(pop, dt, target)
    raise BuildError(f"Population '{pop.name}': no quantizer for model {kind}")


def _max_spike_fraction(pop, dt: float) -> float:
    """Largest sustained fraction of steps in which a neuron of ``pop`` can spike."""
    from ..ir.inputs import PoissonSource

    if isinstance(pop.model, PoissonSource):
        return float(min(1.0, 5.0 * np.max(pop.model.rate) * dt * 1e-3))  # 5x the mean rate
    if pop.is_source:
        return 1.0
    refractory = np.rint(np.asarray(pop.params.get("refractory", 0.0)) / dt)
    return float(1.0 / (1.0 + np.min(refractory)))


def _overflow_risk(network, pops, projs, precision):
    """Worst-case input vs register widths, per receiving population (recorded in its report).

    Dendritic input: every presynaptic neuron of every synapse spikes in the same step. LIF
    synaptic current: every presynaptic neuron fires at its largest sustained rate (one spike
    per refractory period; 5x the rate of a Poisson source), in steady state. Nothing is clipped
    at compile time; at run time the chip saturates a_in and v and wraps u (docs/chip.md), which
    the run counts, and ``strict=True`` makes an error of. A population whose worst case exceeds
    a register gets a QuantIssue so the user knows before running.
    """
    shift = precision.alignment_shift_bits
    dendrite_max = (1 << (precision.state_bits - shift - 1)) - 1
    state_max = (1 << (precision.state_bits - 1)) - 1
    for name, q in pops.items():
        if q.model == "source":
            continue
        excit, inhib = np.zeros(q.size), np.zeros(q.size)
        excit_rate, inhib_rate = np.zeros(q.size), np.zeros(q.size)
        for p in projs:
            if p.post != name:
                continue
            scale = 2.0**p.weight_exp
            fraction = _max_spike_fraction(network.populations[p.pre], network.dt)
            pos = _chunked_bincount(p.post_index, lambda m: np.maximum(m, 0) * scale, p.weight_mant, q.size)
            neg = _chunked_bincount(p.post_index, lambda m: np.maximum(-m, 0) * scale, p.weight_mant, q.size)
            excit += pos
            inhib += neg
            excit_rate += pos * fraction
            inhib_rate += neg * fraction
        worst_input = float(max(excit.max(initial=0), inhib.max(initial=0)))
        q.report["worst_input_vs_dendrite"] = worst_input / dendrite_max
        if worst_input > dendrite_max:
            yield QuantIssue(name, "dendritic input", int(np.sum(np.maximum(excit, inhib) > dendrite_max)),
                             f"worst case {worst_input:.4g} exceeds the {precision.state_bits - shift}-bit "
                             "dendrite range if every input spikes in one step; the chip saturates it")
        if q.model in ("LIF", "LI"):
            keep = 1.0 - (q.params["du"] + 1) / precision.decay_unity
            steady = np.maximum(excit_rate, inhib_rate) * (1 << shift) / np.maximum(
                1.0 - keep, 1.0 / precision.decay_unity)
            q.report["worst_current_vs_state"] = float(steady.max(initial=0)) / state_max
            if steady.max(initial=0) > state_max:
                yield QuantIssue(name, "synaptic current u", int(np.sum(steady > state_max)),
                                 f"worst case {steady.max():.4g} exceeds the {precision.state_bits}-bit "
                                 "current register if every input fires at its largest sustained rate; "
                                 "u would wrap")


def _chunked_bincount(index, transform, values, pop_size: int, chunk: int = 1 << 22) -> np.ndarray:
    """``bincount(index, transform(values))`` in chunks (bounded float64 temporaries)."""
    out = np.zeros(pop_size)
    for start in range(0, index.size, chunk):
        part = slice(start, start + chunk)
        out += np.bincount(index[part], transform(values[part].astype(np.float64)), minlength=pop_size)
    return out


def _chunked_max_abs(index, values, out: np.ndarray, chunk: int = 1 << 22) -> None:
    """``out[i] = max(out[i], |values|)`` over entries with ``index == i`` (in place, chunked)."""
    for start in range(0, index.size, chunk):
        part = slice(start, start + chunk)
        np.maximum.at(out, index[part], np.abs(values[part]))


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
            mant, exp = bias_registers(q, external, precision, f"Step current into '{name}' at step {step}")
            yield BiasUpdate(step, name, mant, exp)


def bias_registers(q, external, precision, where: str):
    """Bias registers ``(bias_mant, bias_exp)`` of population ``q`` with an added current.

    ``external``: injected current per neuron (scalar, (size,), or (samples, size) for a batch),
    in the model's current unit (mV for LIF/LI, pA for AdEx), on top of the constant drive the
    bias already encodes. The registers have the shape of ``external`` (at least (size,)).
    ``where`` names the input in the error raised when the bias does not fit the register.
    """
    target_bias = q.bias_per_unit * (q.bias_drive + external)
    if q.model == "AdEx":  # the AdEx bias register is a full-width integer
        mant = np.rint(target_bias).astype(np.int64)
        exp = np.zeros(np.shape(mant), dtype=np.int64)
        clipped = np.abs(mant) > (1 << (precision.state_bits - 1)) - 1
    else:
        mant, exp, clipped = split_mantissa_exponent(
            target_bias, precision.bias_mantissa_bits, precision.bias_exponent_min,
            precision.bias_exponent_max)
    if clipped.any():
        raise BuildError(
            f"{where}: the resulting bias exceeds the chip's bias range for {int(clipped.sum())} "
            f"neuron(s) (max {np.abs(target_bias).max():.4g} LSB); reduce the amplitude")
    shape = np.broadcast_shapes(np.shape(target_bias), (q.size,))
    return np.broadcast_to(mant, shape).astype(np.int64), np.broadcast_to(exp, shape).astype(np.int64)
