"""A 1,000,000-neuron, 100,000,000-synapse network for the compile-time and throughput benchmark.

CUBA neurons (Brette et al. 2007) on a ring; every neuron sends ``fan_out`` synapses to distinct
neighbours within ``reach`` on either side, every fifth neuron is inhibitory. Local
connectivity keeps each core's fan-in under a Loihi-like core's 4096 axons (random long-range
connectivity of this density would leave a few dozen neurons per core), as in large models
placed on such chips. The synapse matrix is generated directly in CSR form, row by row.
"""
from __future__ import annotations

import dataclasses

import numpy as np


def ring_targets(n: int, fan_out: int, reach: int, seed: int):
    """``(post, row_weight)``: ``post`` (n, fan_out) int32, each row's distinct targets within
    ``reach`` (sorted), and each row's weight in mV (numpy only: bench/peers.py rebuilds the
    ring with it in the peers' environments)."""
    rng = np.random.default_rng(seed)
    band = 2 * reach // fan_out  # one target per band of offsets: distinct by construction
    offsets = (np.arange(fan_out) * band)[None, :] + rng.integers(0, band, size=(n, fan_out), dtype=np.int32)
    offsets -= reach
    offsets[offsets >= 0] += 1  # no autapses
    post = (np.arange(n, dtype=np.int64)[:, None] + offsets) % n
    del offsets
    post = post.astype(np.int32)
    post.sort(axis=1)
    inhibitory = (np.arange(n) % 5) == 0
    row_weight = np.where(inhibitory, -9.0, 1.62) * 80.0 / fan_out
    return post, row_weight


def ring_matrix(n: int, fan_out: int, reach: int, seed: int):
    """CSR (n, n) float64: ``fan_out`` distinct targets per neuron within ``reach``, weights in mV."""
    import scipy.sparse as sp

    post, row_weight = ring_targets(n, fan_out, reach, seed)
    data = np.repeat(row_weight, fan_out)
    indptr = np.arange(n + 1, dtype=np.int64) * fan_out
    return sp.csr_matrix((data, post.reshape(-1), indptr), shape=(n, n))


def ring_network(n: int = 1_000_000, fan_out: int = 100, reach: int = 500, seed: int = 0,
                 dt: float = 0.1):
    import neurocompile as nc

    net = nc.Network(f"ring{n}", dt=dt, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    pop = net.population("neurons", n, lif, v_init=nc.Uniform(-60.0, -50.0))
    net.connect(pop, pop, nc.Explicit(ring_matrix(n, fan_out, reach, seed)))
    net.probe(pop[:1000], "spikes")
    return net


def board_target(chips: int = 16):
    """The ``lava`` target (Loihi core limits) on a board of ``chips`` chips (a square grid)."""
    from neurocompile.target import load_target

    base = load_target("lava")
    side = int(round(chips ** 0.5))
    board = dataclasses.replace(base.board, chips=side * side, chip_rows=side, chip_cols=side)
    return dataclasses.replace(base, name=f"lava-{side * side}chips", board=board)


def synapse_bytes(net) -> int:
    """Bytes of the network's synapse arrays (weights, indices, indptr, delays)."""
    total = 0
    for proj in net.projections:
        w = proj.weights
        total += w.data.nbytes + w.indices.nbytes + w.indptr.nbytes + proj.delay_steps.nbytes
    return total
