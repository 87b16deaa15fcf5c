"""Which cores each presynaptic neuron reaches: the neuron x core incidence of a placement.

For a presynaptic population with projections ``W_1..W_m`` (pre x post, CSR) onto populations
placed by ``core_of``, the destination matrix is ``D = OR_i (W_i != 0) @ P_i`` where ``P_i`` is
the post x core one-hot matrix of the placement. ``D[u, c]`` is true when neuron ``u`` has at
least one synapse onto core ``c``: one spike message per true entry (multicast), one fan-in
axon of core ``c`` per true entry in column ``c`` (summed over presynaptic populations, whose
neurons are distinct). A sparse product instead of sorting (neuron, core) pairs keeps this
linear in the number of synapses, which matters for networks with 10^8 synapses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .placement import HOST

if TYPE_CHECKING:  # annotations only: scipy loads when a function needs it
    import scipy.sparse as sp


def structure(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The sparsity pattern of ``matrix`` with float32 ones (explicit zeros count as synapses)."""
    import scipy.sparse as sp

    return sp.csr_matrix((np.ones(matrix.indices.size, dtype=np.float32), matrix.indices, matrix.indptr),
                         shape=matrix.shape)


def core_onehot(cores: np.ndarray, n_cores: int) -> sp.csr_matrix:
    """Neuron x core matrix with a one at every neuron's core (rows of host neurons are empty)."""
    import scipy.sparse as sp

    cores = np.asarray(cores, dtype=np.int64)
    on_chip = cores >= 0
    indptr = np.zeros(cores.size + 1, dtype=np.int64)
    np.cumsum(on_chip, out=indptr[1:])
    return sp.csr_matrix((np.ones(int(on_chip.sum()), dtype=np.float32), cores[on_chip], indptr),
                         shape=(cores.size, n_cores))


def outgoing_projections(network) -> dict:
    """Presynaptic population name -> list of its projections."""
    out: dict[str, list] = {}
    for proj in network.projections:
        out.setdefault(proj.pre.name, []).append(proj)
    return out


def destination_matrices(network, core_of: dict, n_cores: int) -> dict[str, sp.csr_matrix]:
    """Population name -> bool CSR (size, n_cores) of the destination cores of every neuron.

    Indices are sorted within each row. Populations without outgoing projections get an
    empty matrix.
    """
    import scipy.sparse as sp

    outgoing = outgoing_projections(network)
    out = {}
    for pop in network.populations.values():
        total = sp.csr_matrix((pop.size, n_cores), dtype=np.float32)
        for proj in outgoing.get(pop.name, []):
            total = total + structure(proj.weights) @ core_onehot(core_of[proj.post.name], n_cores)
        dest = sp.csr_matrix((np.ones(total.indices.size, dtype=bool), total.indices, total.indptr),
                             shape=total.shape)
        dest.sort_indices()
        out[pop.name] = dest
    return out


def source_cores(cores: np.ndarray) -> np.ndarray:
    """Core a neuron's spikes leave from: its own, or core 0 for host inputs (docs/chip.md s. 7)."""
    cores = np.asarray(cores, dtype=np.int64)
    return np.where(cores == HOST, 0, cores)
