"""Checking a Lava run against the emulator, spike for spike (used by ``build --run``)."""
from __future__ import annotations

import numpy as np


def mismatches(lava_result, emu_result) -> list[str]:
    """Differences between two runs of one program: spike counts of every population, probed
    spike rasters and raw probed traces. Empty when the runs are identical."""
    out = []
    for name in emu_result.populations:
        a, b = lava_result.counts[name], emu_result.counts[name]
        if not np.array_equal(a, b):
            diff = np.flatnonzero(a != b)
            out.append(f"{name}: spike counts differ for {diff.size} neuron(s), first neuron {diff[0]} "
                       f"(Lava {a[diff[0]]}, emulator {b[diff[0]]})")
    for name in emu_result.spike_probed:
        a, b = lava_result.spikes(name), emu_result.spikes(name)
        if not np.array_equal(a, b):
            step = int(np.flatnonzero((a != b).any(axis=1))[0])
            out.append(f"{name}: spike rasters differ, first at step {step}")
    for name, var in emu_result.traced:
        a, b = lava_result.trace(name, var, raw=True), emu_result.trace(name, var, raw=True)
        if not np.array_equal(a, b):
            step = int(np.flatnonzero((a != b).any(axis=1))[0])
            out.append(f"{name}.{var}: integer traces differ, first at step {step}")
    return out
