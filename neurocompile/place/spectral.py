"""``spectral``, the default placer: spectral dual recursive bisection, then local refinement.

Named after its method: the neurons are cut along their spectral coordinates (the
low eigenvectors of the traffic graph's Laplacian), recursively and together with the mesh
region of cores, and the result is refined by local search. (It was called ``ours``, which
said who wrote it, not what it does; that name still works, deprecated.) This module runs
the steps and keeps the best legal result; each step lives in its own module:

1. Capacity (:mod:`.capacity`). Every neuron takes a share of a core under each limit, kept
   apart: neurons, synapse entries and an estimated fan-in (``alpha`` x in-synapses).
2. Region. The fewest cores that hold the shares under every limit, taken as a compact block
   of tiles around core 0 (:mod:`.mesh_regions`); the count rounded up to whole tiles is
   tried as well.
3. Dual recursive bisection (:mod:`.bisection`) along several coordinate sets (2, 3 or 6
   spectral coordinates, network order). Populations that receive only through dense
   projections (a CNN's readout) also get a variant where they are placed after the rest,
   next to their sources (:mod:`.dense_inputs`).
4. Mapping refinement (:mod:`.mapping`). Whole tiles' and then whole cores' contents are
   swapped or moved (free ones included) to lower the traffic-weighted route cost, host
   inputs fixed at core 0 (a quadratic-assignment local search).
5. Exact check. The per-core usage is counted exactly; a core over its fan-in raises
   ``alpha`` and the placement is redone; a core over an additive limit (a bisection that
   ran out of slack) adds a small margin to the shares; as a last resort over-full cores are
   split by :func:`.repair.repair`. Every legal candidate (and the sequential fill) is scored
   with the exact multicast model (:func:`.metrics.placement_metrics`).
6. Neuron-level refinement (:mod:`.refine`) of the best few candidates under the exact
   multicast objective. A refined placement is used only if it is legal and its exactly
   recomputed traffic is lower; the best is kept.

Networks that cannot fit stop with an error naming the limit (:mod:`.feasibility`).
Deterministic: the only randomness (tie-breaking in the coarsening of the embedding) is
seeded with the network's seed.
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError
from .activity import spikes_per_step
from .bisection import bisect, candidate_coordinates
from .capacity import core_shares, cores_needed, overlap_factor
from .dense_inputs import dense_input_neurons, place_dense_inputs_last
from .feasibility import check_single_neurons, raise_too_large
from .graph import neuron_graph, population_cores
from .mapping import refine_mapping
from .mesh_regions import compact_cores
from .metrics import placement_metrics
from .placement import Placement
from .refine import refine_neurons
from .repair import repair
from .sequential import place_sequential
from .usage import core_usage

#: The name placements of this placer record (``Placement.method``) and its key in ``PLACERS``.
METHOD = "spectral"
# Above this many synapses the traffic graph is not built: such networks are dense enough
# (e.g. the cortical microcircuit) that every core talks to almost every other one, and
# neurons are kept in network order.
GRAPH_SYNAPSE_LIMIT = 30_000_000
#: Placements tried per coordinate set before the fan-in estimate is given up on (repair).
MAX_ATTEMPTS = 12
#: Candidates (best first by exact traffic) that get the neuron-level refinement.
REFINED_CANDIDATES = 3


def place_spectral(network, target, rates=None) -> Placement:
    """Place ``network`` on ``target`` within every per-core limit, with little spike traffic.

    ``rates``: optional population name -> firing rate in Hz (scalar or one per neuron); the
    traffic is weighted by it (default rates otherwise, see :mod:`.activity`). Raises
    BuildError, naming the binding limit, when the network cannot fit.
    """
    pops = {p.name: (p.size, p.model) for p in network.populations.values()}
    p_step = spikes_per_step(pops, network.dt, rates)
    structured = network.n_synapses <= GRAPH_SYNAPSE_LIMIT
    graph = neuron_graph(network, p_step, with_adjacency=structured)
    check_single_neurons(network, graph, target)
    if graph.n == 0:
        return Placement.build(METHOD, population_cores(network, graph, np.zeros(0, np.int64)), target)
    late = dense_input_neurons(network, graph) if structured else None
    candidates, first_error = [], None
    for coords in candidate_coordinates(graph, network.seed, structured):
        try:
            candidates += _legal_placements(network, graph, coords, target, structured, late)
        except BuildError as exc:
            first_error = first_error or exc
    # The naive fill is a candidate too, so that this placer is never worse than it.
    try:
        candidates.append(place_sequential(network, target))
    except BuildError:
        pass
    if not candidates:
        raise first_error
    scored = [_score(network, pl, target, rates) for pl in candidates]
    # The refinement can reorder the candidates: refine the few best and keep the best result.
    ranked = sorted(range(len(candidates)), key=lambda i: scored[i])[:REFINED_CANDIDATES]
    refined = [_refined(network, candidates[i], target, p_step, rates, scored[i]) for i in ranked]
    best = min(refined, key=lambda r: r[1])[0]
    return Placement.build(METHOD, best.core_of, target)


def _score(network, placement, target, rates) -> tuple:
    """(violations, hop-weighted traffic, messages, cores used) of ``placement``: lower is better."""
    m = placement_metrics(network, placement, target, rates)
    return m.violations, m.hop_weighted_traffic, m.messages_per_step, m.cores_used


def _refined(network, placement, target, p_step, rates, score) -> tuple:
    """(placement, score) after neuron-level refinement (:mod:`.refine`); the refined placement
    is kept only if it is legal and its exact traffic is lower (``score``: :func:`_score` of
    ``placement``)."""
    if score[0]:
        return placement, score
    core_of = refine_neurons(network, placement.core_of, target, p_step)
    if core_of is placement.core_of:
        return placement, score
    refined = Placement.build(METHOD, core_of, target)
    refined_score = _score(network, refined, target, rates)
    if refined_score[0] == 0 and refined_score[1] < score[1]:
        return refined, refined_score
    return placement, score


def _legal_placements(network, graph, coords, target, structured, late=None) -> list:
    """Placements by bisection along ``coords`` that respect every limit (BuildError if none).

    Each attempt places with the current fan-in estimate and margin; the first attempt with
    a legal result returns all its legal placements. ``late``: boolean (n,) of neurons that
    also get a variant placed after the others (:func:`.dense_inputs.dense_input_neurons`),
    or None.
    """
    limits = target.core
    tried = []
    alpha, clamped, margin = 0.0, False, 0.0
    for _ in range(MAX_ATTEMPTS):
        shares = core_shares(graph, limits, alpha) * (1.0 + margin)
        # at least one core: with limits of 10^9 per core a few neurons need less than 1e-9 of one
        k_min = max(1, int(np.ceil(cores_needed(shares) - 1e-9)))
        if k_min > target.total_cores:
            if clamped or cores_needed(core_shares(graph, limits, 0.0)) > target.total_cores:
                raise_too_large(network, graph, target, coords)
            # the fan-in estimate asks for more cores than exist: try spreading over all of them
            k_min, clamped = target.total_cores, True
            shares = shares * (k_min / cores_needed(shares))
        results = _placements_at(network, graph, coords, shares, target, _core_counts(target, k_min, structured),
                                 late)
        ok = [(pl, us) for pl, us in results if us.n_violations() == 0]
        if ok:
            return [pl for pl, _ in ok]
        # the attempt with the fewest violations leaves the repair the most free cores
        tried.append(min(results, key=lambda r: r[1].n_violations()))
        if clamped:
            break
        usage = results[0][1]
        additive = np.any(usage.neurons > limits.neurons) or np.any(usage.synapse_entries > limits.synapse_entries)
        if additive:
            # Additive limits are exact in the shares; they are exceeded only when a bisection
            # ran out of slack and cut past a core's capacity by a neuron or so: keep a margin.
            margin = max(2.0 * float(shares.max(initial=0.0)), 2.0 * margin)
        if np.any(usage.fanin_axons > limits.fanin_axons) or not additive:
            alpha = max(alpha * 1.5, overlap_factor(graph, results[0][0], usage, limits) * 1.05)
    # the fan-in estimate did not converge: split the over-full cores onto free ones
    for placement, _ in sorted(tried, key=lambda r: r[1].n_violations()):
        try:
            return [Placement.build(METHOD, repair(network, placement.core_of, target), target)]
        except BuildError:
            continue
    raise_too_large(network, graph, target, coords)


def _core_counts(target, k_min: int, structured: bool) -> list:
    """Region sizes tried: the fewest cores, and (with a traffic graph) that rounded up to
    whole tiles."""
    cpt = target.chip.cores_per_tile
    whole_tiles = min(-(-k_min // cpt) * cpt, target.total_cores)
    return [k_min, whole_tiles] if structured and whole_tiles != k_min else [k_min]


def _placements_at(network, graph, coords, shares, target, core_counts, late) -> list:
    """[(placement, usage)] for every region size in ``core_counts`` and variant (all neurons
    bisected; with ``late``, those placed after the rest), mapping-refined by tiles then cores."""
    cpt = target.chip.cores_per_tile
    results = []
    for k in core_counts:
        variants = [bisect(graph, coords, shares, compact_cores(target, k), target)]
        if late is not None:
            variants.append(place_dense_inputs_last(graph, coords, shares, target, k, late))
        for core in variants:
            if core is None:
                continue
            core = refine_mapping(network, graph, core, target, unit=cpt)
            core = refine_mapping(network, graph, core, target)
            placement = Placement.build(METHOD, population_cores(network, graph, core), target)
            results.append((placement, core_usage(network, placement, target)))
    return results
