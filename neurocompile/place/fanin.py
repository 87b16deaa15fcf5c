"""Incoming connectivity in post-major form, for the per-core fan-in and synapse limits.

Neurons of all populations get global ids (populations in network order, spike sources
included); for every receiving population this holds, per postsynaptic neuron, the global ids
of its presynaptic neurons (CSC layout over all incoming projections).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..jit import njit


class IncomingSynapses:
    """Per receiving population: ``indptr`` (size+1,) and ``pre_gid`` (synapses,) arrays."""

    def __init__(self, network):
        self.offsets = {}
        offset = 0
        for pop in network.populations.values():
            self.offsets[pop.name] = offset
            offset += pop.size
        self.total_neurons = offset
        incoming: dict[str, list] = {}
        for proj in network.projections:
            incoming.setdefault(proj.post.name, []).append(proj)
        gid_dtype = np.int32 if offset < 2**31 else np.int64
        self.indptr, self.pre_gid = {}, {}
        for pop in network.populations.values():
            projs = incoming.get(pop.name, [])
            if not projs:
                self.indptr[pop.name] = np.zeros(pop.size + 1, dtype=np.int64)
                self.pre_gid[pop.name] = np.zeros(0, dtype=gid_dtype)
                continue
            # Stack the projections' patterns row-wise (each keeps every entry, multapses
            # included) and let scipy transpose to post-major order: a linear-time counting
            # sort in C instead of argsorting 10^8 (post, pre) pairs.
            blocks = [sp.csr_matrix((np.ones(p.weights.indices.size, dtype=np.int8), p.weights.indices,
                                     p.weights.indptr), shape=p.weights.shape) for p in projs]
            stacked = (sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]).tocsc()
            row_gid = np.concatenate([np.arange(p.pre.size, dtype=gid_dtype) + self.offsets[p.pre.name]
                                      for p in projs])
            self.pre_gid[pop.name] = row_gid[stacked.indices]
            self.indptr[pop.name] = stacked.indptr.astype(np.int64)
        self._seen = np.full(offset, -1, dtype=np.int64)
        self._stamp = 0

    def synapses(self, name: str, start: int, stop: int) -> int:
        """Synapse entries onto neurons ``start:stop`` of population ``name``."""
        ptr = self.indptr[name]
        return int(ptr[stop] - ptr[start])

    def fanin(self, name: str, start: int, stop: int) -> int:
        """Distinct presynaptic neurons with at least one synapse onto ``start:stop``."""
        ptr = self.indptr[name]
        return int(np.unique(self.pre_gid[name][ptr[start]:ptr[stop]]).size)

    def largest_fanin_stop(self, name: str, start: int, stop: int, limit: int) -> int:
        """Largest ``s <= stop`` with ``fanin(name, start, s) <= limit`` (``start`` if none).

        One compiled pass over the synapses instead of a bisection of ``np.unique`` calls; the
        fan-in grows monotonically with ``s``, so both give the same answer.
        """
        self._stamp += 1
        return int(_largest_fanin_stop(self.indptr[name], self.pre_gid[name], start, stop, limit,
                                       self._seen, self._stamp))

    def fanin_of_members(self, name: str, members: np.ndarray) -> int:
        """Distinct presynaptic neurons onto an arbitrary set of neurons of ``name``."""
        ptr = self.indptr[name]
        rows = sp.csr_matrix((np.ones(ptr[-1], dtype=bool), self.pre_gid[name], ptr),
                             shape=(ptr.size - 1, self.total_neurons))[members]
        return int(np.unique(rows.indices).size)


@njit
def _largest_fanin_stop(indptr, pre_gid, start, stop, limit, seen, stamp):
    count = 0
    for n in range(start, stop):
        for j in range(indptr[n], indptr[n + 1]):
            g = pre_gid[j]
            if seen[g] != stamp:
                seen[g] = stamp
                count += 1
        if count > limit:
            return n
    return stop
