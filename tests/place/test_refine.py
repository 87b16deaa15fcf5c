"""Neuron-level refinement of the `spectral` placer (neurocompile.place.refine)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import neurocompile as nc
from neurocompile.place import Placement, place, placement_metrics
from neurocompile.place.activity import spikes_per_step
from neurocompile.place.refine import refine_neurons
from neurocompile.place.usage import core_usage
from tests.helpers import PLACEMENT_LIF, PLACEMENT_TARGETS, random_ei, ring, sheet, small_core_target


def _rates(net):
    return spikes_per_step({p.name: (p.size, p.model) for p in net.populations.values()}, net.dt)


def random_local(n=240, k=12, seed=0, width=30):
    """Neurons on a line, each drawing ``k`` sources within ``width`` of itself, two populations."""
    rng = np.random.default_rng(seed)
    net = nc.Network("local", dt=0.1, seed=seed)
    a = net.population("a", n // 2, nc.LIF(**PLACEMENT_LIF))
    b = net.population("b", n - n // 2, nc.LIF(**{**PLACEMENT_LIF, "tau_mem": 12.0}))
    pos = {"a": np.arange(a.size) * 2.0, "b": np.arange(b.size) * 2.0 + 1.0}
    for pre in (a, b):
        for post in (a, b):
            dst = np.repeat(np.arange(post.size), k)
            x = pos[post.name][dst] + rng.integers(-width, width + 1, dst.size)
            src = np.clip(np.rint(x / 2.0), 0, pre.size - 1).astype(int)
            net.connect(pre, post, nc.Explicit(sp.csr_matrix((np.full(src.size, 0.3), (src, dst)),
                                                             shape=(pre.size, post.size))))
    inp = net.poisson("drive", 20, rate=30.0)
    net.connect(inp, a, nc.FixedProbability(0.2, seed=4), weight=1.0)
    return net


def tiny_cnn(side=12, channels=4, seed=0):
    """Host input -> two 3x3 convolutions (channel-major): the channels of one position share
    their presynaptic neurons, so the refinement moves them as one unit."""
    rng = np.random.default_rng(seed)
    net = nc.Network("tiny_cnn", dt=1.0, seed=seed)
    prev = net.poisson("input", side * side, rate=20.0)
    c_in = 1
    for layer in range(2):
        co, y, x, ci, ky, kx = np.meshgrid(np.arange(channels), np.arange(side), np.arange(side),
                                           np.arange(c_in), np.arange(3), np.arange(3), indexing="ij")
        yy, xx = y + ky - 1, x + kx - 1
        ok = (yy >= 0) & (yy < side) & (xx >= 0) & (xx < side)
        pre = ((ci * side + yy) * side + xx)[ok]
        post = ((co * side + y) * side + x)[ok]
        pop = net.population(f"conv{layer}", channels * side * side, nc.LIF(**PLACEMENT_LIF))
        net.connect(prev, pop, nc.Explicit(sp.csr_matrix((rng.normal(0, 0.3, pre.size), (pre, post)),
                                                         shape=(prev.size, pop.size))))
        prev, c_in = pop, channels
    return net


REFINE_CASES = [
    ("cnn", tiny_cnn, "tiny-multichip"),
    ("ring", ring, "tiny-multichip"),
    ("sheet", lambda: sheet(side=24, source=True), "tiny-multichip"),
    ("random", random_ei, "tight-fanin"),
    ("local", random_local, "param-sets"),
    ("local", random_local, "tight-fanin"),
]


@pytest.mark.parametrize("net_name, build, target_name", REFINE_CASES)
def test_refinement_never_increases_traffic_nor_breaks_limits(net_name, build, target_name):
    net, target = build(), PLACEMENT_TARGETS[target_name]()
    start = place(net, target, "sequential")
    before = placement_metrics(net, start, target).hop_weighted_traffic
    core_of = refine_neurons(net, start.core_of, target, _rates(net))
    refined = Placement.build("refined", core_of, target)
    assert core_usage(net, refined, target).violations() == []
    assert placement_metrics(net, refined, target).hop_weighted_traffic <= before + 1e-12
    for pop in net.populations.values():
        assert core_of[pop.name].shape == (pop.size,)
        assert np.all(core_of[pop.name] == -1) == pop.is_source


def test_refinement_lowers_traffic_of_a_poor_start():
    net, target = random_local(n=400), small_core_target(neurons=16)
    start = place(net, target, "sequential")
    before = placement_metrics(net, start, target).hop_weighted_traffic
    core_of = refine_neurons(net, start.core_of, target, _rates(net))
    after = placement_metrics(net, Placement.build("r", core_of, target), target).hop_weighted_traffic
    assert after < 0.9 * before


def test_twins_move_as_one_unit():
    from neurocompile.place.unit_moves import twin_units

    net = tiny_cnn(side=6, channels=3)
    conv1 = net.projections[1].weights  # conv0 -> conv1, pre x post
    incoming = sp.csr_matrix((np.ones(conv1.nnz), conv1.indices, conv1.indptr), shape=conv1.shape).T.tocsr()
    incoming.sort_indices()
    ptr, members = twin_units(incoming.indptr.astype(np.int64), incoming.indices.astype(np.int64), conv1.shape[0])
    sizes = np.diff(ptr)
    groups = [set(members[ptr[i]:ptr[i + 1]].tolist()) for i in np.flatnonzero(sizes > 1)]
    # the 3 channels of each of the 36 positions, then every neuron alone
    assert len(groups) == 36 and all(len(g) == 3 for g in groups)
    assert {0, 36, 72} in groups
    assert np.count_nonzero(sizes == 1) == conv1.shape[1]


def test_refinement_is_deterministic():
    net, target = random_local(), small_core_target(neurons=16)
    start = place(net, target, "sequential")
    first = refine_neurons(net, start.core_of, target, _rates(net))
    second = refine_neurons(net, start.core_of, target, _rates(net))
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_spectral_output_is_near_a_refinement_fixed_point():
    # `spectral` keeps the refined placement only when the exact traffic drops: compare with the
    # refinement applied to its own output, which must not find a lower traffic by much.
    net, target = ring(), small_core_target(neurons=64)
    pl = place(net, target, "spectral")
    m = placement_metrics(net, pl, target)
    again = refine_neurons(net, pl.core_of, target, _rates(net))
    m2 = placement_metrics(net, Placement.build("r", again, target), target)
    assert m2.hop_weighted_traffic <= m.hop_weighted_traffic + 1e-12
    assert m2.hop_weighted_traffic >= 0.98 * m.hop_weighted_traffic
