"""Per-core resource use of a placement: neurons, synapse entries, fan-in axons, parameter sets."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .destinations import destination_matrices, outgoing_projections

LIMITS = ("neurons", "synapse_entries", "fanin_axons", "parameter_sets")
# CoreUsage field -> CoreLimits field of the target
LIMIT_KEYS = {"neurons": "neurons", "synapse_entries": "synapse_entries", "fanin_axons": "fanin_axons",
              "parameter_sets": "neuron_parameter_sets"}


@dataclass(frozen=True)
class CoreUsage:
    """Arrays (n_cores,) of what each core holds, and the limits they are checked against.

    ``fanin_axons`` counts distinct presynaptic neurons (host inputs and neurons of the same
    core included) with at least one synapse onto a neuron of the core, over all projections.
    ``parameter_sets`` counts distinct neuron parameter combinations on the core; it is
    ``None`` when the target sets no ``neuron_parameter_sets`` limit.
    """

    neurons: np.ndarray
    synapse_entries: np.ndarray
    fanin_axons: np.ndarray
    limits: dict
    parameter_sets: np.ndarray | None = None

    def _checked(self):
        return [w for w in LIMITS if getattr(self, w) is not None and self.limits.get(w) is not None]

    def violations(self) -> list[str]:
        """Human-readable descriptions of every exceeded limit (empty when the placement is legal)."""
        out = []
        for what in self._checked():
            used, limit = getattr(self, what), self.limits[what]
            for core in np.flatnonzero(used > limit):
                out.append(f"core {core}: {what} = {used[core]} exceeds the limit {limit}")
        return out

    def n_violations(self) -> int:
        """Number of (core, limit) pairs over the limit."""
        return sum(int(np.count_nonzero(getattr(self, w) > self.limits[w])) for w in self._checked())

    def utilisation(self) -> dict:
        """Max and mean fraction of each limit used over the cores that hold neurons."""
        used = self.neurons > 0
        out = {}
        for what in self._checked():
            frac = getattr(self, what)[used] / self.limits[what]
            out[what] = (float(frac.max()) if frac.size else 0.0, float(frac.mean()) if frac.size else 0.0)
        return out


def parameter_set_ids(network) -> dict[str, np.ndarray]:
    """Population name -> int array (size,): one id per distinct (model, parameter values) combination."""
    ids, next_id = {}, 0
    groups: dict[tuple, list] = {}
    for pop in network.populations.values():
        if pop.is_source:
            ids[pop.name] = np.full(pop.size, -1, dtype=np.int64)
            continue
        names = sorted(pop.params)
        numeric = [n for n in names if not isinstance(pop.params[n], str)]
        choice = tuple((n, pop.params[n]) for n in names if isinstance(pop.params[n], str))
        key = (type(pop.model).__name__, tuple(numeric), choice)
        table = np.column_stack([np.broadcast_to(np.asarray(pop.params[n], dtype=float), (pop.size,))
                                 for n in numeric]) if numeric else np.zeros((pop.size, 0))
        groups.setdefault(key, []).append((pop.name, table))
    for members in groups.values():
        stacked = np.concatenate([t for _, t in members])
        if stacked.shape[1]:
            _, inverse = np.unique(stacked, axis=0, return_inverse=True)
        else:
            inverse = np.zeros(stacked.shape[0], dtype=np.int64)
        inverse = inverse.reshape(-1) + next_id
        next_id = int(inverse.max(initial=next_id - 1)) + 1
        start = 0
        for name, table in members:
            ids[name] = inverse[start:start + table.shape[0]]
            start += table.shape[0]
    return ids


def count_parameter_sets(network, core_of: dict, n_cores: int, ids=None) -> np.ndarray:
    """Distinct parameter sets on every core (n_cores,)."""
    ids = parameter_set_ids(network) if ids is None else ids
    cores = np.concatenate([core_of[p] for p in ids]).astype(np.int64)
    sets = np.concatenate([ids[p] for p in ids])
    keep = cores >= 0
    pairs = np.unique(cores[keep] * (int(sets.max(initial=0)) + 1) + sets[keep])
    return np.bincount(pairs // (int(sets.max(initial=0)) + 1), minlength=n_cores)


def synapse_entries_per_core(synapses, core_of: dict, n_cores: int) -> np.ndarray:
    """Synapse entries stored on every core (n_cores,): each synapse is one entry on the core of
    its postsynaptic neuron. ``synapses``: (postsynaptic population name, postsynaptic neuron
    index of each synapse) per projection; ``core_of``: population name -> core per neuron."""
    out = np.zeros(n_cores, dtype=np.int64)
    for post, post_index in synapses:
        out += np.bincount(np.asarray(core_of[post])[post_index].astype(np.int64, copy=False), minlength=n_cores)
    return out


def learning_usage(projections, core_of: dict, n_cores: int, target) -> tuple[np.ndarray, np.ndarray]:
    """``(plastic, extra_entries)`` per core (n_cores,): the plastic synapses of the quantized
    ``projections`` on each core (a synapse sits on its postsynaptic neuron's core) and the
    synapse entries their wider registers take beyond one each (the target's
    ``[learning] plastic_synapse_entries``)."""
    plastic = synapse_entries_per_core(((qp.post, qp.post_index) for qp in projections
                                        if getattr(qp, "learning", None) is not None), core_of, n_cores)
    per_synapse = target.learning.plastic_synapse_entries if target.learning is not None else 1
    return plastic, plastic * (per_synapse - 1)


def learning_capacity_problems(projections, core_of: dict, n_cores: int, target) -> list[str]:
    """What exceeds a core's learning engine (``learning.plastic_synapses``) or, with the plastic
    synapses' wider registers, its synapse memory: one sentence per limit, naming the first core.
    Placement counts a synapse as one entry; this check counts what a plastic one really takes."""
    plastic, extra = learning_usage(projections, core_of, n_cores, target)
    if not plastic.any():
        return []
    problems = []
    limit = target.learning.plastic_synapses if target.learning is not None else 0
    over = np.flatnonzero(plastic > limit)
    if over.size:
        problems.append(f"core {int(over[0])} holds {int(plastic[over[0]])} plastic synapses, more than the "
                        f"{limit} its learning engine updates (learning.plastic_synapses; {over.size} core(s) over)")
    entries = synapse_entries_per_core(((qp.post, qp.post_index) for qp in projections), core_of, n_cores) + extra
    full = np.flatnonzero(entries > target.core.synapse_entries)
    if full.size:
        problems.append(f"core {int(full[0])} needs {int(entries[full[0]])} synapse entries with its plastic synapses' "
                        f"{target.learning.plastic_synapse_entries} entries each, more than core.synapse_entries = "
                        f"{target.core.synapse_entries} ({full.size} core(s) over)")
    return problems


def synapses_per_core(network, core_of: dict, n_cores: int) -> np.ndarray:
    """Synapse entries stored on every core by the projections of ``network``."""
    return synapse_entries_per_core(((proj.post.name, proj.weights.indices) for proj in network.projections),
                                    core_of, n_cores)


def core_usage(network, placement, target, destinations=None) -> CoreUsage:
    """Count neurons, synapse entries, distinct presynaptic sources (and parameter sets) per core."""
    n = placement.n_cores
    if destinations is None:
        destinations = destination_matrices(network, placement.core_of, n)
    fanin = np.zeros(n, dtype=np.int64)
    senders = outgoing_projections(network)
    for name, dest in destinations.items():
        if name in senders:
            fanin += np.bincount(dest.indices, minlength=n)
    limits = {w: getattr(target.core, LIMIT_KEYS[w]) for w in LIMITS}
    sets = None
    if target.core.neuron_parameter_sets is not None:
        sets = count_parameter_sets(network, placement.core_of, n)
    return CoreUsage(placement.neurons_per_core(), synapses_per_core(network, placement.core_of, n),
                     fanin, limits, sets)
