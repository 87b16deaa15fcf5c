"""Incoming connectivity in post-major form, for the per-core fan-in and synapse limits.

Neurons of all populations get global ids (populations in network order, spike sources
included); for every receiving population this holds, per postsynaptic neuron, the global ids
of its presynaptic neurons (CSC layout over all incoming projections).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class IncomingSynapses:
    """Per receiving population: ``indptr`` (size+1,) and ``pre_gid`` (synapses,) arrays."""

    def __init__(self, network):
        self.offsets = {}
        offset = 0
        for pop in network.populations.values():
            self.offsets[pop.name] = offset
            offset += pop.size
        self.total_neurons = offset
        parts: dict[str, list] = {}
        for proj in network.projections:
            coo = proj.weights.tocoo()
            parts.setdefault(proj.post.name, []).append(
                (coo.col.astype(np.int64), coo.row.astype(np.int64) + self.offsets[proj.pre.name]))
        self.indptr, self.pre_gid = {}, {}
        for pop in network.populations.values():
            cols = [c for c, _ in parts.get(pop.name, [])]
            gids = [g for _, g in parts.get(pop.name, [])]
            post = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
            gid = np.concatenate(gids) if gids else np.zeros(0, dtype=np.int64)
            order = np.argsort(post, kind="stable")
            self.pre_gid[pop.name] = gid[order]
            indptr = np.zeros(pop.size + 1, dtype=np.int64)
            np.cumsum(np.bincount(post, minlength=pop.size), out=indptr[1:])
            self.indptr[pop.name] = indptr

    def synapses(self, name: str, start: int, stop: int) -> int:
        """Synapse entries onto neurons ``start:stop`` of population ``name``."""
        ptr = self.indptr[name]
        return int(ptr[stop] - ptr[start])

    def fanin(self, name: str, start: int, stop: int) -> int:
        """Distinct presynaptic neurons with at least one synapse onto ``start:stop``."""
        ptr = self.indptr[name]
        return int(np.unique(self.pre_gid[name][ptr[start]:ptr[stop]]).size)

    def fanin_of_members(self, name: str, members: np.ndarray) -> int:
        """Distinct presynaptic neurons onto an arbitrary set of neurons of ``name``."""
        ptr = self.indptr[name]
        rows = sp.csr_matrix((np.ones(ptr[-1], dtype=bool), self.pre_gid[name], ptr),
                             shape=(ptr.size - 1, self.total_neurons))[members]
        return int(np.unique(rows.indices).size)
