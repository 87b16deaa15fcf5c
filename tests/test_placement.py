"""Placement: limits, traffic model, the `spectral` placer (and its deprecated name `ours`), clear
errors, and emulator agreement."""
from __future__ import annotations

import runpy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import neurocompile as nc
from neurocompile.errors import BuildError
from neurocompile.place import DEFAULT_PLACER, PLACERS, RENAMED_PLACERS, Placement, place, placement_metrics
from neurocompile.place.usage import core_usage
from neurocompile.target import Target, load_target

from conftest import REPO_DIR

LIF = dict(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0)


def small_core_target(neurons=64, fanin=4096, synapses=65536, chips=4, name="tiny", parameter_sets=None):
    data = load_target("emu").to_dict()
    data["name"] = name
    data["core"].update(neurons=neurons, fanin_axons=fanin, synapse_entries=synapses)
    if parameter_sets is not None:
        data["core"]["neuron_parameter_sets"] = parameter_sets
    data["board"]["chips"] = chips
    data["board"]["chip_rows"], data["board"]["chip_cols"] = {1: (1, 1), 2: (1, 2), 4: (2, 2)}[chips]
    return Target.from_dict(data)


def sheet(side=30, k=30, sigma=2.0, seed=0, source=False, shuffle=False):
    """A 2D sheet, Gaussian connectivity (optionally fed by the host). Neuron i sits at grid
    cell i (row-major), or with ``shuffle`` at a random cell, so that the network order
    carries no locality."""
    rng = np.random.default_rng(seed)
    net = nc.Network(f"sheet{side}", dt=0.1, seed=seed)
    pop = net.population("sheet", side * side, nc.LIF(**LIF))
    cell = np.random.default_rng(seed + 1).permutation(side * side) if shuffle else np.arange(side * side)
    xy = np.stack(np.divmod(cell, side), axis=1)
    post = np.repeat(np.arange(side * side), k)
    src = np.clip(np.rint(xy[post] + rng.normal(0, sigma, (post.size, 2))), 0, side - 1).astype(int)
    pre = np.argsort(cell)[src[:, 0] * side + src[:, 1]]  # the neuron at each source cell
    net.connect(pop, pop, nc.Explicit(sp.csr_matrix((np.full(pre.size, 0.4), (pre, post)),
                                                    shape=(side * side, side * side))))
    if source:
        inp = net.poisson("input", 50, rate=200.0)
        net.connect(inp, pop[: side * 3], nc.FixedProbability(0.3, seed=3), weight=3.0)
    return net


def ring(n=1200, k=20, sigma=0.02, seed=0):
    rng = np.random.default_rng(seed)
    net = nc.Network("ring", dt=0.1, seed=seed)
    exc = net.population("exc", n, nc.LIF(**LIF))
    inh = net.population("inh", n // 4, nc.LIF(**{**LIF, "tau_mem": 10.0}))
    for pre, post, w in ((exc, exc, 0.5), (exc, inh, 0.5), (inh, exc, -2.0)):
        dst = np.repeat(np.arange(post.size), k)
        theta = dst / post.size + rng.normal(0, sigma, dst.size)
        src = np.rint((theta % 1) * pre.size).astype(int) % pre.size
        net.connect(pre, post, nc.Explicit(sp.csr_matrix((np.full(src.size, w), (src, dst)),
                                                         shape=(pre.size, post.size))))
    return net


def random_ei(n=600, p=0.05, seed=0):
    net = nc.Network("random_ei", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    exc = net.population("exc", int(0.8 * n), lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n - int(0.8 * n), lif, v_init=nc.Uniform(-60.0, -50.0))
    inp = net.poisson("drive", 40, rate=50.0)
    for i, (a, b, w) in enumerate(((exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0))):
        net.connect(a, b, nc.FixedProbability(p, seed=i + 1), weight=w)
    net.connect(inp, exc, nc.FixedProbability(0.2, seed=9), weight=2.0)
    return net


NETWORKS = {"sheet": lambda: sheet(source=True), "ring": ring, "random": random_ei}
TARGETS = {
    "emu": lambda: load_target("emu"),
    "lava": lambda: load_target("lava"),
    "tiny-multichip": lambda: small_core_target(neurons=64),
    "tight-fanin": lambda: small_core_target(neurons=256, fanin=300, synapses=4000),
    "param-sets": lambda: small_core_target(neurons=128, parameter_sets=1),
}


#: The placers under their current names (the deprecated names are tested apart).
CURRENT_PLACERS = sorted(set(PLACERS) - set(RENAMED_PLACERS))


@pytest.mark.parametrize("placer", CURRENT_PLACERS)
@pytest.mark.parametrize("target_name", sorted(TARGETS))
@pytest.mark.parametrize("net_name", sorted(NETWORKS))
def test_limits_never_violated(placer, target_name, net_name):
    net, target = NETWORKS[net_name](), TARGETS[target_name]()
    try:
        placement = place(net, target, placer)
    except BuildError:
        assert placer == "sequential", "spectral must place what fits"
        return
    usage = core_usage(net, placement, target)
    assert usage.violations() == []
    for pop in net.populations.values():
        cores = placement.core_of[pop.name]
        assert cores.shape == (pop.size,)
        if pop.is_source:
            assert np.all(cores == -1)
        else:
            assert cores.min() >= 0 and cores.max() < target.total_cores


def test_multichip_network_uses_several_chips():
    net = sheet(side=40, k=20)  # 1600 neurons on 64-neuron cores: 25 cores > 16 per chip
    target = small_core_target(neurons=64)
    target = Target.from_dict({**target.to_dict(), "chip": {"mesh_rows": 2, "mesh_cols": 2,
                                                            "cores_per_tile": 4, "cores": 16}})
    placement = place(net, target, "spectral")
    used = placement.used_cores
    assert np.unique(placement.chip[used]).size >= 2
    assert core_usage(net, placement, target).violations() == []


def test_spectral_beats_sequential_on_a_shuffled_structured_network():
    # neurons in random order: the sequential fill (network order) finds no locality, the
    # spectral placer finds it in the connectivity alone
    target = small_core_target(neurons=64)
    ordered, net = sheet(side=40, k=30, sigma=2.0), sheet(side=40, k=30, sigma=2.0, shuffle=True)
    seq_ordered = placement_metrics(ordered, place(ordered, target, "sequential"), target)
    seq = placement_metrics(net, place(net, target, "sequential"), target)
    assert seq.hop_weighted_traffic > 2 * seq_ordered.hop_weighted_traffic  # the shuffle took effect
    spectral = placement_metrics(net, place(net, target, "spectral"), target)
    assert spectral.violations == 0
    assert spectral.hop_weighted_traffic < 0.8 * seq.hop_weighted_traffic
    # it does not need the order: better even than the sequential fill of the ordered sheet
    assert spectral.hop_weighted_traffic < 0.8 * seq_ordered.hop_weighted_traffic


def test_spectral_beats_a_hand_made_quadrant_layout_of_the_nir_cnn(nir_paper_dir):
    # bench/placement_cnn_quadrants.py cuts the three feature maps into spatial quadrants, one
    # per tile, with the dense readout on a fifth tile. Finding that layout needs the dense
    # readout placed apart, a cut that shares cores between neuron-bound and synapse-bound
    # layers, and straight rather than diagonal cuts of the square maps.
    net = nc.read_nir(nir_paper_dir / "cnn_sinabs.nir", dt=0.1)
    target = load_target("emu")
    quadrants = runpy.run_path(str(REPO_DIR / "bench" / "placement_cnn_quadrants.py"))["quadrant_placement"]
    hand = placement_metrics(net, Placement.build("quadrants", quadrants(net, target), target), target)
    spectral = placement_metrics(net, place(net, target, "spectral"), target)
    assert hand.violations == 0 and spectral.violations == 0
    assert spectral.hop_weighted_traffic <= hand.hop_weighted_traffic, (spectral.hop_weighted_traffic,
                                                                         hand.hop_weighted_traffic)


def test_placement_is_deterministic():
    target = small_core_target(neurons=64)
    a = place(ring(), target, "spectral")
    b = place(ring(), target, "spectral")
    for name in a.core_of:
        np.testing.assert_array_equal(a.core_of[name], b.core_of[name])


def test_rates_change_placement_only_through_traffic():
    net = ring()
    target = small_core_target(neurons=64)
    rates = {"exc": np.linspace(0.0, 40.0, 1200), "inh": 20.0}
    placement = place(net, target, "spectral", rates=rates)
    assert core_usage(net, placement, target).violations() == []


def test_single_neuron_over_fanin_names_population_and_limit():
    net = nc.Network("wide", dt=0.1)
    src = net.population("many", 400, nc.LIF(**LIF))
    hub = net.population("hub", 2, nc.LIF(**LIF))
    net.connect(src, hub, nc.AllToAll(), weight=0.1)
    target = small_core_target(neurons=256, fanin=300)
    with pytest.raises(BuildError) as err:
        place(net, target, "spectral")
    text = str(err.value)
    assert "'hub'" in text and "fanin_axons" in text and "400" in text and "300" in text


def test_dense_network_names_limit_excess_and_a_fitting_core():
    # microcircuit-like: every neuron listens to a random 10 % of 2000 neurons, so any core of
    # more than a few neurons exceeds a fan-in of 400
    net = nc.Network("dense", dt=0.1)
    pop = net.population("L4E", 2000, nc.LIF(**LIF))
    net.connect(pop, pop, nc.FixedProbability(0.1, seed=1), weight=0.1)
    target = small_core_target(neurons=1024, fanin=400, chips=1)  # 64 cores
    with pytest.raises(BuildError) as err:
        place(net, target, "spectral")
    text = str(err.value)
    assert "fanin_axons" in text and "more than" in text and "would fit" in text and "L4E" in text
    needed = int(text.split("core.fanin_axons >= ")[1].split()[0])
    assert needed > 400
    # and the suggested core does fit
    bigger = small_core_target(neurons=1024, fanin=needed, chips=1)
    assert core_usage(net, place(net, bigger, "spectral"), bigger).violations() == []


def test_program_exposes_placement_as_data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = nc.compile(ring(), small_core_target(neurons=64))
    pl = prog.placement
    assert prog.info["placer"] == DEFAULT_PLACER == "spectral" and pl.method == "spectral"
    assert set(pl.core_of) == {"exc", "inh"}
    for arr in (pl.chip, pl.row, pl.col, pl.slot):
        assert arr.shape == (pl.n_cores,)
    loc = prog.target.core_location(np.arange(pl.n_cores))
    np.testing.assert_array_equal(pl.chip, loc.chip)
    assert "hop-weighted traffic" in prog.report()


def test_link_loads_add_up_to_hops():
    net = sheet(side=30, source=True)
    target = small_core_target(neurons=64)
    m = placement_metrics(net, place(net, target, "spectral"), target)
    loads = m.link_loads
    assert loads.total() == pytest.approx(m.hops_east_west_per_step + m.hops_north_south_per_step
                                          + m.hops_inter_chip_per_step)
    assert loads.total(target.board.inter_chip_link_cost) == pytest.approx(m.hop_weighted_traffic)
    assert sum(loads.as_dict().values()) == pytest.approx(loads.total())


@pytest.mark.parametrize("placer", CURRENT_PLACERS)
def test_emulator_counters_equal_model_prediction(placer):
    net = random_ei()
    target = small_core_target(neurons=64)  # several tiles and chips: all hop kinds occur
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = nc.compile(net, target, placer=placer)
    duration = 50.0
    out = prog.run(duration)
    rates = {name: out.rates(name) for name in net.populations}
    m = placement_metrics(prog, rates=rates)
    stats = out.stats
    n = stats.n_steps
    assert stats.spikes_per_step.sum() > 0
    assert m.messages_per_step * n == pytest.approx(stats.messages_per_step.sum(), rel=1e-9)
    assert m.hops_east_west_per_step * n == pytest.approx(stats.hops_east_west_per_step.sum(), rel=1e-9)
    assert m.hops_north_south_per_step * n == pytest.approx(stats.hops_north_south_per_step.sum(), rel=1e-9)
    assert m.hops_inter_chip_per_step * n == pytest.approx(stats.hops_inter_chip_per_step.sum(), rel=1e-9)
    assert m.synaptic_ops_per_step * n == pytest.approx(stats.synops_per_step.sum(), rel=1e-9)


# -- the deprecated name `ours` ------------------------------------------------------------------

def test_ours_is_a_deprecated_name_of_spectral():
    net, target = ring(), small_core_target(neurons=64)
    spectral = place(net, target, "spectral")
    with pytest.warns(DeprecationWarning, match="'ours' is deprecated.*'spectral'"):
        old = place(net, target, "ours")
    with pytest.warns(DeprecationWarning, match="'spectral'"):
        looked_up = PLACERS["ours"](net, target)
    from neurocompile.place import place_ours

    with pytest.warns(DeprecationWarning, match="'spectral'"):
        aliased = place_ours(net, target)
    for pl in (old, looked_up, aliased):
        assert pl.method == "spectral"
        for name in spectral.core_of:
            np.testing.assert_array_equal(pl.core_of[name], spectral.core_of[name])


def test_compile_and_command_line_accept_the_deprecated_name():
    from neurocompile.cli.main import make_parser

    with pytest.warns(DeprecationWarning, match="'spectral'"):
        prog = nc.compile(ring(n=400), small_core_target(neurons=64), placer="ours")
    assert prog.placement.method == "spectral"
    parser = make_parser()
    assert parser.parse_args(["build", "net.py", "--placer", "ours"]).placer == "ours"
    assert parser.parse_args(["build", "net.py"]).placer == DEFAULT_PLACER == "spectral"
