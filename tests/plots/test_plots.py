"""PNG plots of float vs chip runs, from Python and from ``neurocompile plot``."""
from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib", reason="plots need the 'plot' extra (pip install '.[plot]')")
matplotlib.use("Agg")

import neurocompile as nc  # noqa: E402
from neurocompile.cli.main import main  # noqa: E402
from neurocompile.plots import PlotError, plot_rates, plot_raster, plot_traces  # noqa: E402

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


def _axes_of_last_figure(monkeypatch):
    """Record the figures saved by the plot functions (they close them after saving)."""
    import matplotlib.figure

    saved = []
    original = matplotlib.figure.Figure.savefig

    def spy(self, *args, **kwargs):
        saved.append(len([ax for ax in self.axes if ax.get_visible()]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    return saved


def test_raster_has_float_and_chip_column_per_population(runs, tmp_path, monkeypatch):
    _, _, ref, chip = runs
    axes = _axes_of_last_figure(monkeypatch)
    out = plot_raster(ref, chip, tmp_path / "r" / "raster.png")
    _png(out)
    assert axes == [4]          # exc and inh (drive has no spike probe), float | chip
    plot_raster(ref, chip, tmp_path / "one.png", populations=["inh"])
    assert axes[-1] == 2


def test_traces_one_panel_per_recorded_neuron(runs, tmp_path, monkeypatch):
    _, _, ref, chip = runs
    axes = _axes_of_last_figure(monkeypatch)
    _png(plot_traces(ref, chip, tmp_path / "traces.png"))
    assert axes == [3]
    plot_traces(ref, chip, tmp_path / "t2.png", max_traces=2)
    assert axes[-1] == 2
    with pytest.raises(PlotError, match="no trace of 'I_syn'"):
        plot_traces(ref, chip, tmp_path / "t3.png", variable="I_syn")


def test_rates_scatter_leaves_out_spike_sources(runs, tmp_path, monkeypatch):
    _, net, ref, chip = runs
    axes = _axes_of_last_figure(monkeypatch)
    _png(plot_rates(ref, chip, tmp_path / "rates.png", network=net))
    assert axes == [1]


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
