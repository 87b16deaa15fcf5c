"""The traffic lower bound (neurocompile.place.lower_bound): below every legal placement, and
equal to the optimum of hand-computed cases."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.place import Placement, place, placement_metrics, traffic_lower_bound
from neurocompile.place.usage import core_usage
from tests.helpers import PLACEMENT_LIF, random_ei, small_core_target


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lower_bound_below_every_placement(seed):
    # cores of 8 neurons (tiles of 32): most neurons have more targets than a tile holds
    net, target = random_ei(n=300, p=0.2, seed=seed), small_core_target(neurons=8)
    bound = traffic_lower_bound(net, target)
    assert bound > 0
    for placer in ("sequential", "spectral"):
        pl = place(net, target, placer)
        assert bound <= placement_metrics(net, pl, target).hop_weighted_traffic + 1e-12
    # random legal placements: the sequential cores dealt to the neurons in random order.
    # Every core keeps its neuron count, and 8 neurons' inputs (about 70 each) stay far below
    # the synapse and fan-in limits, so each one is legal and must respect the bound.
    rng = np.random.default_rng(seed)
    seq = place(net, target, "sequential")
    neurons = [pop.name for pop in net.populations.values() if not pop.is_source]
    cores = np.concatenate([seq.core_of[name] for name in neurons])
    splits = np.cumsum([net.populations[name].size for name in neurons])[:-1]
    for _ in range(3):
        dealt = np.split(rng.permutation(cores), splits)
        pl = Placement.build("perm", {**seq.core_of, **dict(zip(neurons, dealt))}, target)
        assert core_usage(net, pl, target).violations() == []
        assert bound <= placement_metrics(net, pl, target).hop_weighted_traffic + 1e-12


def test_lower_bound_equals_optimum_of_a_hand_computed_fan_out():
    # one neuron onto 40: with tiles of 4 cores x 8 neurons, neuron + targets need 2 tiles, so
    # every tree has at least one link; the placement below has exactly one (east, on chip).
    target = small_core_target(neurons=8)
    net = nc.Network("fan", dt=0.1, seed=0)
    a = net.population("a", 1, nc.LIF(**PLACEMENT_LIF))
    b = net.population("b", 40, nc.LIF(**PLACEMENT_LIF))
    net.connect(a, b, nc.AllToAll(), weight=0.5)
    p = 10.0 * 0.1e-3  # default 10 Hz x dt
    bound = traffic_lower_bound(net, target)
    assert bound == pytest.approx(p)
    cores_b = np.r_[np.zeros(7), np.repeat([1, 2, 3], 8), np.full(8, 4), [5]].astype(np.int32)
    optimal = Placement.build("hand", {"a": np.array([0], np.int32), "b": cores_b}, target)
    assert core_usage(net, optimal, target).violations() == []
    assert placement_metrics(net, optimal, target).hop_weighted_traffic == pytest.approx(bound)
    assert placement_metrics(net, place(net, target, "spectral"), target).hop_weighted_traffic == pytest.approx(bound)


def test_lower_bound_counts_inter_chip_links():
    # 600 targets + the neuron need 19 tiles of 32: more than the 16 tiles of one chip, so
    # at least 18 links of which one is inter-chip (cost 10): 17 + 10.
    target = small_core_target(neurons=8)
    net = nc.Network("fan", dt=0.1, seed=0)
    a = net.population("a", 1, nc.LIF(**PLACEMENT_LIF))
    b = net.population("b", 600, nc.LIF(**PLACEMENT_LIF))
    net.connect(a, b, nc.AllToAll(), weight=0.5)
    assert traffic_lower_bound(net, target) == pytest.approx(1e-3 * (17 + 10))


def test_lower_bound_counts_parameter_sets():
    # one neuron onto 5 populations of distinct parameters: with one parameter set per core, a
    # tile of 4 cores holds 4 of the 6 sets (the neuron's own included), so 2 tiles, 1 link.
    target = small_core_target(neurons=128, parameter_sets=1)
    net = nc.Network("sets", dt=0.1, seed=0)
    a = net.population("a", 1, nc.LIF(**PLACEMENT_LIF))
    for i in range(5):
        b = net.population(f"b{i}", 2, nc.LIF(**{**PLACEMENT_LIF, "tau_mem": 11.0 + i}))
        net.connect(a, b, nc.AllToAll(), weight=0.5)
    bound = traffic_lower_bound(net, target)
    assert bound == pytest.approx(1e-3)
    for placer in ("sequential", "spectral"):
        pl = place(net, target, placer)
        assert placement_metrics(net, pl, target).hop_weighted_traffic == pytest.approx(bound)
