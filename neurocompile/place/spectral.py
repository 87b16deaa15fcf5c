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

Keeping time (:mod:`.budget`). The placer works within a budget (``budget_s``): a work
allowance counted in machine-independent units, and the wall clock as a safety net. The
sequential fill is placed and scored first, so a legal placement exists from the start.
Unstructured connectivity is recognised after the embedding (:mod:`.structure`): when a
spectral cut removes almost none of the traffic a random split cuts, no coordinate set can
pay, so the bisections are skipped and the sequential fill is refined by neuron moves only.
Otherwise the coordinate sets are tried in order while the allowance affords the next
bisection (at most :data:`BISECTION_SHARE` of it: the rest is kept for the refinement),
and the best candidates are refined, best first, each within what is left. What was left
out, and a wall clock that ran out, are recorded in ``Placement.notes``.
"""
from __future__ import annotations

import numpy as np

from .. import progress
from ..errors import BuildError
from .activity import spikes_per_step
from .bisection import bisect, candidate_coordinates
from .budget import DEFAULT_PLACE_BUDGET_S, OutOfTime, PlacementBudget, attempt_work
from .capacity import core_shares, cores_needed, overlap_factor
from .dense_inputs import dense_input_neurons, place_dense_inputs_last
from .feasibility import check_single_neurons, raise_too_large
from .graph import neuron_graph, population_cores
from .mapping import refine_mapping
from .mesh_regions import compact_cores
from .metrics import placement_metrics
from .placement import Placement
from .refine import MIN_SWEEP_GAIN, Refinement, refine_neurons
from .repair import repair
from .sequential import place_sequential
from .structure import cut_ratio, UNSTRUCTURED_CUT_RATIO
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
#: Share of the work allowance the bisections may use; the rest is kept for the refinement.
BISECTION_SHARE = 0.6
#: On unstructured connectivity the bisections are left out when one attempt per coordinate
#: set would take more than this share of the work allowance (small networks still get them).
SHORTCUT_SHARE = 0.1
#: On unstructured connectivity the neuron moves stop at a sweep that gains less than this
#: fraction of the traffic (instead of :data:`.refine.MIN_SWEEP_GAIN`): later sweeps gain little.
UNSTRUCTURED_MIN_GAIN = 1e-3
#: A coordinate set after the first is tried only if two attempts along it take at most
#: this share of the work allowance.
MAX_SET_SHARE = 0.25
#: Above this many neurons the bisection's reads of neighbour positions miss the cache when
#: the neighbours sit anywhere in the order (unstructured connectivity): 32768 positions of
#: 8 bytes fill a 256 KiB cache.
CACHE_NEURONS = 32768


def place_spectral(network, target, rates=None, budget_s: float = DEFAULT_PLACE_BUDGET_S) -> Placement:
    """Place ``network`` on ``target`` within every per-core limit, with little spike traffic.

    ``rates``: optional population name -> firing rate in Hz (scalar or one per neuron); the
    traffic is weighted by it (default rates otherwise, see :mod:`.activity`).
    ``budget_s``: seconds the placer may take (:mod:`.budget`; ``math.inf``: no limit).
    Raises BuildError, naming the binding limit, when the network cannot fit.
    """
    budget = PlacementBudget(budget_s)
    pops = {p.name: (p.size, p.model) for p in network.populations.values()}
    p_step = spikes_per_step(pops, network.dt, rates)
    structured = network.n_synapses <= GRAPH_SYNAPSE_LIMIT
    with progress.stage("placement: traffic graph", total=len(network.projections), unit="projections") as task:
        graph = neuron_graph(network, p_step, with_adjacency=structured, task=task)
    check_single_neurons(network, graph, target)
    if graph.n == 0:
        return Placement.build(METHOD, population_cores(network, graph, np.zeros(0, np.int64)), target)
    late = dense_input_neurons(network, graph) if structured else None
    notes = []
    # The naive fill first: a legal placement from the start, and the baseline.
    try:
        with progress.stage("placement: sequential fill"):
            sequential = place_sequential(network, target)
    except BuildError:
        sequential = None
    with progress.stage("placement: spectral embedding", unit="levels") as task:
        coordinate_sets = candidate_coordinates(graph, network.seed, structured, task)
    ratio = cut_ratio(graph, coordinate_sets[0]) if structured else None
    looks_random = ratio is not None and ratio >= UNSTRUCTURED_CUT_RATIO
    plan = _Plan(network, graph, coordinate_sets, target, structured, late, budget, looks_random)
    # Unstructured connectivity: no coordinate set can pay, so the bisections (when they would
    # take a noticeable share of the budget) and the whole-core swaps are left out.
    unstructured = sequential is not None and looks_random and plan.all_sets > SHORTCUT_SHARE * budget.allowance
    candidates, first_error = [], None
    if unstructured:
        notes.append(f"connectivity looks unstructured (a spectral cut keeps {ratio:.0%} of the traffic a "
                     "random split cuts): kept the sequential placement, refined by neuron moves only")
    else:
        candidates, first_error = _bisected_candidates(plan)
        if not candidates and sequential is None and budget.skipped:
            # the budget left no legal placement: the sets it left out, whatever they take
            notes.append("the placement budget was too small for any legal placement: placed beyond it")
            candidates, first_error = _placed_beyond_budget(network, graph, coordinate_sets, target, structured,
                                                            late, first_error)
    # The naive fill is a candidate too, so that this placer is never worse than it.
    if sequential is not None:
        candidates.append(sequential)
    if not candidates:
        raise first_error
    with progress.stage("placement: score candidates", total=len(candidates), unit="placements") as task:
        scored = []
        for pl in candidates:
            scored.append(_score(network, pl, target, rates))
            task.advance()
    # The refinement can reorder the candidates: refine the few best and keep the best result.
    ranked = sorted(range(len(candidates)), key=lambda i: scored[i])[:REFINED_CANDIDATES]
    results, report = [], Refinement()
    with progress.stage("placement: refine", unit="tries") as task:
        for rank, i in enumerate(ranked):
            if budget.out_of_time() or (rank and budget.left <= 0):
                budget.skip(f"refining candidate {rank + 1} of {len(ranked)}")
                results.append((candidates[i], scored[i]))
                continue
            results.append(_refined(network, candidates[i], target, p_step, rates, scored[i], budget,
                                    unstructured, task, report))
    best = min(results, key=lambda r: r[1])[0]
    return Placement.build(METHOD, best.core_of, target, notes=tuple(notes + _budget_notes(budget, report)))


class _Plan:
    """The bisection work ahead, estimated from the network's size (:mod:`.budget`).

    ``first_counts``: region sizes of a first attempt (no fan-in estimate yet);
    ``all_sets``: work units of one such attempt per coordinate set; ``scattered``: whether
    the bisections' reads are scattered (unstructured connectivity on more neurons than
    :data:`CACHE_NEURONS`); ``economy``: whether even two attempts along the first set would
    not fit the bisections' share of the allowance, in which case every attempt bisects into
    whole tiles only (one region size, not two: the rounded-up count, which placed the
    benchmark's large ring best).
    """

    def __init__(self, network, graph, coordinate_sets, target, structured, late, budget, looks_random=False):
        self.network, self.graph, self.coordinate_sets, self.target = network, graph, coordinate_sets, target
        self.structured, self.late, self.budget = structured, late, budget
        # neighbours anywhere in a cut order and too many neurons for the cache: scattered reads
        self.scattered = looks_random and graph.n > CACHE_NEURONS
        self.limit = BISECTION_SHARE * budget.allowance
        k = max(1, int(np.ceil(cores_needed(core_shares(graph, target.core, 0.0)) - 1e-9)))
        self.first_counts = _core_counts(target, min(k, target.total_cores), structured)
        self.variants = 2 if late is not None else 1
        self.all_sets = sum(self.attempt(self.first_counts, c) for c in coordinate_sets)
        self.economy = len(self.first_counts) > 1 and 2 * self.attempt(self.first_counts, coordinate_sets[0]) > self.limit

    def attempt(self, counts, coords, variants=None) -> float:
        """Work units of one attempt into ``counts`` cores along ``coords`` (:func:`.budget.attempt_work`)."""
        return attempt_work(self.network, self.graph, counts, coords.shape[1],
                            self.variants if variants is None else variants, self.scattered)

    def first_counts_for(self, coords) -> list:
        """Region sizes of a first attempt along ``coords`` (whole tiles only in economy)."""
        return self.first_counts[-1:] if self.economy else self.first_counts


def _bisected_candidates(plan) -> tuple:
    """(legal placements of every coordinate set the budget affords, the first BuildError or None)."""
    candidates, first_error = [], None
    budget = plan.budget
    sets = plan.coordinate_sets
    with progress.stage("placement: bisections", total=len(sets), unit="coordinate sets") as task:
        for coords in sets:
            name = "network order" if coords.shape[1] == 1 else f"{coords.shape[1]}-D spectral"
            task.update(description=f"placement: {name}")
            # A set is started only if the allowance affords two attempts along it (a fan-in
            # estimate that turns out too low, and its retry); a further set only if those take
            # at most MAX_SET_SHARE of the allowance: on networks that large for the budget the
            # first set that places it is kept.
            afford = 2 * plan.attempt(plan.first_counts_for(coords), coords)
            further = coords is not sets[0]
            if budget.deadline_hit or budget.spent + afford > plan.limit or \
                    (further and afford > MAX_SET_SHARE * budget.allowance):
                budget.skip(f"bisection along {name} coordinates")
                task.advance()
                continue
            try:
                candidates += _legal_placements(plan.network, plan.graph, coords, plan.target, plan.structured,
                                                plan.late, budget, plan.limit, plan.economy, plan.scattered)
            except BuildError as exc:
                first_error = first_error or exc
            except OutOfTime:
                budget.skip(f"bisection along {name} coordinates")
            task.advance()
    return candidates, first_error


def _placed_beyond_budget(network, graph, coordinate_sets, target, structured, late, first_error) -> tuple:
    """(legal placements of the first coordinate set that gives any, without a budget; the
    first BuildError or None): the last resort when the budget left no legal placement."""
    for coords in coordinate_sets:
        try:
            return _legal_placements(network, graph, coords, target, structured, late), first_error
        except BuildError as exc:
            first_error = first_error or exc
    return [], first_error


def _budget_notes(budget, report) -> list:
    """What the budget left out, for ``Placement.notes``."""
    notes = []
    if budget.deadline_hit:
        notes.append(f"the wall clock reached the placement budget of {budget.seconds:g} s: kept the best legal "
                     "placement so far (this result depends on the machine's speed; a larger budget gives "
                     "the full search)")
    elif budget.skipped or report.limit_reached:
        left_out = list(budget.skipped) + (["the rest of the refinement"] if report.limit_reached else [])
        notes.append(f"the work allowance of the {budget.seconds:g} s placement budget left out "
                     f"{', '.join(left_out)} (deterministic: the same on any machine; a larger budget "
                     "searches more)")
    return notes


def _score(network, placement, target, rates) -> tuple:
    """(violations, hop-weighted traffic, messages, cores used) of ``placement``: lower is better."""
    m = placement_metrics(network, placement, target, rates)
    return m.violations, m.hop_weighted_traffic, m.messages_per_step, m.cores_used


def _refined(network, placement, target, p_step, rates, score, budget, moves_only=False, task=None,
             report=None) -> tuple:
    """(placement, score) after neuron-level refinement (:mod:`.refine`) within what is left
    of ``budget``; the refined placement is kept only if it is legal and its exact traffic
    is lower (``score``: :func:`_score` of ``placement``). ``report``: a
    :class:`.refine.Refinement` that collects the work done."""
    if score[0]:
        return placement, score
    done = Refinement()
    core_of = refine_neurons(network, placement.core_of, target, p_step, work_limit=budget.left,
                             moves_only=moves_only, budget=budget, task=task, report=done,
                             min_gain=UNSTRUCTURED_MIN_GAIN if moves_only else MIN_SWEEP_GAIN)
    budget.charge(done.work)
    if report is not None:
        report.work += done.work
        report.limit_reached = report.limit_reached or done.limit_reached
    if core_of is placement.core_of:
        return placement, score
    refined = Placement.build(METHOD, core_of, target)
    refined_score = _score(network, refined, target, rates)
    if refined_score[0] == 0 and refined_score[1] < score[1]:
        return refined, refined_score
    return placement, score


def _legal_placements(network, graph, coords, target, structured, late=None, budget=None, limit=None,
                      economy=False, scattered=False) -> list:
    """Placements by bisection along ``coords`` that respect every limit (BuildError if none).

    Each attempt places with the current fan-in estimate and margin; the first attempt with
    a legal result returns all its legal placements. ``late``: boolean (n,) of neurons that
    also get a variant placed after the others (:func:`.dense_inputs.dense_input_neurons`),
    or None. ``budget``: a :class:`.budget.PlacementBudget` charged for every attempt; an
    attempt it cannot afford within ``limit`` work units (spent ones included) raises
    :class:`.budget.OutOfTime`, as does its wall clock. ``economy``: bisect into whole tiles
    only (:func:`_core_counts`), with the margin a retry after an additive limit would add;
    ``scattered``: see :class:`_Plan`.
    """
    limits = target.core
    tried = []
    alpha, clamped, margin = 0.0, False, 0.0
    if economy:
        # A bisection filled to the brim can exceed an additive limit by a neuron; the retry
        # would add this margin: in economy the first attempt keeps it already.
        margin = 2.0 * float(core_shares(graph, limits, 0.0).max(initial=0.0))
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
        counts = _core_counts(target, k_min, structured, economy)
        if budget is not None:
            work = attempt_work(network, graph, counts, coords.shape[1], 2 if late is not None else 1, scattered)
            if budget.spent + work > limit:
                raise OutOfTime()
            budget.charge(work)
        results = _placements_at(network, graph, coords, shares, target, counts, late, budget)
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


def _core_counts(target, k_min: int, structured: bool, economy: bool = False) -> list:
    """Region sizes tried: the fewest cores, and (with a traffic graph) that rounded up to
    whole tiles; ``economy``: only the latter."""
    cpt = target.chip.cores_per_tile
    whole_tiles = min(-(-k_min // cpt) * cpt, target.total_cores)
    if structured and economy:
        return [whole_tiles]
    return [k_min, whole_tiles] if structured and whole_tiles != k_min else [k_min]


def _placements_at(network, graph, coords, shares, target, core_counts, late, budget=None) -> list:
    """[(placement, usage)] for every region size in ``core_counts`` and variant (all neurons
    bisected; with ``late``, those placed after the rest), mapping-refined by tiles then cores."""
    cpt = target.chip.cores_per_tile
    results = []
    for k in core_counts:
        with progress.stage(f"placement: cut into {k} cores", total=k - 1, unit="cuts") as task:
            variants = [bisect(graph, coords, shares, compact_cores(target, k), target, budget=budget, task=task)]
        if late is not None:
            variants.append(place_dense_inputs_last(graph, coords, shares, target, k, late, budget))
        for core in variants:
            if core is None:
                continue
            core = refine_mapping(network, graph, core, target, unit=cpt)
            core = refine_mapping(network, graph, core, target)
            placement = Placement.build(METHOD, population_cores(network, graph, core), target)
            results.append((placement, core_usage(network, placement, target)))
    return results
