"""The placement budget (neurocompile.place.budget): bad values, the deterministic work
allowance, the wall clock, unstructured connectivity, and what the placement's notes say.

The allowance is set through ``budget.WORK_PER_SECOND`` (work units per second of budget) so
that these tests never depend on how fast the machine is: a large budget in seconds keeps the
wall clock out of the way, a small rate makes the allowance tight.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NeurocompileError
from neurocompile.place import budget, place, placement_metrics
from neurocompile.place.activity import spikes_per_step
from neurocompile.place.budget import PlacementBudget, check_budget
from neurocompile.place.refine import Refinement, refine_neurons
from neurocompile.place.structure import UNSTRUCTURED_CUT_RATIO, cut_ratio
from neurocompile.place.graph import neuron_graph
from neurocompile.place.bisection import candidate_coordinates
from neurocompile.place.usage import core_usage
from tests.helpers import load_cuba, random_ei, ring, sheet, small_core_target

#: Seconds: far more than any of these placements takes, so the wall clock never decides.
GENEROUS_S = 3600.0


def _same(a, b) -> bool:
    return a.core_of.keys() == b.core_of.keys() and all(np.array_equal(a.core_of[k], b.core_of[k]) for k in a.core_of)


def _legal(net, placement, target) -> bool:
    return core_usage(net, placement, target).n_violations() == 0


@pytest.mark.parametrize("value", [-1.0, 0, 0.0, float("nan"), "10", None, True])
def test_a_bad_budget_is_a_one_line_error_naming_the_option(value):
    with pytest.raises(NeurocompileError) as info:
        check_budget("compile", "place_budget_s", value)
    message = str(info.value)
    assert message.startswith("compile: place_budget_s = ") and "must be a time > 0 s" in message
    assert "\n" not in message


def test_compile_and_place_check_the_budget_before_any_work():
    net = ring(n=200)
    with pytest.raises(NeurocompileError, match=r"^compile: place_budget_s = -3 must be a time > 0 s"):
        nc.compile(net, "emu", place_budget_s=-3)
    with pytest.raises(NeurocompileError, match=r"^place: budget_s = 0 must be a time > 0 s"):
        place(net, small_core_target(), "spectral", budget_s=0)
    assert check_budget("place", "budget_s", math.inf) == math.inf


def test_the_allowance_follows_the_budget():
    assert PlacementBudget(10.0).allowance == pytest.approx(10.0 * budget.WORK_SHARE * budget.WORK_PER_SECOND)
    assert PlacementBudget(math.inf).allowance == math.inf


def test_a_budget_large_enough_changes_nothing():
    """The default budget and no budget at all give the same placement on a network the
    placer finishes well within it (the pinned outputs rely on this too)."""
    target = small_core_target(neurons=64)
    net = sheet(side=24, k=20)
    default = place(net, target, "spectral")
    unlimited = place(net, target, "spectral", budget_s=math.inf)
    assert _same(default, unlimited)
    assert default.notes == ()


def test_a_tight_work_allowance_is_deterministic_and_said(monkeypatch):
    target = small_core_target(neurons=64)
    net = sheet(side=24, k=20)
    full = place(net, target, "spectral", budget_s=math.inf)
    monkeypatch.setattr(budget, "WORK_PER_SECOND", 2e7 / GENEROUS_S)  # an allowance of 1e7 units
    first = place(net, target, "spectral", budget_s=GENEROUS_S)
    second = place(net, target, "spectral", budget_s=GENEROUS_S)
    assert _same(first, second) and first.notes == second.notes
    assert len(first.notes) == 1 and "work allowance" in first.notes[0] and "deterministic" in first.notes[0]
    assert _legal(net, first, target)
    seq = placement_metrics(net, place(net, target, "sequential"), target).hop_weighted_traffic
    cut_short = placement_metrics(net, first, target).hop_weighted_traffic
    assert placement_metrics(net, full, target).hop_weighted_traffic <= cut_short <= seq


def test_the_refinement_stops_at_its_work_limit_with_a_legal_placement():
    target = small_core_target(neurons=64)
    net = sheet(side=24, k=20)
    start = place(net, target, "sequential")
    rate = spikes_per_step({p.name: (p.size, p.model) for p in net.populations.values()}, net.dt)
    done, limited = Refinement(), Refinement()
    free = refine_neurons(net, start.core_of, target, rate, report=done)
    short = refine_neurons(net, start.core_of, target, rate, work_limit=done.work // 10, report=limited)
    assert done.ran and not done.limit_reached
    assert limited.limit_reached and done.work // 10 <= limited.work < done.work
    traffic = [placement_metrics(net, nc.place.Placement.build("x", c, target), target).hop_weighted_traffic
               for c in (start.core_of, short, free)]
    assert traffic[0] >= traffic[1] >= traffic[2]
    assert _legal(net, nc.place.Placement.build("x", short, target), target)
    again = refine_neurons(net, start.core_of, target, rate, work_limit=done.work // 10)
    assert all(np.array_equal(again[k], short[k]) for k in short)


def test_the_wall_clock_returns_the_best_legal_placement_so_far(monkeypatch):
    """A clock that has run out before the first bisection: the sequential fill, legal, with a
    note that says the result depends on the machine."""
    monkeypatch.setattr(PlacementBudget, "out_of_time", lambda self: setattr(self, "deadline_hit", True) or True)
    target = small_core_target(neurons=64)
    net = sheet(side=24, k=20)
    pl = place(net, target, "spectral", budget_s=GENEROUS_S)
    assert _same(pl, place(net, target, "sequential"))
    assert len(pl.notes) == 1 and "wall clock reached the placement budget" in pl.notes[0]
    assert "depends on the machine" in pl.notes[0]


def test_without_a_sequential_fill_the_placer_places_beyond_a_tiny_budget(monkeypatch):
    # one core per population cannot hold 40 populations on 32 cores: the sequential fill fails
    target = small_core_target(neurons=64, chips=1)
    net = nc.Network("many", dt=0.1, seed=0)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0)
    pops = [net.population(f"p{i}", 8, lif) for i in range(target.total_cores + 8)]
    for a, b in zip(pops, pops[1:]):
        net.connect(a, b, nc.AllToAll(), weight=0.1)
    with pytest.raises(NeurocompileError):
        place(net, target, "sequential")
    monkeypatch.setattr(budget, "WORK_PER_SECOND", 1.0 / GENEROUS_S)
    pl = place(net, target, "spectral", budget_s=GENEROUS_S)
    assert _legal(net, pl, target)
    assert any("too small for any legal placement" in note for note in pl.notes)


def test_cut_ratio_tells_random_from_structured_connectivity():
    def ratio(net):
        p = spikes_per_step({q.name: (q.size, q.model) for q in net.populations.values()}, net.dt)
        graph = neuron_graph(net, p, with_adjacency=True)
        return cut_ratio(graph, candidate_coordinates(graph, net.seed, True)[0])

    assert ratio(ring()) < 0.2
    assert ratio(sheet(side=30)) < 0.3
    assert ratio(load_cuba()) >= UNSTRUCTURED_CUT_RATIO
    assert ratio(random_ei(n=2000)) >= UNSTRUCTURED_CUT_RATIO


def test_unstructured_connectivity_keeps_the_refined_sequential_fill(monkeypatch):
    """CUBA is random: with an allowance too small for the bisections to be worth it, the
    placer says so and refines the sequential fill by moves only, deterministically."""
    net = load_cuba()
    target = small_core_target(neurons=256)
    monkeypatch.setattr(budget, "WORK_PER_SECOND", 2e8 / GENEROUS_S)  # allowance 1e8 units
    pl = place(net, target, "spectral", budget_s=GENEROUS_S)
    assert any(note.startswith("connectivity looks unstructured") for note in pl.notes)
    assert _legal(net, pl, target)
    seq = placement_metrics(net, place(net, target, "sequential"), target)
    assert placement_metrics(net, pl, target).hop_weighted_traffic <= seq.hop_weighted_traffic
    assert _same(pl, place(net, target, "spectral", budget_s=GENEROUS_S))
    # a structured network is never taken for a random one
    structured = place(ring(), small_core_target(neurons=64), "spectral", budget_s=GENEROUS_S)
    assert not any("unstructured" in note for note in structured.notes)


def test_notes_are_saved_with_the_program(tmp_path, monkeypatch):
    monkeypatch.setattr(budget, "WORK_PER_SECOND", 2e8 / GENEROUS_S)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = nc.compile(load_cuba(), "emu", place_budget_s=GENEROUS_S)
    assert prog.placement.notes
    prog.save(tmp_path / "cuba.ncp")
    assert nc.load(tmp_path / "cuba.ncp").placement.notes == prog.placement.notes
    assert "connectivity looks unstructured" in prog.report(width=1000)
