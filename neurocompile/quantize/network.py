"""Quantize a whole network: every population, projection and injected current."""
from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from .. import progress
from ..chip.adex import exp_table_of
from ..errors import BuildError, invalid
from ..chip.adex import gate_table_offset
from ..models import HH, AdEx, DiscreteLI, DiscreteLIF, ExpIF, Izhikevich, LI, LIF
from .adex import quantize_adex
from .hh import gate_tables_for, quantize_hh
from .izhikevich import quantize_izhikevich
from .currents import bias_updates
from .discrete import bias_onsets, quantize_discrete
from .formats import RANGE_MARGIN
from .precise_weights import quantize_projection_parts
from .receptors import LEAK_ELEMENT, quantize_receptors, receptor_weight_sums
from .lif import first_order_leak, quantize_lif
from .risk import overflow_risks
from .plasticity import check_plastic_projections, quantize_plastic_projection
from .support import model_support
from .synapse_sums import abs_sums_and_maxima
from .types import QuantizedNetwork, QuantizedPopulation
from .weights import quantize_projection


class QuantizationWarning(UserWarning):
    """A value had to be clipped or dropped during quantization (the message has the numbers)."""


#: Choices of ``weight_precision``.
WEIGHT_PRECISIONS = ("auto", "single", "double")


def quantize(network, target, strict: bool = False, *, weight_precision: str = "auto",
             ranges=None) -> QuantizedNetwork:
    """Quantize ``network`` for ``target``.

    ``weight_precision``: ``"single"`` writes each projection with one 9-bit mantissa per
    synapse and one exponent; ``"double"`` writes each weight to the dendrite's full
    resolution as up to two single-sign synapses (:mod:`.precise_weights`); ``"auto"``
    (default) uses ``"double"`` for projections onto discrete-time populations (trained
    networks, whose spikes depend on every weight) and ``"single"`` elsewhere.

    ``ranges``: float runs of the network (Results, e.g. ``nc.simulate`` on calibration
    inputs) whose state extremes size the registers of discrete-time populations (per neuron)
    and of receptor elements (per population and receptor) to :data:`RANGE_MARGIN` times what
    was reached, instead of the worst case no input can exceed; finer (receptor weights keep
    more mantissa bits), and a run that goes further saturates (counted per population).

    Clipping is a :class:`QuantizationWarning` with numbers, or a BuildError with
    ``strict=True``. Models the target cannot run are a BuildError.
    """
    if weight_precision not in WEIGHT_PRECISIONS:
        raise invalid("quantize", "weight_precision", weight_precision,
                      f"must be one of {', '.join(map(repr, WEIGHT_PRECISIONS))}")
    network.validate()
    # Progress in synapses: half of each projection's when its weights are summed, the other
    # half when it is quantized (populations count one synapse per neuron).
    work = network.n_synapses + sum(pop.size for pop in network.populations.values())
    with progress.stage("quantization", total=work, unit="synapses") as task:
        return _quantize(network, target, strict, weight_precision, ranges, task)


def _quantize(network, target, strict, weight_precision, ranges, task) -> QuantizedNetwork:
    """:func:`quantize` (arguments checked), reporting to ``task``."""
    precision = target.precision
    incoming = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    largest = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    for proj in network.projections:
        w = proj.weights
        # a plastic synapse can reach w_max: registers that sum its input must hold that
        data = w.data if proj.plasticity is None else np.full(w.data.size, float(proj.plasticity.w_max))
        incoming[proj.post.name] += abs_sums_and_maxima(w.indices, data, w.shape[1], largest[proj.post.name])
        task.advance(w.nnz // 2)
    injected = {name: np.zeros(pop.size) for name, pop in network.populations.items()}
    for inj in network.currents:
        np.maximum.at(injected[inj.population.name], inj.indices, float(np.max(np.abs(inj.current.amplitudes))))
    measured = measured_reach(ranges, network) if ranges is not None else {}
    receptor_reach = measured_receptor_reach(ranges, network) if ranges is not None else {}
    uses_adex = any(isinstance(pop.model, (AdEx, ExpIF)) for pop in network.populations.values())
    model_support(network, target)
    check_plastic_projections(network, target)
    exp_table = exp_table_of(target) if uses_adex else None
    uses_hh = any(isinstance(pop.model, HH) for pop in network.populations.values())
    gate_tables = gate_tables_for(target, network.dt) if uses_hh else None
    tables = {"exp": exp_table, "gates": gate_tables, "gate_offset": gate_table_offset(exp_table)}
    receptor_sums = receptor_weight_sums(network)
    pops: dict[str, QuantizedPopulation] = {}
    for pop in network.populations.values():
        pops[pop.name] = _quantize_population(pop, network.dt, target, tables, incoming[pop.name],
                                              largest[pop.name], injected[pop.name], measured.get(pop.name))
        if not pop.is_source and pop.model.has_receptors:
            pops[pop.name] = _with_receptors(pops[pop.name], pop, network.dt, precision, receptor_sums,
                                             receptor_reach.get(pop.name))
        task.advance(pop.size)
    projs = []
    for p in network.projections:
        discrete = isinstance(p.post.model, (DiscreteLIF, DiscreteLI))
        if p.plasticity is not None:  # one register per synapse: never split into parts
            projs.append(quantize_plastic_projection(p, pops[p.post.name], precision, target.learning,
                                                     precision.max_delay_steps))
        elif weight_precision == "double" or (weight_precision == "auto" and discrete):
            projs.extend(quantize_projection_parts(p, pops[p.post.name], precision, precision.max_delay_steps))
        else:
            projs.append(quantize_projection(p, pops[p.post.name], precision, precision.max_delay_steps, strict))
        task.advance(p.weights.nnz - p.weights.nnz // 2)
    projs = tuple(projs)
    onsets = {pop.name: bias_onsets(pop, network.dt) for pop in network.populations.values()
              if isinstance(pop.model, (DiscreteLIF, DiscreteLI))}
    updates = tuple(bias_updates(network, pops, precision, onsets))
    risk_issues = tuple(overflow_risks(network, pops, projs, precision))
    issues = tuple(i for q in (*pops.values(), *projs) for i in q.issues) + risk_issues
    for issue in issues:
        if strict:
            raise BuildError(f"quantization (strict): {issue}")
        warnings.warn(str(issue), QuantizationWarning, stacklevel=3)
    return QuantizedNetwork(network.name, network.dt, network.seed, pops, projs, updates, issues, exp_table,
                            gate_tables)


def measured_reach(results, network) -> dict:
    """Population -> per-neuron largest |v - v_rest| and |I_syn| reached in float runs (discrete
    models), or (lowest, highest) v (HH: the gate tables must hold them)."""
    results = results if isinstance(results, (list, tuple)) else [results]
    reach: dict = {}
    for result in results:
        for name, pop in network.populations.items():
            if not pop.is_source and isinstance(pop.model, HH):
                low, high = result.state_extremes(name, "v")
                low, high = float(np.min(low)), float(np.max(high))
                if name in reach:
                    low, high = min(low, reach[name][0]), max(high, reach[name][1])
                reach[name] = (low, high)
                continue
            if pop.is_source or not isinstance(pop.model, (DiscreteLIF, DiscreteLI)):
                continue
            v_low, v_high = result.state_extremes(name, "v")
            i_low, i_high = result.state_extremes(name, "I_syn")
            rest = pop.params["v_rest"]
            values = np.maximum.reduce([np.abs(v_low - rest), np.abs(v_high - rest), np.abs(i_low), np.abs(i_high)])
            reach[name] = values if name not in reach else np.maximum(reach[name], values)
    return reach


def measured_receptor_reach(results, network) -> dict:
    """Population -> receptor -> {state variable: largest |value| over its neurons} reached in
    float runs, for every receptor state (``I_``, ``g_``, ``h_``) of populations with receptors."""
    results = results if isinstance(results, (list, tuple)) else [results]
    reach: dict = {}
    for name, pop in network.populations.items():
        if pop.is_source or not pop.model.has_receptors:
            continue
        for receptor in pop.model.receptors:
            for prefix in ("I_", "g_", "h_"):
                variable = prefix + receptor
                if variable not in pop.model.state_variables:
                    continue
                peak = 0.0
                for result in results:
                    low, high = result.state_extremes(name, variable)
                    peak = max(peak, float(np.max(np.abs(low), initial=0.0)), float(np.max(np.abs(high), initial=0.0)))
                reach.setdefault(name, {}).setdefault(receptor, {})[variable] = peak
    return reach


def _with_receptors(q: QuantizedPopulation, pop, dt, precision, weight_sums, reach=None) -> QuantizedPopulation:
    """``q`` with its receptor elements (:mod:`.receptors`) quantized against its registers."""
    if q.model in ("AdEx", "ExpIF"):
        v_lsb, e_l = q.to_physical["v"]
        soma = {"bank": "AdEx", "v_lsb": v_lsb, "i_lsb": q.to_physical["I_syn"][0], "E_L": e_l}
    else:
        v_lsb, origin = q.to_physical["v"]
        # the leak element carries the leak (quantize_lif set dv = 0 and the bias for it): every
        # element computes its first-order term with y = dt / tau_mem, the soma's
        # exponential-Euler factor makes the step exact (docs/chip.md section 4.5)
        tau_mem = np.broadcast_to(np.asarray(pop.params["tau_mem"], dtype=np.float64), (pop.size,))
        soma = {"bank": "LIF", "scale": 1.0 / v_lsb, "v_origin": origin, "tau_mem": tau_mem,
                "kappa": first_order_leak(tau_mem, dt)}
    receptors = quantize_receptors(pop, dt, precision, soma, weight_sums, reach)
    to_physical = dict(q.to_physical)
    to_physical.pop("I_syn", None)
    report = dict(q.report, receptors=receptors.report)
    report.pop("tau_syn", None)
    if LEAK_ELEMENT in receptors.report:
        report["tau_mem"] = receptors.report[LEAK_ELEMENT]["tau"]
    return replace(q, receptors=receptors, to_physical=to_physical, report=report,
                   issues=q.issues + receptors.issues)


def _quantize_population(pop, dt, target, tables, incoming_abs_weight, largest_weight,
                         injected_abs, measured) -> QuantizedPopulation:
    if pop.is_source:
        return QuantizedPopulation(pop.name, "source", pop.size, None, {}, {}, None, None, None)
    model = pop.model
    if isinstance(model, (LIF, LI)):
        # with receptors=, weights feed the receptor elements, which have their own scales
        return quantize_lif(pop, dt, target.precision, incoming_abs_weight,
                            None if model.has_receptors else largest_weight, exact_leak=model.has_receptors)
    if isinstance(model, (AdEx, ExpIF)):
        return quantize_adex(pop, dt, target.precision, tables["exp"], incoming_abs_weight)
    if isinstance(model, Izhikevich):
        return quantize_izhikevich(pop, dt, target.precision, incoming_abs_weight, injected_abs)
    if isinstance(model, HH):
        return quantize_hh(pop, dt, target.precision, tables["gates"], tables["gate_offset"], incoming_abs_weight,
                           injected_abs, measured)
    if isinstance(model, (DiscreteLIF, DiscreteLI)):
        return quantize_discrete(pop, target.precision, incoming_abs_weight, largest_weight, injected_abs, dt,
                                 None if measured is None else RANGE_MARGIN * measured)
    raise BuildError(f"Population '{pop.name}': no quantizer for model {type(model).__name__}")
