"""AdEx in the float reference: adaptation, tonic firing and agreement with an adaptive solver."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurocompile as nc

#: Brette & Gerstner (2005), Fig. 2 parameters (pF, nS, mV, ms, pA).
BRETTE_GERSTNER = dict(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0,
                       b=80.5, V_reset=-70.6, V_peak=-40.4, refractory=0.0, tau_syn=5.0)
DT = 0.1


def run_adex(current, duration=300.0, dt=DT, **changes):
    params = {**BRETTE_GERSTNER, **changes}
    net = nc.Network("adex", dt=dt)
    pop = net.population("n", 1, nc.AdEx(**params))
    net.current(pop, nc.StepCurrent([0.0], [current]))
    net.probe(pop, "spikes")
    net.probe(pop, "w")
    result = nc.simulate(net, duration)
    return result, result.spike_times("n")[0]


def adaptive_spike_times(current, duration, params):
    """Spike times of one AdEx neuron from scipy's RK45 (rtol 1e-9) with events at V_peak.

    At each event: V <- V_reset, w <- w + b; the neuron is held at V_reset for ``refractory``
    ms while w relaxes exactly towards a (V_reset - E_L); then integration restarts.
    """
    p = params

    def rhs(_, y):
        v, w = y
        dv = (-p["g_L"] * (v - p["E_L"]) + p["g_L"] * p["delta_T"] * np.exp((v - p["V_T"]) / p["delta_T"])
              - w + current) / p["C"]
        return [dv, (p["a"] * (v - p["E_L"]) - w) / p["tau_w"]]

    def at_peak(_, y):
        return y[0] - p["V_peak"]

    at_peak.terminal, at_peak.direction = True, 1
    w_held = p["a"] * (p["V_reset"] - p["E_L"])
    t0, y, spikes = 0.0, [p["E_L"], 0.0], []
    while t0 < duration:
        sol = solve_ivp(rhs, (t0, duration), y, events=at_peak, rtol=1e-9, atol=1e-9)
        if sol.t_events[0].size == 0:
            break
        t_spike = float(sol.t_events[0][0])
        spikes.append(t_spike)
        w = sol.y_events[0][0][1] + p["b"]
        w = w_held + (w - w_held) * np.exp(-p["refractory"] / p["tau_w"])
        t0, y = t_spike + p["refractory"], [p["V_reset"], w]
    return np.array(spikes)


def test_adaptation_lengthens_interspike_intervals():
    _, times = run_adex(1000.0)
    isi = np.diff(times)
    assert times.size >= 8
    assert np.all(np.diff(isi[:6]) > 0)  # monotonically longer at first
    assert isi[-1] > 1.5 * isi[0]


def test_adaptation_current_jumps_by_b_at_each_spike():
    result, times = run_adex(1000.0)
    w = result.trace("n", "w")[:, 0]
    steps = np.rint(times / DT).astype(int)
    assert steps.size >= 8 and steps[0] > 0  # spikes to check, each with a step before it
    jumps = w[steps] - w[steps - 1]
    # b = 80.5 pA plus the small subthreshold change of w over one step.
    np.testing.assert_allclose(jumps, 80.5, atol=1.0)


def test_without_adaptation_firing_is_tonic():
    _, times = run_adex(1000.0, a=0.0, b=0.0)
    isi = np.diff(times)
    assert isi.size > 20
    # Every continuous-time ISI is the same; on the grid they differ by at most one step.
    assert isi.max() - isi.min() <= DT + 1e-9
    assert abs(isi.mean() - isi[0]) < DT


def test_subthreshold_step_current_does_not_spike():
    """500 pA is below the rheobase of these parameters (about 627 pA with a = 4 nS)."""
    _, times = run_adex(500.0)
    assert times.size == 0
    assert adaptive_spike_times(500.0, 300.0, BRETTE_GERSTNER).size == 0


@pytest.mark.parametrize("current, refractory", [(1000.0, 0.0), (800.0, 0.0), (1000.0, 5.0)])
def test_spike_times_agree_with_adaptive_solver(current, refractory):
    """First 10 spikes: reported time k*dt with the exact time inside step k (within one dt).

    Measured max |t_exact - t_ref| (dt = 0.1 ms): 0.094 ms at 1000 pA, 0.097 ms at 800 pA
    (6 spikes in 300 ms), 0.080 ms at 1000 pA with a 5 ms refractory period.
    """
    params = {**BRETTE_GERSTNER, "refractory": refractory}
    exact = adaptive_spike_times(current, 300.0, params)[:10]
    _, times = run_adex(current, refractory=refractory)
    assert exact.size >= 5 and times.size >= exact.size
    deviation = exact - times[:exact.size]
    assert np.all(np.abs(deviation) < DT)
    # Step k covers (k*dt, (k+1)*dt]: the exact spike lies in the step that reports it.
    assert np.all(deviation > -1e-6)


def test_instantaneous_synapse_jumps_v_by_weight_over_c():
    """With tau_syn = 0 a spike arriving in step k+d raises V by w/C at the start of that step."""
    results = []
    for weight in (0.0, 2810.0):  # 2810 pA / 281 pF = 10 mV
        net = nc.Network("kick", dt=DT)
        src = net.spike_source("s", 1, [1.0], [0])
        pop = net.population("n", 1, nc.AdEx(**{**BRETTE_GERSTNER, "tau_syn": 0.0, "a": 0.0}))
        net.connect(src, pop, nc.OneToOne(), weight=weight, delay=0.2)
        net.probe(pop, "v")
        results.append(nc.simulate(net, 5.0).trace("n", "v")[:, 0])
    quiet, kicked = results
    arrival = 10 + 2
    np.testing.assert_array_equal(kicked[:arrival], quiet[:arrival])
    # Linear regime near rest: the kick decays with tau_m = C / g_L.
    tau_m = 281.0 / 30.0
    assert kicked[arrival] - quiet[arrival] == pytest.approx(10.0 * np.exp(-DT / tau_m), rel=2e-3)


def test_exponential_synapse_current_decays_exactly():
    net = nc.Network("syn", dt=DT)
    src = net.spike_source("s", 1, [1.0], [0])
    pop = net.population("n", 1, nc.AdEx(**BRETTE_GERSTNER))
    net.connect(src, pop, nc.OneToOne(), weight=100.0, delay=0.1)
    net.probe(pop, "I_syn")
    i_syn = nc.simulate(net, 20.0).trace("n", "I_syn")[:, 0]
    t = (np.arange(i_syn.size) + 1 - 11) * DT
    assert np.all(i_syn[:11] == 0.0)
    np.testing.assert_allclose(i_syn[11:], 100.0 * np.exp(-t[11:] / 5.0), rtol=1e-12)


def test_refractory_holds_v_at_reset():
    net = nc.Network("ref", dt=DT)
    pop = net.population("n", 1, nc.AdEx(**{**BRETTE_GERSTNER, "refractory": 2.0}))
    net.current(pop, nc.StepCurrent([0.0], [1500.0]))
    net.probe(pop, "v")
    net.probe(pop, "spikes")
    result = nc.simulate(net, 100.0)
    v = result.trace("n", "v")[:, 0]
    steps, _ = result.spike_steps("n")
    assert steps.size >= 3
    for k in steps[:-1]:
        # Held for 2 ms from the crossing inside step k: steps k .. k+19 end at V_reset.
        assert np.all(v[k:k + 20] == -70.6)
        assert v[k + 21] > -70.6


def test_adex_population_is_deterministic_and_per_neuron_parameters_work():
    def run():
        net = nc.Network("many", dt=DT, seed=3)
        pop = net.population("n", 20, nc.AdEx(**{**BRETTE_GERSTNER, "b": np.linspace(0.0, 100.0, 20)}),
                             v_init=nc.Uniform(-70.0, -60.0))
        net.current(pop, nc.StepCurrent([0.0], [1000.0]))
        net.probe(pop, "spikes")
        return nc.simulate(net, 200.0)

    first, second = run(), run()
    np.testing.assert_array_equal(first.spikes("n"), second.spikes("n"))
    counts = first.counts["n"]
    assert counts[0] > counts[-1]  # stronger spike-triggered adaptation, fewer spikes
