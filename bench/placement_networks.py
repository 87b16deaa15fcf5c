"""Benchmark networks for placement: spatial/modular ones where placement matters, and
population-structured ones (CUBA, the Potjans-Diesmann microcircuit) where it barely can.

Only connectivity matters for placement; the neuron parameters are plausible but these
networks are not tuned to any particular dynamics. Rates for activity-aware placement are
returned where they are known (microcircuit: published population rates).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import neurocompile as nc

LIF = dict(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0)


def _matrix(pre, post, n_pre, n_post, weight):
    return sp.csr_matrix((np.full(pre.size, weight), (pre, post)), shape=(n_pre, n_post))


def _gaussian_sources(rng, post_xy, k, sigma, src_side, src_spacing):
    """k source indices per post neuron on a src_side^2 grid, Gaussian offsets (clipped at edges)."""
    xy = np.repeat(post_xy, k, axis=0) + rng.normal(0.0, sigma, size=(post_xy.shape[0] * k, 2))
    offset = 0.5 if src_spacing > 1 else 0.0  # inhibitory grid points sit at 2i + 0.5
    grid = np.clip(np.rint((xy - offset) / src_spacing), 0, src_side - 1).astype(np.int64)
    return grid[:, 0] * src_side + grid[:, 1]


def ei_sheet(side: int = 200, k_exc: int = 100, k_inh: int = 25, sigma_exc: float = 4.0,
             sigma_inh: float = 3.0, seed: int = 0) -> nc.Network:
    """2D E/I sheet: side^2 excitatory + (side/2)^2 inhibitory neurons, Gaussian connectivity.

    Distances are in units of the excitatory grid; inhibitory neurons sit on a grid twice as
    coarse. Every neuron draws ``k_exc`` excitatory and ``k_inh`` inhibitory sources.
    """
    rng = np.random.default_rng(seed)
    net = nc.Network(f"sheet{side}", dt=0.1, seed=seed)
    lif = nc.LIF(**LIF)
    half = side // 2
    exc = net.population("exc", side * side, lif)
    inh = net.population("inh", half * half, lif)
    e_xy = np.stack(np.divmod(np.arange(side * side), side), axis=1).astype(float)
    i_xy = (np.stack(np.divmod(np.arange(half * half), half), axis=1) * 2 + 0.5).astype(float)
    for post, post_xy in ((exc, e_xy), (inh, i_xy)):
        post_idx = np.repeat(np.arange(post.size), k_exc)
        pre = _gaussian_sources(rng, post_xy, k_exc, sigma_exc, side, 1)
        net.connect(exc, post, nc.Explicit(_matrix(pre, post_idx, exc.size, post.size, 0.5)))
        post_idx = np.repeat(np.arange(post.size), k_inh)
        pre = _gaussian_sources(rng, post_xy, k_inh, sigma_inh, half, 2)
        net.connect(inh, post, nc.Explicit(_matrix(pre, post_idx, inh.size, post.size, -2.0)))
    return net


def ring_attractor(n_exc: int = 8000, n_inh: int = 2000, k_exc: int = 80, k_inh: int = 20,
                   sigma_exc: float = 0.01, sigma_inh: float = 0.04, seed: int = 0) -> nc.Network:
    """Ring attractor: E and I neurons on a ring (angles in turns), Gaussian distance rules."""
    rng = np.random.default_rng(seed)
    net = nc.Network("ring_attractor", dt=0.1, seed=seed)
    lif = nc.LIF(**LIF)
    exc = net.population("exc", n_exc, lif)
    inh = net.population("inh", n_inh, lif)
    angle = {exc.name: np.arange(n_exc) / n_exc, inh.name: np.arange(n_inh) / n_inh}
    for pre, k, sigma, w in ((exc, k_exc, sigma_exc, 0.5), (inh, k_inh, sigma_inh, -2.0)):
        for post in (exc, inh):
            post_idx = np.repeat(np.arange(post.size), k)
            theta = angle[post.name][post_idx] + rng.normal(0.0, sigma, post_idx.size)
            src = np.rint((theta % 1.0) * pre.size).astype(np.int64) % pre.size
            net.connect(pre, post, nc.Explicit(_matrix(src, post_idx, pre.size, post.size, w)))
    return net


def modular_small_world(modules: int = 16, size: int = 1000, k: int = 50, p_long: float = 0.05,
                        seed: int = 0) -> nc.Network:
    """``modules`` modules of ``size`` neurons in one population; each neuron draws ``k`` sources,
    from its own module except a fraction ``p_long`` drawn uniformly from the whole network."""
    rng = np.random.default_rng(seed)
    net = nc.Network("modular", dt=0.1, seed=seed)
    n = modules * size
    pop = net.population("neurons", n, nc.LIF(**LIF))
    post = np.repeat(np.arange(n), k)
    module = post // size
    local = module * size + rng.integers(0, size, post.size)
    far = rng.integers(0, n, post.size)
    pre = np.where(rng.random(post.size) < p_long, far, local)
    net.connect(pop, pop, nc.Explicit(_matrix(pre, post, n, n, 0.3)))
    return net


def conv_layer(in_shape, out_channels, kernel, stride, pad):
    """(pre, post) index pairs of a convolution in (channel, y, x) order; out shape."""
    c_in, h, w = in_shape
    h_out, w_out = (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1
    co, yo, xo, ci, ky, kx = np.meshgrid(np.arange(out_channels), np.arange(h_out), np.arange(w_out),
                                         np.arange(c_in), np.arange(kernel), np.arange(kernel), indexing="ij")
    y, x = yo * stride - pad + ky, xo * stride - pad + kx
    ok = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    pre = (ci * h + y) * w + x
    post = (co * h_out + yo) * w_out + xo
    return pre[ok].ravel(), post[ok].ravel(), (out_channels, h_out, w_out)


def cnn(seed: int = 0) -> nc.Network:
    """A spiking CNN (channel-major layout, as NIR/PyTorch store it): 2x32x32 host input ->
    conv 16@3x3 -> conv 32@3x3/2 -> conv 64@3x3/2 -> dense 10 (28,682 neurons)."""
    rng = np.random.default_rng(seed)
    net = nc.Network("cnn", dt=1.0, seed=seed)
    lif = nc.LIF(**LIF)
    shape = (2, 32, 32)
    prev = net.poisson("input", int(np.prod(shape)), rate=20.0)
    for i, (ch, stride) in enumerate(((16, 1), (32, 2), (64, 2))):
        pre, post, shape = conv_layer(shape, ch, 3, stride, 1)
        layer = net.population(f"conv{i + 1}", int(np.prod(shape)), lif)
        w = rng.normal(0.0, 0.3, pre.size)
        net.connect(prev, layer, nc.Explicit(sp.csr_matrix((w, (pre, post)), shape=(prev.size, layer.size))))
        prev = layer
    out = net.population("dense", 10, lif)
    net.connect(prev, out, nc.AllToAll(), weight=0.1)
    return net


def cuba(seed: int = 0) -> nc.Network:
    """CUBA (Brette et al. 2007, benchmark 2): 3200 E + 800 I, p = 0.02."""
    net = nc.Network("cuba", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    exc = net.population("exc", 3200, lif)
    inh = net.population("inh", 800, lif)
    for i, (pre, post, w) in enumerate(((exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0))):
        net.connect(pre, post, nc.FixedProbability(0.02, seed=i + 1), weight=w)
    return net


# Potjans & Diesmann (2014), Cereb. Cortex 24:785, Table 5: full-scale sizes and connection
# probabilities (rows: target, columns: source, order L23E L23I L4E L4I L5E L5I L6E L6I).
PD_NAMES = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
PD_SIZES = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
PD_PROB = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
])
# Mean population rates of the full-scale model (Potjans & Diesmann 2014, Fig. 6), Hz (approx.).
PD_RATES = [0.86, 2.8, 4.45, 5.8, 7.59, 8.66, 1.09, 7.66]


def microcircuit(scale: float = 0.1, seed: int = 0):
    """The Potjans-Diesmann microcircuit with ``scale`` x the neurons and the published
    connection probabilities (so in-degrees scale too; synapses ~ scale^2 * 3e8).

    Returns (network, rates): rates are the published population means (activity-aware input).
    """
    net = nc.Network(f"microcircuit{scale:g}", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=10.0, tau_syn=0.5, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0)
    pops = [net.population(n, max(1, int(round(s * scale))), lif) for n, s in zip(PD_NAMES, PD_SIZES)]
    for t, post in enumerate(pops):
        for s, pre in enumerate(pops):
            p = PD_PROB[t, s]
            if p > 0:
                w = 0.15 if s % 2 == 0 else -0.6
                net.connect(pre, post, nc.FixedProbability(p, seed=t * 8 + s + 1), weight=w)
    return net, dict(zip(PD_NAMES, PD_RATES))
