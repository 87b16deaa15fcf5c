"""Turning a finished emulator run into a :class:`~neurocompile.result.Result` (both engines)."""
from __future__ import annotations

import numpy as np

from ..result import Result


def physical_scales(populations: dict, recorder) -> dict:
    """(population, variable) -> (scale, offset) over the probed neurons: raw integer to unit."""
    to_physical = {}
    for (name, var), indices in recorder.trace_probes.items():
        size = populations[name].size
        scale, offset = populations[name].to_physical[var]
        to_physical[(name, var)] = (np.broadcast_to(scale, (size,))[indices],
                                    np.broadcast_to(offset, (size,))[indices])
    return to_physical


def chip_result(populations: dict, recorder, counts: dict, counters, dt: float, n_steps: int,
                to_physical: dict | None = None) -> Result:
    """The Result of a chip run: raw probed integers plus each probe's conversion to physical
    units (``to_physical``, computed here unless given: the samples of a batch share it)."""
    if to_physical is None:
        to_physical = physical_scales(populations, recorder)
    return Result(backend="emu", dt=dt, n_steps=n_steps, counts=counts, recorder=recorder,
                  stats=counters.finish(), to_physical=to_physical)
