"""``nc.compare`` (neurocompile.validate.compare) on float and chip runs with known differences."""
from __future__ import annotations

import json

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError

DT = 0.1


def _exact_van_rossum(a_ms, b_ms, tau):
    """Closed form: D^2 = 1/2 sum_ij s_i s_j exp(-|t_i - t_j| / tau), s = +1 for a, -1 for b."""
    t = np.concatenate([a_ms, b_ms])
    sign = np.concatenate([np.ones(len(a_ms)), -np.ones(len(b_ms))])
    return float(np.sqrt(0.5 * sign @ np.exp(-np.abs(t[:, None] - t[None, :]) / tau) @ sign))


def _spike_net(times_ms, name="pair"):
    """A source that replays ``times_ms`` into a LIF neuron that fires once per input spike."""
    net = nc.Network(name, dt=DT)
    src = net.spike_source("src", 1, times_ms, np.zeros(len(times_ms), dtype=int))
    lif = nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    out = net.population("out", 2, lif)
    net.connect(src, out, nc.AllToAll(), weight=[[5.0, 0.5]])
    net.probe(out, "spikes")
    net.probe(src, "spikes")
    net.probe(out, "v")
    return net


@pytest.fixture(scope="module")
def runs():
    net = _spike_net([5.0, 25.0, 45.0, 65.0])
    shifted = _spike_net([5.0, 25.3, 45.0, 65.0, 85.0])
    return net, nc.simulate(net, 100.0), nc.simulate(shifted, 100.0)


def test_compare_identical_runs(runs):
    net, ref, _ = runs
    c = nc.compare(ref, ref, network=net)
    p = c.populations["out"]
    assert p.rate_rel_error == 0.0
    assert p.same_step_fraction == 1.0 and p.within_one_step_fraction == 1.0
    assert p.van_rossum == 0.0 and p.first_spike_error_ms == 0.0
    assert p.criterion == "spike timing"
    assert p.trace_rms["v"] == (0.0, "mV")
    assert c.passed(0.0)


def test_compare_reports_known_differences(runs):
    net, ref, other = runs
    c = nc.compare(ref, other, van_rossum_tau=10.0)
    p = c.populations["out"]
    # neuron 0 fires 4 times in ref, 5 times in `other` (one spike 3 steps late, one extra)
    assert p.rate_float == pytest.approx(4 / 0.1 / 2)
    assert p.rate_chip == pytest.approx(5 / 0.1 / 2)
    assert p.rate_rel_error == pytest.approx(0.25)
    assert p.same_step_fraction == pytest.approx(6 / 9)
    assert p.within_one_step_fraction == pytest.approx(6 / 9)
    assert p.first_spike_error_ms == pytest.approx(0.0)
    times_f, _ = ref.spike_times("out")
    times_c, _ = other.spike_times("out")
    expected = _exact_van_rossum(times_f[times_f >= 0], times_c, 10.0) / 2   # neuron 1 silent
    assert p.van_rossum == pytest.approx(expected, rel=1e-6)
    assert p.criterion == "distribution"
    assert not c.passed(0.2) and c.passed(0.3)
    assert any(f.startswith("out: rate 25 Hz on chip vs 20 Hz") for f in c.failures(0.2))


def test_compare_fails_a_population_silent_in_float_but_active_on_chip():
    silent = _spike_net([])
    active = _spike_net([5.0])
    c = nc.compare(nc.simulate(silent, 20.0), nc.simulate(active, 20.0))
    assert c.populations["out"].rate_rel_error == float("inf")
    assert not c.passed(10.0)


def test_a_population_silent_in_both_runs_is_judged_silent_not_by_timing():
    quiet = _spike_net([], name="quiet")
    ref = nc.simulate(quiet, 20.0)
    c = nc.compare(ref, ref)
    p = c.populations["out"]
    assert p.criterion == "silent"
    assert np.isnan(p.same_step_fraction) and np.isnan(p.within_one_step_fraction)
    row = next(line for line in str(c).splitlines() if "│        out │" in line)   # timing table
    assert row.rstrip("│ ").endswith("silent") and "100.0%" not in row
    assert c.silent() == [f"{name}: no spike in float nor on chip over 20 ms, so nothing to compare "
                          "(drive it, or run longer)" for name in ("src", "out")]
    assert c.failures(0.1) == []


def test_silent_names_the_side_that_fired_nothing():
    silent, active = _spike_net([]), _spike_net([5.0])
    a, b = nc.simulate(silent, 20.0), nc.simulate(active, 20.0)
    assert nc.compare(a, b).silent_by_population()["out"] == "out: no spike in float, 25 Hz on chip"
    assert nc.compare(b, a).silent_by_population()["out"] == "out: no spike on chip, 25 Hz in float"
    assert nc.compare(a, b).failures(0.1)[-1] == (
        "out: rate 25 Hz on chip vs 0 Hz in float (no spike in float; any chip rate exceeds 10.0%)")
    assert nc.compare(b, a).failures_by_population(0.1)["out"] == (
        "out: rate 0 Hz on chip vs 25 Hz in float (100.0% > 10.0%, no spike on chip)")
    assert nc.compare(b, b).silent() == []


def test_comparison_prints_tables_and_exports_data(runs):
    net, ref, other = runs
    c = nc.compare(ref, other, network=net)
    text = str(c)
    for heading in ("van Rossum tau = 10 ms", "judged by", "ISI CV float", "Fano chip",
                    "RMS error"):
        assert heading in text
    data = json.loads(json.dumps(c.to_dict()))
    assert data["van_rossum_tau_ms"] == 10.0
    assert data["populations"]["out"]["criterion"] == "distribution"
    assert data["populations"]["out"]["trace_rms"]["v"]["unit"] == "mV"
    assert data["populations"]["src"]["first_spike_error_ms"] == pytest.approx(0.3 / 4 * 0)


def test_compare_rejects_bad_arguments(runs):
    net, ref, _ = runs
    with pytest.raises(NetworkError, match="van_rossum_tau"):
        nc.compare(ref, ref, van_rossum_tau=0.0)
    short = nc.simulate(net, 50.0)
    with pytest.raises(NetworkError, match="same dt and number of steps"):
        nc.compare(ref, short)


def test_compare_on_a_chip_run_of_regular_neurons():
    net = nc.Network("regular", dt=DT)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                 refractory=2.0, bias=np.linspace(18.0, 30.0, 20))
    pop = net.population("p", 20, lif)
    net.probe(pop, "spikes")
    net.probe(pop[:2], "v")
    ref, chip = nc.simulate(net, 300.0), nc.compile(net, "emu").run(300.0)
    p = nc.compare(ref, chip, network=net).populations["p"]
    assert p.rate_rel_error < 0.05
    assert p.count_correlation > 0.95
    # The chip's periods differ from float by about 1 %, so spikes drift apart by a few steps
    # per period: the first spikes agree, the later ones do not, and the comparison says so.
    assert p.first_spike_error_ms <= 1.0
    assert p.criterion == "distribution"
    assert p.trace_rms["v"][1] == "mV" and p.trace_rms["v"][0] < 10.0
    assert p.isi_cv_float < 0.05 and p.isi_cv_chip < 0.05
    assert p.rate_ks < 0.5
