"""Hodgkin-Huxley in the float reference: the f-I curve against an adaptive solver, rest, and
the synapse."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurocompile as nc
from neurocompile.errors import BuildError
from neurocompile.models.hh import HH, HH_GATES, gate_rates, membrane_current
from neurocompile.reference.hh import HHUpdater

#: Injected currents (uA/cm2) of the f-I curve. Firing from rest needs about 6.26 uA/cm2: at
#: 6.25 the neuron fires a few spikes and falls silent within 150 ms; from 6.3 it fires
#: tonically at about 52 Hz (a class-2 onset), up to about 147 Hz at 100 uA/cm2.
CURRENTS = np.array([6.25, 6.3, 6.5, 7.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0])
SILENT = CURRENTS < 6.26
#: Rates are measured over this window (ms), after the onset transient.
WINDOW = (50.0, 200.0)


def hh_population(currents, dt, **changes):
    """Parameters and initial state of a population with one neuron per current (via a Network,
    as the simulator gets them)."""
    net = nc.Network("hh", dt=dt)
    pop = net.population("n", len(currents), HH(**{"tau_syn": 1.0, "I_e": np.asarray(currents), **changes}))
    return pop.params, pop.initial


def updater_spike_times(currents, dt, duration):
    params, initial = hh_population(currents, dt)
    updater = HHUpdater(params, initial, dt)
    steps = [[] for _ in currents]
    for step in range(int(round(duration / dt))):
        for k in updater.step(np.zeros(len(currents)), None):
            steps[k].append(step)
    return [np.array(s) * dt for s in steps]


def adaptive_spike_times(currents, duration):
    """Upward crossings of V_spike from scipy's DOP853 (rtol = atol = 1e-9), one neuron per
    current, all integrated together from the resting state."""
    model = HH(tau_syn=1.0)
    p, rest = model.params, model.default_state()
    size = len(currents)

    def rhs(_, y):
        v, m, h, n = y.reshape(4, size)
        out = [(np.asarray(currents) - membrane_current(v, m, h, n, p)) / p["C_m"]]
        for gate, x in zip(HH_GATES, (m, h, n)):
            alpha, beta = gate_rates(gate, v)
            out.append(alpha * (1.0 - x) - beta * x)
        return np.concatenate(out)

    def crossing(k):
        def event(_, y):
            return y[k] - p["V_spike"]
        event.direction = 1
        return event

    y0 = np.repeat([rest[var] for var in ("v", "m", "h", "n")], size)
    sol = solve_ivp(rhs, (0.0, duration), y0, method="DOP853", rtol=1e-9, atol=1e-9,
                    events=[crossing(k) for k in range(size)])
    return sol.t_events


def rate(times, window=WINDOW):
    """Firing rate (Hz) from the intervals between the spikes inside ``window`` (0: fewer than two)."""
    inside = times[(times >= window[0]) & (times < window[1])]
    return 0.0 if inside.size < 2 else 1000.0 * (inside.size - 1) / (inside[-1] - inside[0])


@pytest.fixture(scope="module")
def adaptive_rates():
    times = adaptive_spike_times(CURRENTS, WINDOW[1])
    assert all(t.size and t[-1] < 160.0 for t, silent in zip(times, SILENT) if silent)
    return np.array([rate(t) for t in times])


@pytest.mark.parametrize("dt", [0.01, 0.025, 0.1])
def test_f_i_curve_follows_an_adaptive_solver_within_one_percent(adaptive_rates, dt):
    times = updater_spike_times(CURRENTS, dt, WINDOW[1])
    rates = np.array([rate(t) for t in times])
    # Below the onset the neuron falls silent (as the adaptive solver's, see the fixture);
    # above it the onset is abrupt (class 2).
    assert all(t.size and t[-1] < 160.0 for t, silent in zip(times, SILENT) if silent)
    assert 50.0 < adaptive_rates[~SILENT][0] < 55.0 and 140.0 < adaptive_rates[-1] < 155.0
    np.testing.assert_allclose(rates[~SILENT], adaptive_rates[~SILENT], rtol=0.01)


def test_resting_state_is_a_fixed_point():
    params, initial = hh_population([0.0, 0.0], 0.1)
    assert initial["v"] == pytest.approx(-65.0, abs=0.01)
    updater = HHUpdater(params, initial, 0.1)
    for _ in range(200):
        assert updater.step(np.zeros(2), None).size == 0
    for var in ("v", *HH_GATES):
        np.testing.assert_allclose(updater.read(var), initial[var], rtol=0, atol=1e-9)


def test_synaptic_current_decays_exactly_and_a_strong_input_fires_once():
    dt, tau = 0.1, 2.0
    params, initial = hh_population([0.0], dt, tau_syn=tau)
    updater = HHUpdater(params, initial, dt)
    spikes = [updater.step(np.array([40.0]), None).size]
    for _ in range(99):
        spikes.append(updater.step(np.zeros(1), None).size)
    assert updater.read("I_syn")[0] == pytest.approx(40.0 * np.exp(-100 * dt / tau), rel=1e-12)
    assert sum(spikes) == 1


def test_instantaneous_synapse_moves_v_by_weight_times_one_ms_over_capacitance():
    dt = 0.01
    params, initial = hh_population([0.0], dt, tau_syn=0.0, C_m=2.0)
    quiet = HHUpdater(params, initial, dt)
    kicked = HHUpdater(params, initial, dt)
    quiet.step(np.zeros(1), None)
    kicked.step(np.array([1.0]), None)
    # A 0.5 mV jump at the start of the step, then 0.01 ms of relaxation.
    assert kicked.read("v")[0] - quiet.read("v")[0] == pytest.approx(0.5, rel=0.01)
    assert kicked.read("I_syn")[0] == 0.0


def test_a_jump_across_v_spike_is_a_spike():
    params, initial = hh_population([0.0], 0.1, tau_syn=0.0)
    updater = HHUpdater(params, initial, 0.1)
    assert updater.step(np.array([30.0]), None).size == 1  # -65 + 30 mV > V_spike = -40 mV


def test_diverging_integration_is_an_error_not_nan():
    params, initial = hh_population([20.0], 0.1, g_Na=20000.0, g_K=6000.0)
    updater = HHUpdater(params, initial, 0.1)
    with pytest.raises(BuildError, match=r"HH: the RK4 sub-step of 0\.025 ms diverged"):
        for _ in range(100):
            updater.step(np.zeros(1), None)
