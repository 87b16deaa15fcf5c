"""Behaviour of the IR: views, connectivity rules, weights/delays, determinism, graph."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import neurocompile as nc


LIF_PARAMS = dict(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0)


def lif(**changes):
    return nc.LIF(**{**LIF_PARAMS, **changes})


def pair(n_pre, n_post, seed=0):
    net = nc.Network("net", dt=0.1, seed=seed)
    return net, net.population("a", n_pre, lif()), net.population("b", n_post, lif())


def dense(proj):
    return proj.weights.toarray()


def connected(proj):
    """Boolean (pre.size, post.size) matrix of the pairs with at least one synapse."""
    pre, post, _, _ = proj.synapse_arrays()
    out = np.zeros((proj.pre.size, proj.post.size), dtype=bool)
    out[pre, post] = True
    return out


# -- views ------------------------------------------------------------------------------------
def test_views_select_global_indices():
    net, a, _ = pair(10, 3)
    mask = np.zeros(10, dtype=bool)
    mask[[1, 4, 9]] = True
    assert a[2:5].indices.tolist() == [2, 3, 4]
    assert a[[7, 0, 3]].indices.tolist() == [7, 0, 3]
    assert a[mask].indices.tolist() == [1, 4, 9]
    assert a[5:][[0, 2]].indices.tolist() == [5, 7]  # a view of a view stays global
    assert a[-1].indices.tolist() == [9]
    with pytest.raises(nc.NetworkError, match="selects a neuron twice"):
        a[[1, 1]]
    with pytest.raises(nc.NetworkError, match="out of range"):
        a[[10]]


def test_views_in_connections_map_to_global_indices():
    net, a, b = pair(6, 5)
    post_mask = np.array([False, True, False, True, True])
    proj = net.connect(a[[0, 2]], b[post_mask], nc.AllToAll(), weight=1.5)
    expected = np.zeros((6, 5))
    expected[np.ix_([0, 2], [1, 3, 4])] = 1.5
    np.testing.assert_array_equal(dense(proj), expected)
    assert proj.weights.shape == (a.size, b.size)  # stored over whole populations

    one = net.connect(a[[5, 1]], b[3:5], nc.OneToOne(), weight=2.0)
    pre, post, w, _ = one.synapse_arrays()
    assert sorted(zip(pre.tolist(), post.tolist())) == [(1, 4), (5, 3)]
    np.testing.assert_array_equal(w, [2.0, 2.0])


def test_dense_weight_array_over_views_is_indexed_locally():
    net, a, b = pair(5, 4)
    local = np.arange(6.0).reshape(3, 2) + 1.0  # (view pre size, view post size)
    proj = net.connect(a[[4, 0, 2]], b[[3, 1]], nc.AllToAll(), weight=local)
    w = dense(proj)
    for i, g_pre in enumerate([4, 0, 2]):
        for j, g_post in enumerate([3, 1]):
            assert w[g_pre, g_post] == local[i, j]
    assert np.count_nonzero(w) == 6


def test_views_in_probes_map_to_global_indices():
    net = nc.Network("views", dt=0.1)
    bias = np.linspace(5.0, 20.0, 10)  # distinct drive, distinct traces
    pop = net.population("p", 10, lif(v_rest=-60.0, bias=bias), v_init=-60.0)
    net.probe(pop, "v")
    net.probe(pop[[7, 1]], "spikes")
    net.probe(pop[np.arange(10) % 4 == 0], "spikes")  # merged with the previous spike probe
    result = nc.simulate(net, 30.0)
    assert result.trace_indices("p", "v").tolist() == list(range(10))
    assert result.spike_indices("p").tolist() == [0, 1, 4, 7, 8]

    net2 = nc.Network("views", dt=0.1)
    pop2 = net2.population("p", 10, lif(v_rest=-60.0, bias=bias), v_init=-60.0)
    net2.probe(pop2[[7, 1]], "v")
    net2.probe(pop2, "spikes")
    result2 = nc.simulate(net2, 30.0)
    assert result2.trace_indices("p", "v").tolist() == [1, 7]
    np.testing.assert_array_equal(result2.trace("p", "v"), result.trace("p", "v")[:, [1, 7]])
    raster = result2.spikes("p")
    np.testing.assert_array_equal(result.spikes("p"), raster[:, [0, 1, 4, 7, 8]])


def test_views_in_currents_reach_only_selected_neurons():
    net = nc.Network("cur", dt=0.1)
    pop = net.population("p", 4, nc.LI(tau_mem=10.0, tau_syn=0.0))
    net.current(pop[[2, 0]], nc.StepCurrent([0.0], [5.0]))
    net.probe(pop, "v")
    v = nc.simulate(net, 5.0).trace("p", "v")
    assert np.all(v[:, [0, 2]] > 0) and np.all(v[:, [1, 3]] == 0)


# -- connectivity rules ---------------------------------------------------------------------
def test_fixed_probability_mean_number_of_synapses():
    n_pre, n_post, p = 400, 300, 0.05
    net, a, b = pair(n_pre, n_post)
    counts = [net.connect(a, b, nc.FixedProbability(p, seed=s), weight=1.0).n_synapses for s in range(5)]
    mean, var = n_pre * n_post * p, n_pre * n_post * p * (1 - p)
    for count in counts:
        assert abs(count - mean) < 5 * np.sqrt(var)
    assert abs(np.mean(counts) - mean) < 5 * np.sqrt(var / len(counts))
    assert len(set(counts)) > 1  # different seeds, different draws


def test_fixed_probability_pairs_are_uniform_over_rows_and_columns():
    net, a, b = pair(200, 200)
    proj = net.connect(a, b, nc.FixedProbability(0.1, seed=3), weight=1.0)
    m = connected(proj)
    assert proj.n_synapses == m.sum()  # no pair drawn twice
    # Each row's out-degree is Binomial(200, 0.1): mean 20, sd ~4.2.
    assert abs(m.sum(axis=1).mean() - 20.0) < 1.5 and abs(m.sum(axis=0).mean() - 20.0) < 1.5
    assert m.sum(axis=1).std() < 8.0


def test_fixed_probability_without_autapses_removes_exactly_the_diagonal():
    net = nc.Network("auto", dt=0.1)
    pop = net.population("p", 150, lif())
    with_self = connected(net.connect(pop, pop, nc.FixedProbability(0.3, seed=11), weight=1.0))
    without = connected(net.connect(pop, pop, nc.FixedProbability(0.3, seed=11, allow_autapses=False),
                                    weight=1.0))
    off_diagonal = ~np.eye(150, dtype=bool)
    assert np.diag(with_self).sum() > 0
    assert not np.diag(without).any()
    np.testing.assert_array_equal(with_self & off_diagonal, without)

    full = connected(net.connect(pop, pop, nc.FixedProbability(1.0, allow_autapses=False), weight=1.0))
    np.testing.assert_array_equal(full, off_diagonal)


def test_autapses_are_judged_on_global_indices_of_views():
    net = nc.Network("auto", dt=0.1)
    pop = net.population("p", 6, lif())
    proj = net.connect(pop[2:6], pop[0:4], nc.AllToAll(allow_autapses=False), weight=1.0)
    expected = np.zeros((6, 6), dtype=bool)
    expected[2:6, 0:4] = True
    expected[[2, 3], [2, 3]] = False
    np.testing.assert_array_equal(connected(proj), expected)
    # Disjoint views of one population: k may use every presynaptic neuron.
    disjoint = net.connect(pop[:3], pop[3:], nc.FixedInDegree(3, allow_autapses=False), weight=1.0)
    assert disjoint.n_synapses == 9


@pytest.mark.parametrize("allow_autapses", [True, False])
def test_fixed_in_degree_gives_exactly_k_distinct_sources(allow_autapses):
    net = nc.Network("indeg", dt=0.1)
    pop = net.population("p", 60, lif())
    k = 25
    proj = net.connect(pop, pop, nc.FixedInDegree(k, seed=4, allow_autapses=allow_autapses), weight=0.5)
    pre, post, _, _ = proj.synapse_arrays()
    assert proj.n_synapses == 60 * k
    for target in range(60):
        sources = pre[post == target]
        assert sources.size == k and np.unique(sources).size == k
        if not allow_autapses:
            assert target not in sources


def test_fixed_in_degree_multapses_allowed():
    net, a, b = pair(3, 50)
    proj = net.connect(a, b, nc.FixedInDegree(6, seed=1, allow_multapses=True), weight=1.0)
    assert np.all(np.bincount(proj.synapse_arrays()[1], minlength=50) == 6)


def test_all_to_all_and_one_to_one_matrices():
    net, a, b = pair(3, 4)
    np.testing.assert_array_equal(dense(net.connect(a, b, nc.AllToAll(), weight=0.7)), np.full((3, 4), 0.7))
    net2, c, d = pair(5, 5)
    np.testing.assert_array_equal(dense(net2.connect(c, d, nc.OneToOne(), weight=-2.0)), -2.0 * np.eye(5))
    net3 = nc.Network("self", dt=0.1)
    pop = net3.population("p", 4, lif())
    np.testing.assert_array_equal(
        dense(net3.connect(pop, pop, nc.AllToAll(allow_autapses=False), weight=1.0)), 1.0 - np.eye(4))


def test_explicit_dense_and_sparse_take_weights_from_the_matrix():
    matrix = np.array([[0.0, 1.5, 0.0, -2.0],
                       [3.0, 0.0, 0.0, 0.0],
                       [0.0, 0.0, 0.25, 0.0]])
    for given in (matrix, sp.csr_matrix(matrix), sp.coo_matrix(matrix), sp.csc_matrix(matrix)):
        net, a, b = pair(3, 4)
        proj = net.connect(a, b, nc.Explicit(given))
        assert sp.issparse(proj.weights)
        np.testing.assert_array_equal(dense(proj), matrix)
        assert proj.n_synapses == 4


def test_explicit_with_weight_overrides_values_and_keeps_structure():
    matrix = sp.csr_matrix(np.array([[0.0, 9.0], [4.0, 0.0]]))
    net, a, b = pair(2, 2)
    proj = net.connect(a, b, nc.Explicit(matrix), weight=0.5)
    np.testing.assert_array_equal(dense(proj), [[0.0, 0.5], [0.5, 0.0]])


# -- weights and delays ----------------------------------------------------------------------
def test_weights_scalar_per_synapse_and_distribution():
    net, a, b = pair(20, 30)
    scalar = net.connect(a, b, nc.FixedProbability(0.5, seed=1), weight=1.25)
    assert np.all(scalar.weights.data == 1.25)

    n = scalar.n_synapses
    values = np.arange(n, dtype=float)
    per_synapse = net.connect(a, b, nc.FixedProbability(0.5, seed=1), weight=values)
    np.testing.assert_array_equal(np.sort(per_synapse.weights.data), values)

    drawn = net.connect(a, b, nc.AllToAll(), weight=nc.Uniform(0.5, 1.5))
    data = drawn.weights.data
    assert data.size == 600 and data.min() >= 0.5 and data.max() < 1.5
    assert abs(data.mean() - 1.0) < 0.05 and np.unique(data).size == 600

    normal = net.connect(a, b, nc.AllToAll(), weight=nc.Normal(-1.0, 0.2, low=-1.3, high=-0.7))
    assert normal.weights.data.min() >= -1.3 and normal.weights.data.max() <= -0.7
    assert abs(normal.weights.data.mean() + 1.0) < 0.03


def test_distribution_with_own_seed_draws_the_same_values():
    net, a, b = pair(10, 10)
    first = net.connect(a, b, nc.AllToAll(), weight=nc.Normal(0.0, 1.0, seed=9))
    second = net.connect(a, b, nc.AllToAll(), weight=nc.Normal(0.0, 1.0, seed=9))
    np.testing.assert_array_equal(first.weights.data, second.weights.data)


def test_delays_scalar_array_and_distribution():
    net, a, b = pair(30, 30)
    default = net.connect(a, b, nc.OneToOne(), weight=1.0)
    assert np.all(default.delay_steps == 1)
    fixed = net.connect(a, b, nc.OneToOne(), weight=1.0, delay=1.5)
    assert np.all(fixed.delay_steps == 15) and np.allclose(fixed.delays, 1.5)
    per_synapse = net.connect(a, b, nc.OneToOne(), weight=1.0, delay=np.arange(1, 31) * 0.1)
    np.testing.assert_array_equal(np.sort(per_synapse.delay_steps), np.arange(1, 31))

    drawn = net.connect(a, b, nc.AllToAll(), weight=1.0, delay=nc.Uniform(0.1, 2.0))
    steps = drawn.delay_steps
    assert steps.dtype.kind == "i" and steps.shape == drawn.weights.data.shape
    assert steps.min() >= 1 and steps.max() <= 20
    assert np.unique(steps).size > 10  # mixed delays, on the grid
    assert drawn.max_delay_steps == steps.max()


def test_mixed_delays_deliver_at_their_own_steps():
    """Three synapses from one source spike with delays 1, 2.5 and 4 ms reach v at those times."""
    net = nc.Network("delays", dt=0.1)
    src = net.spike_source("s", 1, [1.0], [0])
    post = net.population("p", 3, nc.LI(tau_mem=10.0, tau_syn=0.0))
    net.connect(src, post, nc.AllToAll(), weight=1.0, delay=np.array([[1.0, 2.5, 4.0]]))
    net.probe(post, "v")
    v = nc.simulate(net, 10.0).trace("p", "v")
    first_nonzero = [int(np.flatnonzero(v[:, j])[0]) for j in range(3)]
    assert first_nonzero == [10 + 10, 10 + 25, 10 + 40]


# -- determinism and structure -----------------------------------------------------------------
def build(seed):
    net = nc.Network("det", dt=0.1, seed=seed)
    exc = net.population("exc", 80, lif(refractory=2.0), v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", 20, lif(refractory=2.0), v_init=nc.Normal(-55.0, 2.0))
    drive = net.poisson("drive", 30, 300.0)
    net.connect(drive, exc, nc.FixedProbability(0.3), weight=nc.Uniform(2.0, 4.0))
    net.connect(drive, inh, nc.FixedInDegree(5), weight=3.0, delay=nc.Uniform(0.1, 1.0))
    net.connect(exc, inh, nc.FixedProbability(0.2), weight=1.0)
    net.connect(inh, exc, nc.FixedProbability(0.2), weight=-3.0)
    net.probe(exc, "spikes")
    net.probe(inh, "spikes")
    return net


def test_same_seed_gives_identical_network_and_spikes():
    first, second = build(7), build(7)
    assert len(first.projections) == len(second.projections) == 4
    for p1, p2 in zip(first.projections, second.projections):
        assert p1.name == p2.name
        assert (p1.weights != p2.weights).nnz == 0
        np.testing.assert_array_equal(p1.weights.indptr, p2.weights.indptr)
        np.testing.assert_array_equal(p1.delay_steps, p2.delay_steps)
    for name in first.populations:
        for var, values in first.populations[name].initial.items():
            np.testing.assert_array_equal(values, second.populations[name].initial[var])
    r1, r2 = nc.simulate(first, 100.0), nc.simulate(second, 100.0)
    for name in ("exc", "inh"):
        assert r1.counts[name].sum() > 0
        np.testing.assert_array_equal(r1.spikes(name), r2.spikes(name))
    np.testing.assert_array_equal(r1.counts["drive"], r2.counts["drive"])


def test_different_seed_gives_a_different_network_and_spikes():
    first, other = build(7), build(8)
    assert any((p1.weights != p2.weights).nnz for p1, p2 in zip(first.projections, other.projections))
    assert not np.array_equal(first["exc"].initial["v"], other["exc"].initial["v"])
    r1, r2 = nc.simulate(first, 50.0), nc.simulate(other, 50.0)
    assert not np.array_equal(r1.spikes("exc"), r2.spikes("exc"))


def test_initial_values_scalar_array_and_distribution():
    net = nc.Network("init", dt=0.1)
    scalar = net.population("s", 3, lif(), v_init=-55.0)
    array = net.population("a", 3, lif(), v_init=np.array([-51.0, -52.0, -53.0]), I_syn_init=1.0)
    drawn = net.population("d", 500, lif(), v_init=nc.Uniform(-60.0, -50.0))
    default = net.population("z", 2, lif())
    np.testing.assert_array_equal(scalar.initial["v"], [-55.0] * 3)
    np.testing.assert_array_equal(array.initial["v"], [-51.0, -52.0, -53.0])
    np.testing.assert_array_equal(array.initial["I_syn"], [1.0] * 3)
    assert drawn.initial["v"].min() >= -60.0 and drawn.initial["v"].max() < -50.0
    assert drawn.initial["v"].std() > 2.0
    np.testing.assert_array_equal(default.initial["v"], [-49.0, -49.0])  # v_rest
    np.testing.assert_array_equal(default.initial["I_syn"], [0.0, 0.0])


def test_graph_has_populations_and_projections():
    net = build(1)
    g = net.graph()
    assert isinstance(g, nx.MultiDiGraph)
    assert set(g.nodes) == {"exc", "inh", "drive"}
    assert g.nodes["exc"]["size"] == 80 and g.nodes["drive"]["source"] is True
    assert g.nodes["inh"]["model"] == "LIF"
    edges = {(u, v): data["synapses"] for u, v, data in g.edges(data=True)}
    assert set(edges) == {("drive", "exc"), ("drive", "inh"), ("exc", "inh"), ("inh", "exc")}
    assert edges[("drive", "inh")] == 20 * 5
    assert sum(edges.values()) == net.n_synapses
    assert net.n_neurons == 100


def test_projections_hold_sparse_arrays_not_synapse_objects():
    net = build(1)
    for proj in net.projections:
        assert isinstance(proj.weights, sp.csr_matrix)
        assert proj.weights.shape == (proj.pre.size, proj.post.size)
        assert isinstance(proj.delay_steps, np.ndarray)
        assert proj.delay_steps.shape == proj.weights.data.shape
    for pop in net.populations.values():
        for values in pop.params.values():
            assert isinstance(values, (np.ndarray, str))


def test_network_validate_detects_foreign_projection_population():
    net, a, b = pair(3, 3)
    proj = net.connect(a, b, nc.OneToOne(), weight=1.0)
    other = nc.Network("other", dt=0.1)
    proj.post = other.population("b", 3, lif())
    with pytest.raises(nc.NetworkError, match="Projection 'a->b': population = 'b' is not part of network 'net'"):
        net.validate()


# -- synapses that cannot fit in memory ---------------------------------------------------------

GiB = 2**30


def test_a_projection_too_large_for_memory_is_refused_before_any_synapse_is_made(monkeypatch):
    import time
    import tracemalloc

    import neurocompile.ir.projection as projection
    from neurocompile.resources import MemoryBudgetError

    monkeypatch.setattr(projection, "available_memory_bytes", lambda: 16 * GiB)
    net = nc.Network("huge", dt=0.1)
    src = net.poisson("src", 10**6, 5.0)
    post = net.population("post", 10**6, lif())
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(MemoryBudgetError) as err:
            net.connect(src, post, nc.AllToAll(), weight=0.1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0
    assert peak < 32 * 2**20  # the views' neuron indices (2 x 8 MB), no synapse
    assert str(err.value) == (
        "Projection 'src->post': AllToAll(allow_autapses=True) over 1000000 x 1000000 neurons makes at least "
        "1000000000000 synapses, 32 bytes each while they are built (29802.3 GiB); this machine has 16.0 GiB "
        "available. Use a sparser rule or smaller populations")
    assert net.projections == []


@pytest.mark.parametrize("rule, n_pre, n_post, at_least", [
    (nc.AllToAll(), 300, 200, 60000),
    (nc.AllToAll(allow_autapses=False), 300, 200, 59800),
    (nc.OneToOne(), 300, 300, 300),
    (nc.FixedInDegree(7), 300, 200, 1400),
    (nc.FixedProbability(0.5, seed=1), 300, 200, int(30000 - 6 * np.sqrt(15000))),
    (nc.Explicit(sp.random(300, 200, density=0.1, random_state=1, format="csr")), 300, 200, 6000),
])
def test_memory_check_counts_the_synapses_a_rule_makes_at_least(monkeypatch, rule, n_pre, n_post, at_least):
    """Exactly at the bound a projection is built; one byte less is refused."""
    import neurocompile.ir.projection as projection
    from neurocompile.resources import MemoryBudgetError

    assert rule.min_synapses(n_pre, n_post) == at_least
    net, a, b = pair(n_pre, n_post)
    monkeypatch.setattr(projection, "available_memory_bytes", lambda: 32 * at_least - 1)
    with pytest.raises(MemoryBudgetError, match=f"makes at least {at_least} synapses, 32 bytes each"):
        net.connect(a, b, rule, weight=0.1, name="refused")
    monkeypatch.setattr(projection, "available_memory_bytes", lambda: 32 * at_least)
    proj = net.connect(a, b, rule, weight=0.1)
    assert proj.n_synapses >= at_least
