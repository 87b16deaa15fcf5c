"""Worst-case input against the chip's register widths, per receiving population.

Nothing is clipped at compile time: at run time the chip saturates ``a_in`` and ``v`` and
wraps ``u`` (docs/chip.md section 10), which a run counts and ``strict=True`` makes an error
of. A population whose worst case exceeds a register gets a :class:`~.types.QuantIssue`, so
the user knows before running; the ratios are recorded in the population's report.
"""
from __future__ import annotations

import numpy as np

from ..chip import SOMAS
from ..chip.receptors import R_DECAY0, R_DECAY1, R_INPUT_TO, RECEPTOR_DECAY_BITS
from .synapse_sums import signed_mantissa_sums
from .types import QuantIssue


def max_spike_fraction(pop, dt: float) -> float:
    """Largest sustained fraction of steps in which a neuron of ``pop`` can spike."""
    from ..ir.inputs import PoissonSource, SpikeTrains

    if isinstance(pop.model, PoissonSource):
        return float(min(1.0, 5.0 * np.max(pop.model.rate) * dt * 1e-3))  # 5x the mean rate
    if isinstance(pop.model, SpikeTrains):  # known trains: one spike per shortest interval
        steps = np.rint(pop.model.times / dt).astype(np.int64)
        order = np.lexsort((steps, pop.model.indices))
        same = pop.model.indices[order][1:] == pop.model.indices[order][:-1]
        intervals = np.diff(steps[order])[same]
        return float(1.0 / max(1, intervals.min())) if intervals.size else 0.0
    if pop.is_source:
        return 1.0
    refractory = np.rint(np.asarray(pop.params.get("refractory", 0.0)) / dt)
    return float(1.0 / (1.0 + np.min(refractory)))


def overflow_risks(network, pops: dict, projs, precision):
    """Yield an issue per population whose worst-case input exceeds a register.

    Dendritic input: every presynaptic neuron of every synapse spikes in the same step. LIF
    synaptic current (and receptor elements): that volley, or every presynaptic neuron at its
    largest sustained rate (one spike per refractory period; 5x the rate of a Poisson source;
    one per shortest interval of given spike trains), in steady state.
    """
    shift = precision.alignment_shift_bits
    dendrite_max = precision.dendrite_range[1]
    state_max = precision.saturation_limit
    for name, q in pops.items():
        if q.is_source:
            continue
        channels: dict = {}  # receptor ("" = the soma) -> [excit, inhib, excit_rate, inhib_rate]
        for p in projs:
            if p.post != name:
                continue
            sums = channels.setdefault(p.receptor, [np.zeros(q.size) for _ in range(4)])
            scale = 2.0**p.weight_exp
            # an NMDA gate s <= 1 holds g = sum w s below one volley's sum at any rate
            fraction = 0.0 if p.gate is not None else max_spike_fraction(network.populations[p.pre], network.dt)
            pos, neg = signed_mantissa_sums(p.post_index, p.weight_mant, q.size, scale)
            sums[0] += pos
            sums[1] += neg
            sums[2] += pos * fraction
            sums[3] += neg * fraction
        worst_input, over = 0.0, np.zeros(q.size, dtype=bool)
        for excit, inhib, _, _ in channels.values():
            worst_input = max(worst_input, float(max(excit.max(initial=0), inhib.max(initial=0))))
            over |= np.maximum(excit, inhib) > dendrite_max
        q.report["worst_input_vs_dendrite"] = worst_input / dendrite_max
        if worst_input > dendrite_max:
            yield QuantIssue(name, "dendritic input", int(over.sum()),
                             f"worst case {worst_input:.4g} exceeds the {precision.state_bits - shift}-bit "
                             "dendrite range if every input spikes in one step; the chip saturates it")
        if q.receptors is not None:
            yield from _element_risks(name, q, channels, shift, state_max)
            continue
        excit, inhib, excit_rate, inhib_rate = channels.get("", [np.zeros(q.size)] * 4)
        if SOMAS[q.model].bank == "LIF":
            keep = 1.0 - (np.asarray(q.params.du) + 1) / precision.decay_unity
            # one volley of every input, or every input at its largest sustained rate
            steady = np.maximum(np.maximum(excit, inhib), np.maximum(excit_rate, inhib_rate) / np.maximum(
                1.0 - keep, 1.0 / precision.decay_unity)) * (1 << shift)
            q.report["worst_current_vs_state"] = float(steady.max(initial=0)) / state_max
            if steady.max(initial=0) > state_max:
                yield QuantIssue(name, "synaptic current u", int(np.sum(steady > state_max)),
                                 f"worst case {steady.max():.4g} exceeds the {precision.state_bits}-bit "
                                 "current register if every input fires at once or at its largest sustained "
                                 "rate; u would wrap")


def _element_risks(name, q, channels, shift, state_max):
    """Receptor elements: the register fed by the input (``r0``, or ``r1`` of a dual
    exponential) in steady state when every input fires at its largest sustained rate; an
    element saturates there (counted per population at run time). Elements sized on float
    runs (``ranges=``) are not judged by the worst case."""
    worst = 0.0
    for receptor, (excit, inhib, excit_rate, inhib_rate) in channels.items():
        if q.receptors.report[receptor].get("sizing") == "measured":
            continue  # sized on float runs: a run that goes further saturates, counted
        row = q.receptors.rows[q.receptors.index(receptor)]
        fed = np.where(row[:, R_INPUT_TO] == 1, row[:, R_DECAY1], row[:, R_DECAY0])
        leak = np.maximum(fed / float(1 << RECEPTOR_DECAY_BITS), 1.0 / (1 << RECEPTOR_DECAY_BITS))
        steady = np.maximum(np.maximum(excit, inhib), np.maximum(excit_rate, inhib_rate) / leak) * (1 << shift)
        worst = max(worst, float(steady.max(initial=0)) / state_max)
        if steady.max(initial=0) > state_max:
            yield QuantIssue(name, f"receptor '{receptor}'", int(np.sum(steady > state_max)),
                             f"worst case {steady.max():.4g} exceeds the element's register if every input "
                             "fires at once or at its largest sustained rate; it would saturate")
    q.report["worst_current_vs_state"] = worst
