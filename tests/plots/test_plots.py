"""PNG plots of float vs chip runs, from Python and from ``neurocompile plot``."""
from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib", reason="plots need the 'plot' extra (pip install '.[plot]')")
matplotlib.use("Agg")

import numpy as np  # noqa: E402

import neurocompile as nc  # noqa: E402
from neurocompile.cli.main import main  # noqa: E402
from neurocompile.plots import (PlotError, plot_rate_time, plot_rates, plot_raster,  # noqa: E402
                                plot_traces, rate_time_figure, rates_figure, raster_figure,
                                traces_figure)
from tests.helpers import compile_quietly, load_cuba  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SMALL_NET = """
import numpy as np
import neurocompile as nc
net = nc.Network("small", dt=0.1)
def lif(bias):
    return nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                  refractory=2.0, bias=bias)
exc = net.population("exc", 30, lif(np.linspace(14.0, 30.0, 30)))
inh = net.population("inh", 10, lif(0.0))
drive = net.poisson("drive", 10, 200.0)
net.connect(drive, inh, nc.OneToOne(), weight=4.0)
net.connect(exc, inh, nc.FixedProbability(0.3, seed=1), weight=1.0)
net.connect(inh, exc, nc.FixedProbability(0.3, seed=2), weight=-2.0, delay=1.0)
net.probe(exc, "spikes")
net.probe(inh, "spikes")
net.probe(exc[:3], "v")
"""


#: What the issue measured: a population above the old 200-neuron raster limit, one neuron, a
#: silent population resting a hair above v_rest (a flat trace), an AdEx population with w probed.
VARIED_NET = """
import numpy as np
import neurocompile as nc
net = nc.Network("varied", dt=0.1)
def lif(bias):
    return nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                  refractory=2.0, bias=bias)
wide = net.population("wide", 300, lif(np.linspace(16.0, 30.0, 300)))
single = net.population("single", 1, lif(20.0))
flat = net.population("flat", 2, lif(0.0), v_init=-64.999999)
adex = net.population("adex", 3, nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0,
                      a=4.0, tau_w=144.0, b=80.5, V_reset=-70.6, V_peak=-40.4, tau_syn=5.0))
net.current(adex, nc.StepCurrent([0.0], [1000.0]))
for pop in (wide, single, flat, adex):
    net.probe(pop, "spikes")
net.probe(wide[:6], "v")
net.probe(flat, "v")
net.probe(adex, "v")
net.probe(adex, "w")
"""


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "varied.py"
    path.write_text(VARIED_NET, encoding="utf-8")
    from neurocompile.io import load_network

    net = load_network(path)
    return path, net, nc.simulate(net, 60.0), compile_quietly(net).run(60.0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "small.py"
    path.write_text(SMALL_NET, encoding="utf-8")
    from neurocompile.io import load_network

    net = load_network(path)
    return path, net, nc.simulate(net, 100.0), nc.compile(net, "emu").run(100.0)


def _png(path, min_bytes=5000):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > min_bytes
    return data


def _drawn(fig):
    """The figure after a draw (tick labels and offset texts are set at draw time)."""
    fig.canvas.draw()
    return fig


def _panel(fig, title_start: str):
    matches = [ax for ax in fig.axes if ax.get_title().startswith(title_start)]
    assert len(matches) == 1, [ax.get_title() for ax in fig.axes]
    return matches[0]


def _raster_rows(ax) -> np.ndarray:
    """Neuron indices (y) of the spike ticks drawn in a raster panel."""
    return np.unique(ax.collections[0].get_offsets()[:, 1])


def test_raster_has_float_and_chip_column_per_population(runs, tmp_path):
    _, _, ref, chip = runs
    fig = raster_figure(ref, chip)
    assert len(fig.axes) == 4          # exc and inh (drive has no spike probe), float | chip
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == [
        "exc, float (reference)", "exc, chip (emu)", "inh, float (reference)", "inh, chip (emu)"]
    assert len(raster_figure(ref, chip, populations=["inh"]).axes) == 2
    _png(plot_raster(ref, chip, tmp_path / "r" / "raster.png"))


def test_raster_draws_every_neuron_of_a_large_population(varied):
    _, _, ref, chip = varied
    fig = raster_figure(ref, chip, populations=["wide"])
    for ax, result in zip(fig.axes, (ref, chip)):
        fired = np.unique(result.spike_times("wide")[1])
        assert fired.size > 250                      # more than the old limit of 200 rows
        np.testing.assert_array_equal(_raster_rows(ax), fired)
        assert ax.get_ylim()[0] < 0 and ax.get_ylim()[1] > 299
        assert "all 300 probed neurons" in ax.get_title()


def test_raster_above_max_neurons_draws_an_evenly_spaced_sample_and_says_so(varied):
    _, _, ref, chip = varied
    fig = raster_figure(ref, chip, populations=["wide"], max_neurons=30)
    for ax in fig.axes:
        rows = _raster_rows(ax)
        assert rows.size <= 30 and rows.min() < 15 and rows.max() > 285   # spread over 0..299
        assert np.all(np.diff(rows) <= 11)
        assert "30 of 300 probed neurons, evenly spaced" in ax.get_title()
    with pytest.raises(PlotError, match="max_neurons = 0"):
        raster_figure(ref, chip, max_neurons=0)


def test_raster_of_one_neuron_has_one_whole_numbered_row(varied):
    _, _, ref, chip = varied
    fig = _drawn(raster_figure(ref, chip, populations=["single", "adex"]))
    single, adex = fig.axes[0], fig.axes[2]
    assert single.get_ylim() == pytest.approx((-0.5, 0.5))
    assert list(single.get_yticks()) == [0]
    assert [t.get_text() for t in single.get_yticklabels()] == ["0"]
    assert "1 probed neuron" in single.get_title()
    assert list(adex.get_yticks()) == [0, 1, 2]


def test_traces_draw_every_probed_variable_of_every_population(varied, tmp_path):
    _, net, ref, chip = varied
    fig = traces_figure(ref, chip, network=net)
    assert [ax.get_ylabel() for ax in fig.axes] == ["wide.v (mV)", "flat.v (mV)", "adex.v (mV)",
                                                    "adex.w (pA)"]
    wide = _panel(fig, "v of 'wide'")
    assert len(wide.lines) == 2 * 4                 # the cap, float and chip per neuron
    assert "4 of 6 probed neurons, evenly spaced" in wide.get_title()
    assert {line.get_label() for line in wide.lines} == {
        f"[{i}] {side}" for i in (0, 2, 3, 5) for side in ("float", "chip")}
    w = _panel(fig, "w of 'adex'")
    assert len(w.lines) == 6 and "all 3 probed neurons" in w.get_title()
    np.testing.assert_allclose(w.lines[1].get_ydata(), chip.trace("adex", "w")[:, 0])
    assert len(traces_figure(ref, chip, max_traces=2).axes[0].lines) == 4
    only_w = traces_figure(ref, chip, variable="w")
    assert [ax.get_ylabel() for ax in only_w.axes] == ["adex.w"]   # no network: no unit known
    _png(plot_traces(ref, chip, tmp_path / "traces.png", network=net))


def test_flat_trace_has_plain_tick_labels_and_a_readable_range(varied):
    _, _, ref, chip = varied
    flat = np.concatenate([ref.trace("flat", "v"), chip.trace("flat", "v")])
    assert 0 < np.ptp(flat) < 1e-5          # resting a hair above v_rest: rounding noise only
    fig = _drawn(traces_figure(ref, chip, population="flat"))
    ax = fig.axes[0]
    assert ax.yaxis.get_offset_text().get_text() == ""
    low, high = ax.get_ylim()
    assert low < -65 < high and high - low >= 2.0
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(len(label) <= 4 for label in labels), labels        # e.g. "−64", not "0.25"
    for ax in _drawn(traces_figure(ref, chip)).axes:
        assert ax.yaxis.get_offset_text().get_text() == ""


def test_traces_without_the_variable_is_an_error(runs):
    _, _, ref, chip = runs
    with pytest.raises(PlotError, match="no trace of 'I_syn'"):
        traces_figure(ref, chip, variable="I_syn")
    with pytest.raises(PlotError, match="no trace of 'v' of population 'inh'"):
        traces_figure(ref, chip, population="inh")


def test_rate_time_draws_float_and_chip_rate_per_population(varied, tmp_path):
    _, _, ref, chip = varied
    fig = rate_time_figure(ref, chip, bin_ms=ref.dt)
    assert [ax.get_ylabel() for ax in fig.axes] == [f"{n}\nrate (Hz)" for n in
                                                    ("wide", "single", "flat", "adex")]
    for ax, name in zip(fig.axes, ("wide", "single", "flat", "adex")):
        assert [line.get_label().split(":")[0] for line in ax.lines] == ["float", "chip"]
        for line, result in zip(ax.lines, (ref, chip)):
            np.testing.assert_allclose(line.get_xdata(), result.times)
            # one-step window: the mean over time is the population's mean rate
            assert np.mean(line.get_ydata()) == pytest.approx(result.rates(name).mean())
        assert ax.get_ylim()[0] == 0
    assert "no spikes in either run" in _panel(fig, "'flat'").get_title()
    assert _panel(fig, "'flat'").get_ylim() == (0, 1.0)
    smooth = rate_time_figure(ref, chip, bin_ms=10.0, populations=["wide"])
    assert "10 ms sliding window" in smooth.axes[0].get_title()
    assert "300 probed neurons" in smooth.axes[0].get_title()
    _png(plot_rate_time(ref, chip, tmp_path / "rt.png", bin_ms=5.0))


def test_rates_scatter_leaves_out_spike_sources(runs, tmp_path):
    _, net, ref, chip = runs
    fig = rates_figure(ref, chip, network=net)
    assert len(fig.axes) == 1
    assert len(fig.axes[0].collections) == 2        # exc and inh, not drive
    _png(plot_rates(ref, chip, tmp_path / "rates.png", network=net))


def test_figures_are_not_left_open_in_pyplot(runs, tmp_path):
    import matplotlib.pyplot as plt

    _, net, ref, chip = runs
    before = plt.get_fignums()
    plot_raster(ref, chip, tmp_path / "r.png")
    traces_figure(ref, chip)
    assert plt.get_fignums() == before


def test_mesh_without_traffic_says_so():
    mesh = pytest.importorskip("neurocompile.plots.mesh")
    net = load_cuba()                                        # 4000 neurons: five cores, two tiles
    program = compile_quietly(net)
    busy = _drawn(mesh.mesh_figure(program))
    assert len(busy.axes) == 3 and busy.axes[2].get_xlabel() == "link traversals / step"
    assert "max link" in busy.axes[0].get_title()
    silent = _drawn(mesh.mesh_figure(program, rates={n: np.zeros(p.size)
                                                     for n, p in net.populations.items()}))
    assert len(silent.axes) == 2                             # the mesh and the core-load bar only
    assert "no link traffic" in silent.axes[0].get_title()
    assert any("no link traffic" in t.get_text() for t in silent.axes[0].texts)
    for ax in silent.axes:
        for label in (*ax.get_xticklabels(), *ax.get_yticklabels(), ax.xaxis.get_offset_text(),
                      ax.yaxis.get_offset_text()):
            assert "e-12" not in label.get_text().replace("\u2212", "-")


def test_the_mesh_title_names_the_rates(runs, tmp_path, capsys, monkeypatch):
    mesh = pytest.importorskip("neurocompile.plots.mesh")
    program = compile_quietly(load_cuba())
    assert _drawn(mesh.mesh_figure(program)).axes[0].get_title().endswith("(uniform 10 Hz)")
    chip_rates = {"exc": 5.0, "inh": 5.0}
    title = _drawn(mesh.mesh_figure(program, chip_rates, rates_from="chip run")).axes[0].get_title()
    assert title.endswith("(chip run rates)")

    titles = []  # `neurocompile plot --mesh` draws the chip run's rates

    def recorded(*args, **kwargs):
        figure = drawn(*args, **kwargs)
        titles.append(figure.axes[0].get_title())
        return figure

    drawn = mesh.mesh_figure
    monkeypatch.setattr(mesh, "mesh_figure", recorded)
    path, _, _, _ = runs
    code = main(["plot", str(path), "--duration", "20", "--out", str(tmp_path), "--mesh"])
    assert code == 0, capsys.readouterr().err
    assert len(titles) == 1 and titles[0].endswith("(chip run rates)")


def test_raster_without_spike_probes_is_an_error(tmp_path):
    net = nc.Network("quiet", dt=0.1)
    net.population("p", 2, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    ref = nc.simulate(net, 5.0)
    with pytest.raises(PlotError, match="no population has probed spikes"):
        plot_raster(ref, ref, tmp_path / "x.png")


def test_plot_command_writes_the_requested_pngs(runs, tmp_path, capsys):
    path, _, _, _ = runs
    code = main(["plot", str(path), "--duration", "50", "--out", str(tmp_path / "p"),
                 "--raster", "--rates"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["small_raster.png",
                                                                 "small_rates.png"]
    assert "wrote" in out
    for png in (tmp_path / "p").iterdir():
        _png(png)


def test_plot_command_uses_a_compiled_program_and_checks_it_matches(runs, tmp_path, capsys):
    path, net, _, _ = runs
    program = tmp_path / "small.ncp"
    nc.compile(net, "emu").save(program)
    code = main(["plot", str(path), "--program", str(program), "--duration", "20",
                 "--out", str(tmp_path / "q"), "--traces"])
    assert code == 0, capsys.readouterr().err
    _png(tmp_path / "q" / "small_traces.png")
    other = nc.Network("other", dt=0.1)
    other.population("p", 1, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    nc.compile(other, "emu").save(tmp_path / "other.ncp")
    code = main(["plot", str(path), "--program", str(tmp_path / "other.ncp"), "--out",
                 str(tmp_path / "r")])
    assert code == 1
    assert "compiled from network 'other'" in capsys.readouterr().err


def test_plot_command_rates_time(varied, tmp_path, capsys):
    path, _, _, _ = varied
    code = main(["plot", str(path), "--duration", "20", "--out", str(tmp_path / "t"),
                 "--rates-time", "--bin", "2.5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["varied_rates_time.png"]
    _png(tmp_path / "t" / "varied_rates_time.png")
    code = main(["plot", str(path), "--duration", "20", "--out", str(tmp_path / "all")])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == sorted(
        f"varied_{kind}.png" for kind in ("raster", "traces", "rates", "rates_time", "mesh"))
