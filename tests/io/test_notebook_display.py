"""How a notebook shows a Network, a Program, a Result and a Comparison: a one-line repr (the
issue measured 206,730 characters for ``repr(prog)``) and ``_repr_html_`` with the summary
tables ``neurocompile build`` prints."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.io.tables import counted, table_html
from tests.helpers import compile_quietly, load_cuba

REPR_LIMIT = 1000


def _wide_network(n_pops: int = 40, size: int = 50) -> nc.Network:
    """A chain of ``n_pops`` driven LIF populations with long names: many rows everywhere."""
    net = nc.Network("wide_chain_of_populations", dt=0.1)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0,
                 bias=np.linspace(14.0, 24.0, size))
    pops = [net.population(f"population_with_a_long_name_{k:02d}", size, lif) for k in range(n_pops)]
    for pre, post in zip(pops, pops[1:]):
        net.connect(pre, post, nc.FixedProbability(0.1, seed=len(net.projections)), weight=0.5)
    for pop in pops:
        net.probe(pop, "spikes")
        net.probe(pop[:2], "v")
    return net


def _runs(net, duration):
    program = compile_quietly(net)
    ref, chip = nc.simulate(net, duration), program.run(duration)
    return net, program, ref, chip, nc.compare(ref, chip, network=net)


@pytest.fixture(scope="module")
def cuba():
    return _runs(load_cuba(), 20.0)


@pytest.fixture(scope="module")
def wide():
    return _runs(_wide_network(), 20.0)


def _cells(markup: str) -> list[str]:
    """Text of every ``<td>`` of an HTML string, unescaped."""
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", markup)]


@pytest.mark.parametrize("runs", ["cuba", "wide"])
def test_every_repr_is_one_short_line(runs, request):
    for obj in request.getfixturevalue(runs):
        text = repr(obj)
        assert len(text) < REPR_LIMIT, (type(obj).__name__, len(text))
        assert "\n" not in text


def test_reprs_state_the_headline_numbers(cuba):
    net, program, ref, chip, comparison = cuba
    assert repr(net) == "Network('cuba', dt=0.1 ms, 2 populations, 4000 neurons, 320948 synapses)"
    summary = program.summary()
    assert repr(program) == (f"Program('cuba' for target 'emu' (emu): 4000 neurons, 320948 synapses on "
                             f"{summary['cores_used']} cores of 1 chip, dt 0.1 ms)")
    spikes = sum(int(c.sum()) for c in chip.counts.values())
    assert repr(chip) == f"Result(emu, 200 steps of 0.1 ms = 20 ms, 2 populations, {spikes} spikes)"
    exc = comparison.populations["exc"]
    assert repr(comparison).startswith("Comparison(float vs chip over 20 ms, 2 populations: exc "
                                       f"{exc.rate_float:.3g} vs {exc.rate_chip:.3g} Hz (")


def test_repr_of_many_populations_lists_a_few(wide):
    comparison = wide[4]
    assert "population_with_a_long_name_00" in repr(comparison)
    assert "... 34 more" in repr(comparison)
    assert "40 populations" in repr(wide[0])


def test_counted_is_singular_for_one():
    assert counted(1, "population") == "1 population" and counted(0, "synapse") == "0 synapses"
    net = nc.Network("one", dt=0.1)
    net.population("p", 1, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    assert repr(net) == "Network('one', dt=0.1 ms, 1 population, 1 neuron, 0 synapses)"


@pytest.mark.parametrize("runs", ["cuba", "wide"])
def test_html_views_are_tables_with_the_key_numbers(runs, request):
    net, program, ref, chip, comparison = request.getfixturevalue(runs)
    first = next(iter(net.populations))
    objects = {"net": net, "program": program, "ref": ref, "chip": chip, "comparison": comparison}
    views = {key: obj._repr_html_() for key, obj in objects.items()}
    for key, markup in views.items():
        assert markup.startswith("<div>") and "<table>" in markup, key
        assert first in _cells(markup), key                      # a row per population
        if key != "comparison":                                  # its heading: the tables' subject
            assert html.escape(repr(objects[key])) in markup, key
    # the network: one row per population and one per projection
    cells = _cells(views["net"])
    assert str(net.populations[first].size) in cells
    assert sum(c == f"{proj.pre.name} -> {proj.post.name}" for c in cells
               for proj in net.projections) == len(net.projections)
    # the program: its resources (neurons, synapses, cores used)
    summary = program.summary()
    cells = _cells(views["program"])
    assert str(summary["neurons"]) in cells and str(summary["synapses"]) in cells
    assert any(c.startswith(f"{summary['cores_used']} / ") for c in cells)
    # a run: the mean rate of every population
    for key, result in (("ref", ref), ("chip", chip)):
        cells = _cells(views[key])
        for name in net.populations:
            assert f"{result.rates(name).mean():.2f}" in cells
    # the comparison: float and chip rate and the rate error of every population
    cells = _cells(views["comparison"])
    for p in comparison.populations.values():
        assert f"{p.rate_float:.3g}" in cells and f"{p.rate_chip:.3g}" in cells
        assert f"{p.rate_rel_error:.1%}" in cells


def test_html_of_a_network_without_projections_has_no_projection_table():
    net = nc.Network("lonely", dt=0.1)
    net.population("p", 3, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    markup = net._repr_html_()
    assert markup.count("<table>") == 1 and "Projections" not in markup


def test_table_html_escapes_cells_and_keeps_alignment():
    from rich.table import Table

    table = Table(title="a <b> & c")
    table.add_column("name")
    table.add_column("value", justify="right")
    table.add_row("x[1]", "<3")
    markup = table_html(table)
    assert "<caption" in markup and "a &lt;b&gt; &amp; c" in markup
    assert '<td style="text-align:right">&lt;3</td>' in markup
    assert _cells(markup) == ["x[1]", "<3"]
