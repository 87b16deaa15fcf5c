"""Per-core resource use of a placement: neurons, synapse entries and fan-in axons."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fanin import IncomingSynapses
from .placement import HOST


@dataclass(frozen=True)
class CoreUsage:
    """Arrays (n_cores,) of what each core holds, and the limits they are checked against."""

    neurons: np.ndarray
    synapse_entries: np.ndarray
    fanin_axons: np.ndarray
    limits: dict

    def violations(self) -> list[str]:
        """Human-readable descriptions of every exceeded limit (empty when the placement is legal)."""
        out = []
        for what in ("neurons", "synapse_entries", "fanin_axons"):
            used, limit = getattr(self, what), self.limits[what]
            for core in np.flatnonzero(used > limit):
                out.append(f"core {core}: {what} = {used[core]} exceeds the limit {limit}")
        return out

    def utilisation(self) -> dict:
        """Max and mean fraction of each limit used over the cores that hold neurons."""
        used = self.neurons > 0
        out = {}
        for what in ("neurons", "synapse_entries", "fanin_axons"):
            frac = getattr(self, what)[used] / self.limits[what]
            out[what] = (float(frac.max()) if frac.size else 0.0, float(frac.mean()) if frac.size else 0.0)
        return out


def core_usage(network, placement, target) -> CoreUsage:
    """Count neurons, synapse entries and distinct presynaptic sources on every core."""
    n = placement.n_cores
    incoming = IncomingSynapses(network)
    neurons = placement.neurons_per_core()
    synapses = np.zeros(n, dtype=np.int64)
    fanin = np.zeros(n, dtype=np.int64)
    for name, cores in placement.core_of.items():
        ptr, gid = incoming.indptr[name], incoming.pre_gid[name]
        if gid.size == 0 or np.all(cores == HOST):
            continue
        post_core = np.repeat(cores.astype(np.int64), np.diff(ptr))
        synapses += np.bincount(post_core, minlength=n)
        pairs = np.unique(post_core * incoming.total_neurons + gid)
        fanin += np.bincount(pairs // incoming.total_neurons, minlength=n)
    limits = {"neurons": target.core.neurons, "synapse_entries": target.core.synapse_entries,
              "fanin_axons": target.core.fanin_axons}
    return CoreUsage(neurons, synapses, fanin, limits)
