"""Register overflow in strict mode: the error that names the neuron, the step and the value.

The chip wraps the LIF current and saturates every other register (docs/chip.md section 10);
a run counts those events. With ``strict=True`` the first one is a :class:`ChipOverflowError`
instead, raised by the neuron updates of :mod:`.lif`, :mod:`.adex` and :mod:`.dendrite`.
"""
from __future__ import annotations

import numpy as np

from ..errors import NeurocompileError


class ChipOverflowError(NeurocompileError, OverflowError):
    """A state register wrapped or saturated while the emulator runs in strict mode."""


def overflow_error(owner: str, step: int, neuron_ids, mask: np.ndarray, variable: str,
                   values: np.ndarray, rule: str) -> ChipOverflowError:
    """Error naming the first offending neuron, its value and how many others overflowed.

    ``neuron_ids``: the labels of the slice's neurons (an array, or a function from position
    to label; ``None``: their positions); ``mask`` marks the neurons that overflowed, ``values``
    holds the register values before the rule.
    """
    where = np.flatnonzero(mask)
    first = int(where[0])
    if neuron_ids is None:
        label = first
    elif callable(neuron_ids):
        label = neuron_ids(first)
    else:
        label = np.asarray(neuron_ids)[first]
    others = f" (and {where.size - 1} other neuron(s))" if where.size > 1 else ""
    return ChipOverflowError(
        f"{owner}: neuron {label} at step {step}: {variable} = {int(values[first])} "
        f"{rule}{others}; strict mode forbids wrap-around and saturation"
    )


def check_range(values: np.ndarray, low: int, high: int, owner: str, step: int, neuron_ids,
                variable: str) -> None:
    """Strict mode: raise unless every value is in ``low..high``."""
    bad = (values < low) | (values > high)
    if bad.any():
        raise overflow_error(owner, step, neuron_ids, bad, variable, values,
                             f"saturates to the range {low}..{high}")
