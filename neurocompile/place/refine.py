"""Neuron-level refinement: move neurons, twin groups and whole cores' contents between tiles
while the exact hop-weighted traffic drops.

The hop-weighted traffic depends only on the tile of every neuron (cores of one tile are 0
hops apart): a neuron ``u`` costs ``p_u`` times the weight of its XY multicast tree, whose
shape is fixed by the source tile and the set of tiles holding its targets
(:mod:`.multicast_tree`). The refinement keeps, for every presynaptic neuron ``g``, the number
of its distinct targets on every candidate core and tile, and the weight of its tree
(:mod:`.refine_state`). Two local searches alternate (docs/placement.md, section 5, step 6):

* whole-core swaps (:mod:`.core_swaps`): the contents of two cores of different, nearby tiles
  are exchanged; usage moves with the contents, so every limit still holds;
* unit moves (:mod:`.unit_moves`): a unit (a group of "twins", neurons with the same
  presynaptic neurons, or a single neuron) moves to the core of another tile where the
  traffic drops most, keeping every per-core limit.

A change is made only when its exact traffic change is negative. Units and cores are visited
in a fixed order, sweep after sweep, until a sweep gains less than a tiny fraction or a work
limit is spent (counted in units that do not depend on the machine, :mod:`.work`), so the
result is deterministic; only a wall-clock budget that runs out first stops it elsewhere. Candidate destination tiles of a unit are the tiles of its
presynaptic neurons and of its targets; candidate cores are all cores of the tiles in use,
free ones included. The loops are compiled (:mod:`neurocompile.jit`): each move updates a
few hundred counters, which in numpy would cost far more in call overhead than in work.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .core_swaps import swap_cores
from .refine_state import refinement_state
from .unit_moves import move_units
from .work import SPENT, control_array, exhausted, run_watched

MAX_SWEEPS = 12
# Whole-core swaps are tried between tiles at most this many tile hops apart.
SWAP_TILE_DISTANCE = 2
# A sweep that gains less than this fraction of the traffic ends the refinement.
MIN_SWEEP_GAIN = 1e-4


@dataclass
class Refinement:
    """What :func:`refine_neurons` did: ``work`` units spent (:mod:`.work`), whether it
    stopped at its work ``limit_reached`` or because the wall clock ran out
    (``budget.deadline_hit``), and whether it ran at all (``ran``: False when the state
    would be too large or no move could gain)."""

    work: int = 0
    limit_reached: bool = False
    ran: bool = False


def refine_neurons(network, core_of: dict, target, rate: dict, max_sweeps: int = MAX_SWEEPS, *,
                   work_limit: float = math.inf, moves_only: bool = False, budget=None, task=None,
                   report: Refinement | None = None, min_gain: float = MIN_SWEEP_GAIN) -> dict:
    """A copy of ``core_of`` with neurons moved between tiles to lower the hop-weighted traffic.

    ``rate``: population -> expected spikes per step of every neuron. The input placement
    must respect every limit; the output does too, and its traffic is never higher. Returns
    the input unchanged when the network or the count arrays would be too large, or when no
    move could gain (:func:`.refine_state.refinement_state`).

    ``work_limit``: work units (:mod:`.work`) after which it stops where it is;
    ``moves_only``: no whole-core swaps (they cannot pay on unstructured networks, where
    every core's senders reach every tile); ``budget``: a :class:`.budget.PlacementBudget`
    whose wall clock stops it too; ``task``: a progress task; ``report``: a
    :class:`Refinement` filled in with what was done; ``min_gain``: a sweep that gains less
    than this fraction of the traffic ends it.
    """
    report = report if report is not None else Refinement()
    state = refinement_state(network, core_of, target, rate)
    if state is None:
        return core_of
    report.ran = True
    control = control_array(work_limit)
    for sweep in range(max_sweeps):
        if task is not None:
            task.update(description=f"placement: refine, round {sweep + 1}")
        swapped = 0.0
        if not moves_only:
            swapped = run_watched(swap_cores, (state.senders, state.mesh, state.receivers.core, max_sweeps,
                                               min_gain, SWAP_TILE_DISTANCE), control, budget, task)
        # usage per core, recounted after the swaps (the contents moved with them)
        total, moved = run_watched(move_units, (state.units, state.receivers, state.senders, state.mesh,
                                                state.core_load(), state.limits, max_sweeps, min_gain),
                                   control, budget, task)
        if swapped + moved <= min_gain * max(total, 1e-300) or exhausted(control):
            break
    report.work = int(control[SPENT])
    report.limit_reached = exhausted(control) and not (budget is not None and budget.deadline_hit)
    return state.core_of(network, core_of)
