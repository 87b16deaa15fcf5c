"""The `spectral` placer (and its deprecated name `ours`): traffic against other layouts,
determinism, the role of firing rates."""
from __future__ import annotations

import runpy

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.place import DEFAULT_PLACER, PLACERS, Placement, place, placement_metrics
from neurocompile.place.activity import DEFAULT_RATE_HZ
from neurocompile.place.usage import core_usage
from neurocompile.target import load_target
from tests.helpers import REPO_DIR, ring, sheet, small_core_target


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
    pytest.importorskip("nir", reason="reading the NIR paper's CNN needs the 'nir' extra (pip install '.[nir]')")
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
    """Rates weight the traffic the placer minimises, and do nothing else: rates equal to the
    default ones give the default placement, skewed rates give another (still legal) one, whose
    rate-weighted traffic is below that of the placement made without them."""
    net = ring()
    target = small_core_target(neurons=64)
    blind = place(net, target, "spectral")
    default = place(net, target, "spectral", rates={"exc": DEFAULT_RATE_HZ, "inh": DEFAULT_RATE_HZ})
    for name in blind.core_of:
        np.testing.assert_array_equal(default.core_of[name], blind.core_of[name], err_msg=name)

    rates = {"exc": np.linspace(0.0, 40.0, 1200), "inh": 20.0}
    placement = place(net, target, "spectral", rates=rates)
    assert core_usage(net, placement, target).violations() == []
    assert any(not np.array_equal(placement.core_of[name], blind.core_of[name]) for name in blind.core_of)
    aware = placement_metrics(net, placement, target, rates).hop_weighted_traffic
    unaware = placement_metrics(net, blind, target, rates).hop_weighted_traffic
    assert aware < unaware


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
