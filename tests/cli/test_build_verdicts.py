"""``neurocompile build`` says what its numbers do not show: populations silent in float or on
chip, rate errors above the default tolerance (a warning, exit 0, unless --tolerance or
--strict), and registers that saturated during the chip run, each by population name."""
from __future__ import annotations

import re

import pytest

import neurocompile as nc
from neurocompile.io import load_network
from tests.helpers import compile_quietly, run_cli, write_text

#: Nothing drives 'quiet': it fires in neither run.
SILENT_NET = """
import neurocompile as nc
net = nc.Network("silent", dt=0.1)
quiet = net.population("quiet", 4, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0,
                                         v_th=-50.0))
net.probe(quiet, "spikes")
"""

#: 'clipped' is pushed far below the voltage register's range for its first 20 ms: the chip
#: holds v at the register's limit (the compiler clips nothing), so it recovers sooner and fires
#: more than float over 300 ms (26.7 vs 16.7 Hz, measured). 'steady' fires alike in both runs;
#: 'quiet' fires in neither.
VERDICT_NET = """
import numpy as np
import neurocompile as nc
net = nc.Network("verdicts", dt=0.1)
src = net.spike_source("src", 1, times=np.arange(0.0, 20.0, 0.1), indices=np.zeros(200, dtype=int))
def lif(bias, tau_syn):
    return nc.LIF(tau_mem=20.0, tau_syn=tau_syn, v_rest=0.0, v_reset=0.0, v_th=1.0, bias=bias)
clipped = net.population("clipped", 1, lif(1.5, 0.0))
steady = net.population("steady", 2, lif(1.5, 5.0))
quiet = net.population("quiet", 2, lif(0.0, 5.0))
net.connect(src, clipped, nc.AllToAll(), weight=-20.0)
for pop in (clipped, steady, quiet):
    net.probe(pop, "spikes")
"""
DURATION = "300"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """The network file and what its runs give: (path, chip saturations, float, chip rates)."""
    path = write_text(tmp_path_factory.mktemp("net") / "verdicts.py", VERDICT_NET)
    net = load_network(path)
    chip = compile_quietly(net).run(float(DURATION))
    ref = nc.simulate(net, float(DURATION))
    return path, chip.stats.saturations_per_population, ref.rates("clipped").mean(), chip.rates("clipped").mean()


def _warnings(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("warning:")]


def test_silent_network_is_named_not_reported_as_matching_spike_for_spike(capsys, tmp_path):
    path = write_text(tmp_path / "silent.py", SILENT_NET)
    code, out, err = run_cli(capsys, "build", path, "--validate", "50", "--out", tmp_path)
    assert code == 0, err
    assert _warnings(out) == ["warning: population 'quiet': no spike in float nor on chip over 50 ms, "
                              "so nothing to compare (drive it, or run longer)"]
    row = next(line for line in out.splitlines() if re.match(r"│\s+quiet │\s+0 │", line))
    assert row.rstrip("│ ").endswith("silent") and "100.0%" not in row and "spike timing" not in row
    assert "rates: every population" not in out          # no population fired: nothing passed
    # one population, no projections: no plural, no empty projection tables
    assert "Network('silent', dt=0.1 ms, 1 population, 4 neurons, 0 synapses)" in out
    assert "Projections" not in out and "Quantization: projections" not in out
    assert "chip run: no register saturated" in out


def test_rate_error_and_saturation_are_warned_by_population(capsys, tmp_path, verdicts):
    path, saturated, rate_float, rate_chip = verdicts
    assert list(saturated) == ["clipped"] and saturated["clipped"]["state v"] > 100
    error = abs(rate_chip - rate_float) / rate_float
    assert error > 0.5
    code, out, err = run_cli(capsys, "build", path, "--validate", DURATION, "--out", tmp_path)
    assert code == 0, err
    count = saturated["clipped"]["state v"]
    assert _warnings(out) == [
        f"warning: population 'clipped' saturated registers in the chip run: state v {count} times "
        "(neuron-steps; each held its register's limit instead of the value), so its spikes can "
        "differ from float; `neurocompile run --strict` stops at the first, naming neuron and step",
        "warning: population 'quiet': no spike in float nor on chip over 300 ms, so nothing to "
        "compare (drive it, or run longer)",
        f"warning: population 'clipped': rate {rate_chip:.3g} Hz on chip vs {rate_float:.3g} Hz in "
        f"float ({error:.1%} > 10.0%)",
        "warning: chip rates differ from float by more than 10% (the default tolerance); the build "
        "still exits 0: pass --tolerance FRACTION or --strict to make this an error",
    ]
    # the compiler clipped nothing, and the build does not claim that nothing was clipped at all
    assert "nothing clipped" not in out
    assert "quantization: no parameter or weight clipped or dropped by the compiler" in out
    assert "chip run: no register saturated" not in out


def test_strict_or_tolerance_turns_the_rate_error_into_exit_code_1(capsys, tmp_path, verdicts):
    path = verdicts[0]
    code, out, err = run_cli(capsys, "build", path, "--validate", DURATION, "--strict", "--out", tmp_path)
    assert code == 1
    assert "validation failed (--strict, default tolerance 10%): clipped: rate" in err
    code, out, err = run_cli(capsys, "build", path, "--validate", DURATION, "--tolerance", "0.2",
                             "--out", tmp_path)
    assert code == 1 and "validation failed (--tolerance 0.2): clipped: rate" in err
    code, out, err = run_cli(capsys, "build", path, "--validate", DURATION, "--tolerance", "0.9",
                             "--out", tmp_path)
    assert code == 0, err
    assert "validation passed: every rate within 90.0% of float" in out
    assert not any("Hz on chip vs" in line or "tolerance" in line for line in _warnings(out))


def test_a_build_within_the_default_tolerance_says_so(capsys, tmp_path):
    path = write_text(tmp_path / "fine.py", """
import numpy as np
import neurocompile as nc
net = nc.Network("fine", dt=0.1)
pop = net.population("p", 5, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0,
                                   v_th=-50.0, refractory=2.0, bias=np.linspace(18.0, 30.0, 5)))
net.probe(pop, "spikes")
""")
    code, out, err = run_cli(capsys, "build", path, "--validate", "100", "--out", tmp_path)
    assert code == 0, err
    assert _warnings(out) == []
    assert "rates: every population within 10% of float (the default tolerance" in out
    assert "chip run: no register saturated" in out
