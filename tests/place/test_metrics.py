"""Placement metrics (neurocompile.place.metrics): link loads, and the traffic model against the
emulator's counters."""
from __future__ import annotations

import warnings

import pytest

import neurocompile as nc
from neurocompile.place import PLACERS, RENAMED_PLACERS, place, placement_metrics
from tests.helpers import random_ei, sheet, small_core_target

#: The placers under their current names.
CURRENT_PLACERS = sorted(set(PLACERS) - set(RENAMED_PLACERS))


def test_link_loads_add_up_to_hops():
    net = sheet(side=30, source=True)
    target = small_core_target(neurons=8)  # 113 cores on two chips: every kind of hop occurs
    m = placement_metrics(net, place(net, target, "spectral"), target)
    assert min(m.hops_east_west_per_step, m.hops_north_south_per_step, m.hops_inter_chip_per_step) > 0
    loads = m.link_loads
    assert loads.total() == pytest.approx(m.hops_east_west_per_step + m.hops_north_south_per_step
                                          + m.hops_inter_chip_per_step)
    assert loads.total(target.board.inter_chip_link_cost) == pytest.approx(m.hop_weighted_traffic)
    assert sum(loads.as_dict().values()) == pytest.approx(loads.total())


def test_the_metrics_name_the_rates_behind_them():
    net = sheet(side=10)
    target = small_core_target(neurons=8)
    placement = place(net, target, "sequential")
    rates = {"sheet": 20.0}
    assert placement_metrics(net, placement, target).rates == "uniform 10 Hz"
    assert placement_metrics(net, placement, target, rates).rates == "given rates"
    m = placement_metrics(net, placement, target, rates, rates_from="float reference")
    assert m.rates == "float reference rates"
    assert ("spike messages/step (float reference rates)", f"{m.messages_per_step:.4g}") in m.rows()
    driven = random_ei(n=100)  # with a Poisson source, which keeps its own rate
    assert placement_metrics(driven, place(driven, target, "sequential"), target).rates == (
        "uniform 10 Hz, Poisson sources at their own rate")


@pytest.mark.parametrize("placer", CURRENT_PLACERS)
def test_emulator_counters_equal_model_prediction(placer):
    net = random_ei()
    target = small_core_target(neurons=8)  # 75 cores on 19 tiles, two chips: all hop kinds occur
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
    for kind in (stats.hops_east_west_per_step, stats.hops_north_south_per_step, stats.hops_inter_chip_per_step):
        assert kind.sum() > 0  # every equality below compares a count that occurred
    assert m.messages_per_step * n == pytest.approx(stats.messages_per_step.sum(), rel=1e-9)
    assert m.hops_east_west_per_step * n == pytest.approx(stats.hops_east_west_per_step.sum(), rel=1e-9)
    assert m.hops_north_south_per_step * n == pytest.approx(stats.hops_north_south_per_step.sum(), rel=1e-9)
    assert m.hops_inter_chip_per_step * n == pytest.approx(stats.hops_inter_chip_per_step.sum(), rel=1e-9)
    assert m.synaptic_ops_per_step * n == pytest.approx(stats.synops_per_step.sum(), rel=1e-9)
