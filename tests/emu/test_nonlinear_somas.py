"""ExpIF and Izhikevich on the chip's nonlinear soma (docs/chip.md sections 5 and 5.6).

ExpIF: the float reference's f-I curve is within 1 % of an adaptive solver (solve_ivp, rtol
1e-9) from just above rheobase to 270 Hz, the chip's within 3 % of float. Izhikevich: a saved
program runs bit for bit as compiled, a network of four cell classes keeps its spike counts,
and the quantizer's report states its scales."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurocompile as nc
from neurocompile.chip.adex import KIND_EXP, KIND_SQUARE
from tests.helpers import assert_same, compile_quietly, nonlinear_network

EXPIF = dict(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, V_reset=-58.0, V_peak=-40.0)
#: From just above rheobase (g_L (V_T - E_L - delta_T) = 180 pA) to 270 Hz.
CURRENTS_PA = np.array([190.0, 200.0, 250.0, 300.0, 400.0, 600.0, 1000.0])


def exact_period_ms(current: float) -> float:
    """ExpIF's interspike interval from V_reset to V_peak, by solve_ivp (rtol 1e-9)."""
    p = EXPIF

    def rhs(_, v):
        return [(-p["g_L"] * (v[0] - p["E_L"]) + p["g_L"] * p["delta_T"] * np.exp((v[0] - p["V_T"]) / p["delta_T"])
                 + current) / p["C"]]

    def peak(_, v):
        return v[0] - p["V_peak"]
    peak.terminal, peak.direction = True, 1
    solution = solve_ivp(rhs, (0.0, 5000.0), [p["V_reset"]], events=peak, rtol=1e-9, atol=1e-9)
    return float(solution.t_events[0][0])


def steady_rates(result) -> np.ndarray:
    times, ids = result.spike_times("n")
    return np.array([1000.0 / np.mean(np.diff(times[ids == k][1:])) for k in range(CURRENTS_PA.size)])


@pytest.fixture(scope="module")
def expif_runs():
    net = nc.Network("expif_fi", dt=0.1)
    pop = net.population("n", CURRENTS_PA.size, nc.ExpIF(**EXPIF, tau_syn=5.0, I_e=CURRENTS_PA),
                         v_init=EXPIF["V_reset"])
    net.probe(pop, "spikes")
    return nc.simulate(net, 2000.0), compile_quietly(net).run(2000.0)


def test_expif_float_f_i_curve_matches_solve_ivp(expif_runs):
    exact = np.array([1000.0 / exact_period_ms(i) for i in CURRENTS_PA])
    np.testing.assert_allclose(steady_rates(expif_runs[0]), exact, rtol=0.01)
    assert exact[0] < 10.0 and exact[-1] > 250.0  # the range the claim covers


def test_expif_chip_f_i_curve_within_3_percent_of_float(expif_runs):
    ref, chip = (steady_rates(r) for r in expif_runs)
    np.testing.assert_allclose(chip, ref, rtol=0.03)


def test_izhikevich_and_expif_rows_share_the_soma():
    program = compile_quietly(nonlinear_network())
    izh, expif = (program.quantized.populations[name] for name in ("izh", "expif"))
    assert np.all(izh.params.kind == KIND_SQUARE) and np.all(np.asarray(expif.params.kind) == KIND_EXP)
    # the register counts from the parabola's vertex v* = -k1 / (2 k2) = -62.5 mV
    assert izh.to_physical["v"][1] == pytest.approx(-62.5)
    report = izh.report
    # 16-bit coefficients: relative error below 2**-15
    assert report["coefficient_rel_error"] < 2.0**-15 and report["bias_rel_error"] < 1e-6
    assert report["square_pre_shift"] == 15


def test_saved_izhikevich_program_runs_bit_for_bit(tmp_path):
    program = compile_quietly(nonlinear_network())
    path = tmp_path / "nonlinear.ncp"
    program.save(path)
    assert_same(nc.load(path).run(50.0), program.run(50.0))


def test_network_of_four_izhikevich_classes_keeps_its_counts():
    net = nonlinear_network()
    ref, chip = nc.simulate(net, 100.0), compile_quietly(net).run(100.0)
    for name in ("izh", "expif"):
        assert ref.counts[name].sum() > 100
        np.testing.assert_allclose(chip.counts[name].sum(), ref.counts[name].sum(), rtol=0.05)
    assert np.abs(chip.counts["izh"] - ref.counts["izh"]).max() <= 2


def test_izhikevich_2003_scheme_two_half_steps_at_1_ms():
    """The 2003 network code's integration (dt = 1 ms, v in two half-steps): five cell classes
    at I = 10 keep their spike counts within one over 1 s, and their first spikes."""
    net = nc.Network("half_steps", dt=1.0)
    classes = np.array([[0.02, 0.2, -65, 8], [0.1, 0.2, -65, 2], [0.02, 0.2, -50, 2], [0.02, 0.2, -55, 4],
                        [0.1, 0.25, -65, 2]], dtype=float)  # RS, FS, CH, IB, LTS
    pop = net.population("n", 5, nc.Izhikevich(a=classes[:, 0], b=classes[:, 1], c=classes[:, 2], d=classes[:, 3],
                                                tau_syn=0.0, substeps=2, I_e=10.0), v_init=-65.0)
    net.probe(pop, "spikes")
    ref, chip = nc.simulate(net, 1000.0), compile_quietly(net).run(1000.0)
    assert np.all(ref.counts["n"] >= 20)
    assert np.abs(chip.counts["n"] - ref.counts["n"]).max() <= 1
    (t_ref, i_ref), (t_chip, i_chip) = ref.spike_times("n"), chip.spike_times("n")
    for k in range(5):
        assert t_ref[i_ref == k][0] == t_chip[i_chip == k][0]
