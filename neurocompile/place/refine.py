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
in a fixed order, sweep after sweep, until a sweep gains less than a tiny fraction, so the
result is deterministic. Candidate destination tiles of a unit are the tiles of its
presynaptic neurons and of its targets; candidate cores are all cores of the tiles in use,
free ones included. The loops are compiled (:mod:`neurocompile.jit`): each move updates a
few hundred counters, which in numpy would cost far more in call overhead than in work.
"""
from __future__ import annotations

from .core_swaps import swap_cores
from .refine_state import refinement_state
from .unit_moves import move_units

MAX_SWEEPS = 12
# Whole-core swaps are tried between tiles at most this many tile hops apart.
SWAP_TILE_DISTANCE = 2
# A sweep that gains less than this fraction of the traffic ends the refinement.
MIN_SWEEP_GAIN = 1e-4


def refine_neurons(network, core_of: dict, target, rate: dict, max_sweeps: int = MAX_SWEEPS) -> dict:
    """A copy of ``core_of`` with neurons moved between tiles to lower the hop-weighted traffic.

    ``rate``: population -> expected spikes per step of every neuron. The input placement
    must respect every limit; the output does too, and its traffic is never higher. Returns
    the input unchanged when the network or the count arrays would be too large, or when no
    move could gain (:func:`.refine_state.refinement_state`).
    """
    state = refinement_state(network, core_of, target, rate)
    if state is None:
        return core_of
    for _ in range(max_sweeps):
        swapped = swap_cores(state.senders, state.mesh, state.receivers.core, max_sweeps, MIN_SWEEP_GAIN,
                             SWAP_TILE_DISTANCE)
        # usage per core, recounted after the swaps (the contents moved with them)
        total, moved = move_units(state.units, state.receivers, state.senders, state.mesh, state.core_load(),
                                  state.limits, max_sweeps, MIN_SWEEP_GAIN)
        if swapped + moved <= MIN_SWEEP_GAIN * max(total, 1e-300):
            break
    return state.core_of(network, core_of)
