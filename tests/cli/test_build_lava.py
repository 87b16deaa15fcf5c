"""``neurocompile build --target lava``: the Lava graph table, and ``--run`` against the emulator."""
from __future__ import annotations

import neurocompile.lava
from tests.helpers import run_cli

NET = """
import neurocompile as nc
net = nc.Network("small", dt=0.1, seed=2)
noise = net.poisson("noise", 30, rate=300.0)
lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
a = net.population("a", 60, lif)
b = net.population("b", 20, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0,
                                   refractory=1.0))
net.connect(noise, a, nc.FixedProbability(0.3, seed=1), weight=0.9)
net.connect(a, b, nc.FixedProbability(0.2, seed=2), weight=0.6, delay=0.3)
net.connect(b, a, nc.FixedProbability(0.2, seed=3), weight=-0.8)
net.probe(a, "spikes")
net.probe(b, "spikes")
net.probe(b[:3], "v")
"""


def test_lava_build_shows_the_graph_and_marks_custom_processes(capsys, tmp_path):
    net_file = tmp_path / "small.py"
    net_file.write_text(NET)
    code, out, err = run_cli(capsys, "build", net_file, "--target", "lava", "--validate", "10",
                             "--out", tmp_path)
    assert code == 0, err
    assert "Lava process graph" in out
    assert "population a" in out and "population b" in out
    assert "do not run on Loihi silicon" in out and "'b'" in out  # b has a refractory period
    assert "add --run MS" in out
    code, out, _ = run_cli(capsys, "build", net_file, "--target", "emu", "--validate", "10", "--out", tmp_path)
    assert code == 0 and "Lava process graph" not in out


def test_lava_build_run_checks_lava_against_the_emulator(capsys, tmp_path, lava):
    net_file = tmp_path / "small.py"
    net_file.write_text(NET)
    code, out, err = run_cli(capsys, "build", net_file, "--target", "lava", "--validate", "20",
                             "--run", "20", "--out", tmp_path)
    assert code == 0, err
    assert "identical to the emulator" in out


def test_lava_run_without_lava_is_a_clear_error(capsys, tmp_path, monkeypatch):
    # Where Lava is installed, pretend it is not: the error path runs in every environment.
    monkeypatch.setattr(neurocompile.lava, "lava_available", lambda: False)
    net_file = tmp_path / "small.py"
    net_file.write_text(NET)
    code, _, err = run_cli(capsys, "build", net_file, "--target", "lava", "--validate", "10",
                           "--run", "10", "--out", tmp_path)
    assert code == 1
    assert "lava-nc is not importable" in err and "pip install '.[lava]'" in err
