"""Placement within every per-core limit, on every placer and target, and clear errors naming
the binding limit when a network cannot fit."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import BuildError
from neurocompile.place import PLACERS, RENAMED_PLACERS, place
from neurocompile.place.usage import core_usage
from neurocompile.target import Target
from tests.helpers import PLACEMENT_LIF, PLACEMENT_TARGETS, random_ei, ring, sheet, small_core_target

PLACEMENT_NETWORKS = {"sheet": lambda: sheet(source=True), "ring": ring, "random": random_ei}

#: The placers under their current names (the deprecated names are tested in test_spectral.py).
CURRENT_PLACERS = sorted(set(PLACERS) - set(RENAMED_PLACERS))


@pytest.mark.parametrize("placer", CURRENT_PLACERS)
@pytest.mark.parametrize("target_name", sorted(PLACEMENT_TARGETS))
@pytest.mark.parametrize("net_name", sorted(PLACEMENT_NETWORKS))
def test_limits_never_violated(placer, target_name, net_name):
    net, target = PLACEMENT_NETWORKS[net_name](), PLACEMENT_TARGETS[target_name]()
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


def test_single_neuron_over_fanin_names_population_and_limit():
    net = nc.Network("wide", dt=0.1)
    src = net.population("many", 400, nc.LIF(**PLACEMENT_LIF))
    hub = net.population("hub", 2, nc.LIF(**PLACEMENT_LIF))
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
    pop = net.population("L4E", 2000, nc.LIF(**PLACEMENT_LIF))
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
