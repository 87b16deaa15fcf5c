"""The neuron-level view placers work on: global ids, in-degrees and the traffic graph.

Neurons of populations that are not spike sources get global ids in network order. The
traffic graph is symmetric: the weight between ``u`` and ``v`` is the expected spikes per step
that travel between them (``p_u`` for a synapse u->v, plus ``p_v`` for v->u). Spikes from host
sources are summarised per neuron as ``host_input``: they enter at core 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .destinations import structure
from .learning_entries import learning_copies
from .placement import HOST


@dataclass
class NeuronGraph:
    names: list            # non-source populations, network order
    offsets: dict          # name -> first global id
    sizes: dict
    n: int
    in_synapses: np.ndarray  # (n,) synapse entries onto each neuron
    host_input: np.ndarray   # (n,) expected host spikes per step arriving
    rate: dict               # name -> expected spikes per step (all populations)
    adjacency: sp.csr_matrix | None = None
    # (n,) synapses onto each neuron, an upper bound of its distinct presynaptic sources: the
    # synapse entries without the ones that count plastic synapses' learning (.learning_entries)
    in_sources: np.ndarray | None = None

    def __post_init__(self):
        if self.in_sources is None:
            self.in_sources = self.in_synapses

    def population_of(self, gid: int) -> tuple[str, int]:
        for name in self.names:
            if self.offsets[name] <= gid < self.offsets[name] + self.sizes[name]:
                return name, gid - self.offsets[name]
        raise IndexError(gid)

    def split(self, values: np.ndarray) -> dict:
        """Per-population slices of a global array."""
        return {n: values[self.offsets[n]:self.offsets[n] + self.sizes[n]] for n in self.names}


def population_cores(network, graph: NeuronGraph, core: np.ndarray) -> dict:
    """Population name -> int32 array of the core of every neuron, from ``core`` (n,) indexed
    by global id; spike sources get ``HOST``."""
    out = {}
    for p in network.populations.values():
        if p.is_source:
            out[p.name] = np.full(p.size, HOST, dtype=np.int32)
        else:
            start = graph.offsets[p.name]
            out[p.name] = core[start:start + p.size].astype(np.int32)
    return out


def neuron_graph(network, rate: dict, with_adjacency: bool, task=None) -> NeuronGraph:
    """The :class:`NeuronGraph` of ``network`` under ``rate`` (population -> expected spikes
    per step of every neuron), with the traffic graph if ``with_adjacency``. ``task``: a
    progress task advanced by one per projection read, or None."""
    names = [p.name for p in network.populations.values() if not p.is_source]
    offsets, sizes, start = {}, {}, 0
    for name in names:
        offsets[name], sizes[name] = start, network.populations[name].size
        start += sizes[name]
    n = start
    in_syn = np.zeros(n, dtype=np.int64)
    in_src = np.zeros(n, dtype=np.int64)
    host = np.zeros(n)
    parts = []
    copies = learning_copies(network)
    for proj in network.projections:
        post_off = offsets[proj.post.name]
        counts = np.bincount(proj.weights.indices, minlength=proj.post.size)
        in_syn[post_off:post_off + proj.post.size] += counts
        if proj.name in copies:  # the same synapses again: no traffic, no sources of their own
            continue
        in_src[post_off:post_off + proj.post.size] += counts
        pattern = structure(proj.weights)
        if proj.pre.is_source:
            host[post_off:post_off + proj.post.size] += pattern.T @ rate[proj.pre.name]
        elif with_adjacency:
            weighted = sp.diags(rate[proj.pre.name].astype(np.float32)) @ pattern
            parts.append((offsets[proj.pre.name], post_off, weighted.tocoo()))
        if task is not None:
            task.advance()
    graph = NeuronGraph(names, offsets, sizes, n, in_syn, host, rate, in_sources=in_src)
    if with_adjacency:
        rows = np.concatenate([c.row.astype(np.int64) + a for a, _, c in parts]) if parts else np.zeros(0, np.int64)
        cols = np.concatenate([c.col.astype(np.int64) + b for _, b, c in parts]) if parts else np.zeros(0, np.int64)
        data = np.concatenate([c.data for _, _, c in parts]) if parts else np.zeros(0)
        directed = sp.csr_matrix((data.astype(float), (rows, cols)), shape=(n, n))
        directed.data = np.minimum(directed.data, np.repeat(
            np.concatenate([rate[nm] for nm in names]) if names else np.zeros(0), np.diff(directed.indptr)))
        graph.adjacency = (directed + directed.T).tocsr()
        # Rates of 0 would make silent neurons free to scatter; a floor keeps the structure.
        if graph.adjacency.nnz:
            floor = 1e-3 * float(graph.adjacency.data.max())
            graph.adjacency.data = np.maximum(graph.adjacency.data, floor)
    return graph
