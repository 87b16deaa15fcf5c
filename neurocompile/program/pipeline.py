"""``compile``: quantize -> place -> route, producing a :class:`~neurocompile.program.Program`."""
from __future__ import annotations

import dataclasses

from .. import progress
from ..errors import BuildError
from ..place import DEFAULT_PLACER, RENAMED_PLACERS, core_usage, place, route_tables
from ..place.budget import DEFAULT_PLACE_BUDGET_S, check_budget
from ..place.destinations import destination_matrices
from ..place.learning_entries import single_neuron_problems, with_learning_entries
from ..place.usage import learning_capacity_problems
from ..quantize import quantize
from ..quantize.precise_weights import placement_network
from ..resources import check_memory
from ..target import Target, load_target
from .preflight import compile_estimate
from .program import Program

#: What to change when plastic synapses do not fit (the end of the error message).
LEARNING_ADVICE = ("Fewer plastic synapses per neuron, or a target with larger learning.plastic_synapses / "
                   "core.synapse_entries")


def compile(network, target="emu", *, strict: bool = False, placer: str = DEFAULT_PLACER,  # noqa: A001
            rates=None, weight_precision: str = "auto", ranges=None,
            place_budget_s: float = DEFAULT_PLACE_BUDGET_S) -> Program:
    """Compile ``network`` for ``target`` (a built-in name, a TOML path or a Target).

    Args:
        strict: make every clipped value during quantization an error (else a warning).
        placer: placement algorithm, a key of ``neurocompile.place.PLACERS`` (``"spectral"``,
            the default, or ``"sequential"``; ``"ours"`` is the deprecated name of ``"spectral"``).
        rates: optional population name -> firing rate in Hz (scalar or per neuron), e.g. from a
            float reference run (``{p: ref.rates(p) for p in ...}``); the placer weights spike
            traffic by it (activity-aware placement). Without it every neuron counts at
            10 Hz and a Poisson source at its own rate (:mod:`neurocompile.place.activity`).
        weight_precision: ``"single"``, ``"double"`` or ``"auto"`` (default): how weights are
            written into synapses (:func:`neurocompile.quantize.quantize`).
        ranges: float runs (Results) whose state extremes size the registers of discrete-time
            populations and receptor elements, and whose voltages HH populations' gate tables
            must hold (:func:`neurocompile.quantize.quantize`), e.g. the float reference run.
        place_budget_s: seconds the placer may take (> 0; ``math.inf``: no limit). The
            ``spectral`` placer limits its work by the network's size to fit about half of
            it on a typical machine (the same placement on any machine), and returns its best
            legal placement so far if the wall clock reaches it; ``placement.notes`` says when
            that happened (:mod:`neurocompile.place.budget`).

    Raises MemoryBudgetError, before anything is allocated, when the compile's estimated peak
    memory (:func:`~.preflight.compile_estimate`) exceeds the available memory.
    """
    from .. import __version__

    check_budget("compile", "place_budget_s", place_budget_s)
    tgt = target if isinstance(target, Target) else load_target(target)
    check_memory(f"compile of network '{network.name}'", compile_estimate(network, tgt, placer))
    quantized = quantize(network, tgt, strict=strict, weight_precision=weight_precision, ranges=ranges)
    placed = placement_network(network, quantized)  # every synapse entry, parts of split weights included
    compartments = compartments_per_neuron(quantized)
    limits = placement_target(tgt, compartments)
    unplaceable = single_neuron_problems(quantized, tgt)
    if unplaceable:
        raise BuildError(f"Network '{network.name}' exceeds the learning capacity of target '{tgt.name}': "
                         f"{'; '.join(unplaceable)}. {LEARNING_ADVICE}")
    # the placers count a plastic synapse's share of synapse memory and learning engine too
    placement = place(with_learning_entries(placed, quantized, tgt), limits, placer, rates=rates,
                      budget_s=place_budget_s)
    with progress.stage("routing", total=3, unit="phases") as task:
        destinations = destination_matrices(placed, placement.core_of, placement.n_cores)
        task.advance()
        usage = core_usage(placed, placement, limits, destinations)
        task.advance()
        broken = usage.violations()
        if broken:  # a placer bug, never a user error: placers must respect every limit
            raise BuildError(f"placement '{placer}' violates target limits: {'; '.join(broken[:5])}")
        learning = learning_capacity_problems(quantized.projections, placement.core_of, placement.n_cores, tgt)
        if learning:
            raise BuildError(f"Network '{network.name}' exceeds the learning capacity of target '{tgt.name}': "
                             f"{'; '.join(learning)}. {LEARNING_ADVICE}")
        routes = route_tables(placed, placement, tgt, destinations)
        task.advance()
    sources = {p.name: p.model for p in network.populations.values() if p.is_source}
    probes = tuple((p.population.name, p.indices, p.variable) for p in network.probes)
    info = {"neurocompile_version": __version__, "placer": RENAMED_PLACERS.get(placer, placer), "strict": strict,
            "seed": network.seed, "weight_precision": weight_precision,
            "ranges": "measured in float runs" if ranges is not None else "worst case",
            "compartments_per_neuron": compartments}
    weight_probes = {name: idx.copy() for name, idx in network.weight_probes.items()}
    return Program(network.name, tgt, quantized, placement, routes, usage, sources, probes, info, weight_probes)


def compartments_per_neuron(quantized) -> int:
    """Neuron slots of a core one neuron takes: 1, plus one per receptor element (docs/chip.md
    section 4.5) and one per outgoing projection with short-term plasticity or NMDA gates
    (sections 3.4, 3.5: their two registers per presynaptic neuron sit on its core), for the
    population that needs the most."""
    extra = {name: 0 if q.receptors is None else len(q.receptors.names)
             for name, q in quantized.populations.items() if not q.is_source}  # sources live on the host
    for qp in quantized.projections:
        if (qp.stp is not None or qp.gate is not None) and qp.pre in extra:
            extra[qp.pre] += 1
    return 1 + max(extra.values(), default=0)


def placement_target(target, compartments: int):
    """``target`` with ``core.neurons`` divided by ``compartments``: an element holds its state
    and parameters in a neuron slot of its owner's core, so a core holds fewer such neurons."""
    if compartments == 1:
        return target
    core = dataclasses.replace(target.core, neurons=target.core.neurons // compartments)
    return dataclasses.replace(target, core=core)
