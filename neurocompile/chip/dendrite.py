"""The dendrite: how synaptic input is summed, scaled, delayed and read (docs/chip.md section 3).

Rules, each written once here:

* **Scaling.** A projection's weights are mantissas with one shared exponent ``e``. The chip
  scales each step's *sum* of mantissas per (projection, delay, target neuron) by ``2**e``
  (:func:`~.numbers.shift_by_exponent`; a floor for ``e < 0``), as Lava's Dense does. For
  ``e >= 0`` this equals adding ``mantissa << e`` per synapse; for ``e < 0`` the sums of
  different (projection, delay) groups must be kept apart until they are floored
  (:func:`floor_groups`).
* **Delay.** A spike sent in step ``t`` through a synapse of delay ``d >= 1`` lands in the
  accumulator slot of step ``t + d`` (:func:`arrival_slot`, a ring of ``L > max delay`` slots).
* **Read-out.** The soma reads the slot of step ``t`` once, saturated to ``B - S`` bits
  (:func:`read_dendrite`, :func:`dendrite_element`), and the slot is cleared.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..jit import njit
from ..target import LOIHI_PRECISION
from .numbers import saturate, saturate_element, shift_by_exponent
from .overflow import check_range

__all__ = ["FloorGroups", "arrival_slot", "dendrite_element", "floor_groups", "floors_each_group",
           "read_dendrite", "scaled_sum", "scaled_synapse", "shift_by_exponent"]


@njit(inline="always")
def arrival_slot(step, delay, ring_length):
    """The accumulator slot that a spike of ``step`` through a synapse of ``delay`` lands in."""
    return (step + delay) % ring_length


@njit(inline="always")
def scaled_sum(mantissa_sum, exponent):
    """A (projection, delay, neuron) sum of mantissas scaled by the projection's exponent."""
    return shift_by_exponent(mantissa_sum, exponent)


@njit(inline="always")
def scaled_synapse(mantissa, exponent):
    """One synapse's contribution for ``exponent >= 0``: ``mantissa << exponent``.

    A left shift distributes over sums, so scaling each synapse equals scaling the sum there
    (and lets all such projections share one accumulator).
    """
    return mantissa << exponent


@njit(inline="always")
def dendrite_element(total, low, high):
    """``a_in`` of one neuron: its slot's exact sum, saturated to ``low..high``."""
    return saturate_element(total, low, high)


def floors_each_group(weight_exp: int) -> bool:
    """Whether a projection's per-step sums must be kept per delay until scaled (``e < 0``).

    Shifting left distributes over sums, so with ``e >= 0`` every synapse may be scaled on its
    own and all projections may share one accumulator; a floor does not distribute.
    """
    return weight_exp < 0


class FloorGroups(NamedTuple):
    """The (projection, delay) groups whose sums the chip floors separately.

    ``delays``: the projection's distinct delays, ascending; group ``k`` holds the synapses of
    delay ``delays[k]``. ``group_of_delay``: (max delay + 1,) group index by delay value (0
    for delays that do not occur).
    """

    delays: np.ndarray
    group_of_delay: np.ndarray


def floor_groups(delay_steps: np.ndarray) -> FloorGroups:
    """The floor groups of a projection with a negative exponent (one group per delay)."""
    delays = np.unique(np.asarray(delay_steps, dtype=np.int64))
    group_of_delay = np.zeros(int(delays.max(initial=0)) + 1, dtype=np.int64)
    group_of_delay[delays] = np.arange(delays.size)
    return FloorGroups(delays, group_of_delay)


def read_dendrite(accumulated, precision=LOIHI_PRECISION, *, strict: bool = False, step: int = 0,
                  owner: str = "dendrite", neuron_ids=None) -> np.ndarray:
    """The soma's input ``a_in`` from dendritic accumulator slots (docs/chip.md section 3.3).

    A slot holds the exact sum of the scaled contributions that arrive this step; it is read
    as a signed ``state_bits - alignment_shift_bits``-bit value (``precision.dendrite_range``),
    saturating, so that ``a_in << alignment_shift_bits`` fits the state. Lava does not bound
    this sum, so the two agree exactly when no saturation happens; strict mode raises when it
    would.
    """
    low, high = precision.dendrite_range
    values = np.asarray(accumulated, dtype=np.int64)
    if strict:
        check_range(values, low, high, owner, step, neuron_ids, "dendritic input a_in")
    return saturate(values, low, high)
