"""Inputs from the host (docs/chip.md section 7): when bias updates take effect, and their value.

A step current is a *bias update*: from its step on, the population's bias registers hold the
update's ``bias_mant``, ``bias_exp``. The host writes them before the soma phase of that step;
an update at step 0 gives the registers they start with. Every back end follows this one
schedule (the emulator between kernel calls, the Lava graph as host writes between runs).
"""
from __future__ import annotations

import numpy as np

from .numbers import scale_by_exponent


def bias_value(bias_mant, bias_exp) -> np.ndarray:
    """The value a bias register pair adds to the voltage each step: ``mant * 2**exp`` (floor)."""
    return scale_by_exponent(np.asarray(bias_mant, dtype=np.int64), np.asarray(bias_exp, dtype=np.int64))


class BiasSchedule:
    """The bias updates of a program by step (``BiasUpdate`` records with ``step`` and ``population``)."""

    def __init__(self, updates):
        self._by_step: dict[int, list] = {}
        for update in updates:
            self._by_step.setdefault(max(int(update.step), 0), []).append(update)
        self.steps = sorted(self._by_step)

    def at(self, step: int) -> list:
        """The updates that take effect before the soma phase of ``step``, in program order."""
        return self._by_step.get(step, [])

    def next_change(self, step: int) -> int | None:
        """The first step after ``step`` at which an update takes effect (None if there is none)."""
        later = [s for s in self.steps if s > step]
        return later[0] if later else None

    def initial(self) -> dict:
        """population -> the update in effect from step 0 (the registers a run starts with)."""
        return {update.population: update for update in self.at(0)}

    def during(self, n_steps: int) -> list:
        """(step, updates) for the updates of steps 1..n_steps-1, in step order."""
        return [(step, self._by_step[step]) for step in self.steps if 0 < step < n_steps]
