"""Float reference simulator against closed forms: LIF f-I curve, PSPs, resets, refractoriness,
LI and step currents."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc


TAU_M = 20.0


@pytest.mark.parametrize("refractory", [0.0, 2.0, 5.0])
def test_lif_f_i_curve_matches_closed_form(refractory):
    """rate = 1 / (t_ref + tau_m ln(RI / (RI - (v_th - v_reset)))), with v_rest = v_reset.

    One population, one bias (R*I, mV) per neuron. On the grid the ISI is
    (refractory steps + ceil(T / dt)) * dt, so it exceeds the continuous one by less than dt.
    """
    dt, v_th, v_reset = 0.02, -50.0, -60.0
    drive = np.linspace(10.5, 40.0, 24)  # mV; threshold distance is 10 mV
    net = nc.Network("fi", dt=dt)
    pop = net.population("p", drive.size, nc.LIF(tau_mem=TAU_M, tau_syn=5.0, v_rest=v_reset,
                                                  v_reset=v_reset, v_th=v_th, refractory=refractory,
                                                  bias=drive), v_init=v_reset)
    net.probe(pop, "spikes")
    result = nc.simulate(net, 500.0)
    times, ids = result.spike_times("p")
    isi_exact = refractory + TAU_M * np.log(drive / (drive - (v_th - v_reset)))
    isi = np.array([np.diff(times[ids == k]).mean() for k in range(drive.size)])
    assert np.all(isi - isi_exact >= -1e-9) and np.all(isi - isi_exact < dt)
    rate_error = np.abs((1e3 / isi) / (1e3 / isi_exact) - 1.0)
    assert rate_error.max() < 0.01
    # The first spike (no refractory period before it) comes after ceil(T / dt) steps.
    first = np.array([times[ids == k][0] for k in range(drive.size)])
    np.testing.assert_allclose(first, (np.ceil((isi_exact - refractory) / dt) - 1) * dt, atol=1e-9)


def test_lif_below_rheobase_never_spikes():
    net = nc.Network("sub", dt=0.1)
    pop = net.population("p", 3, nc.LIF(tau_mem=TAU_M, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0,
                                         v_th=-50.0, bias=np.array([0.0, 5.0, 9.99])))
    net.probe(pop, "v")
    result = nc.simulate(net, 300.0)
    assert result.counts["p"].sum() == 0
    np.testing.assert_allclose(result.trace("p", "v")[-1], -60.0 + np.array([0.0, 5.0, 9.99]) *
                               (1 - np.exp(-300.0 / TAU_M)), rtol=1e-12)


SPIKE_STEP, DELAY_STEPS, DT = 10, 3, 0.1  # source spike at t = 1.0 ms, delay 0.3 ms


def psp_trace(tau_syn, weight=2.0, tau_mem=TAU_M, model=nc.LIF):
    """v trace (mV above rest 0) of a neuron receiving one spike; no threshold crossing."""
    net = nc.Network("psp", dt=DT)
    src = net.spike_source("s", 1, [SPIKE_STEP * DT], [0])
    if model is nc.LIF:
        neuron = nc.LIF(tau_mem=tau_mem, tau_syn=tau_syn, v_rest=0.0, v_reset=-1.0, v_th=1e3)
    else:
        neuron = nc.LI(tau_mem=tau_mem, tau_syn=tau_syn)
    post = net.population("n", 1, neuron)
    net.connect(src, post, nc.OneToOne(), weight=weight, delay=DELAY_STEPS * DT)
    net.probe(post, "v")
    net.probe(post, "I_syn")
    result = nc.simulate(net, 100.0)
    return result, result.trace("n", "v")[:, 0]


def elapsed():
    """Time since the spike's arrival at the end of every step (arrival step k+d, at its start)."""
    steps = np.arange(int(round(100.0 / DT)))
    return (steps + 1 - (SPIKE_STEP + DELAY_STEPS)) * DT


def test_arrival_convention_spike_at_step_k_with_delay_d_acts_from_start_of_step_k_plus_d():
    _, v = psp_trace(tau_syn=0.0)
    arrival = SPIKE_STEP + DELAY_STEPS
    assert np.all(v[:arrival] == 0.0)
    # Applied at the start of the arrival step: at its end v has already decayed for one dt.
    assert v[arrival] == pytest.approx(2.0 * np.exp(-DT / TAU_M), rel=1e-12)


@pytest.mark.parametrize("tau_syn", [5.0, 2.0, 40.0])
def test_psp_matches_difference_of_exponentials(tau_syn):
    w = 2.0
    result, v = psp_trace(tau_syn, weight=w)
    t = elapsed()
    after = t > 0
    closed = np.where(after, w * tau_syn / (tau_syn - TAU_M) *
                      (np.exp(-np.clip(t, 0, None) / tau_syn) - np.exp(-np.clip(t, 0, None) / TAU_M)), 0.0)
    assert np.all(v[~after] == 0.0)
    np.testing.assert_allclose(v, closed, rtol=1e-9, atol=1e-12 * closed.max())
    i_syn = result.trace("n", "I_syn")[:, 0]
    np.testing.assert_allclose(i_syn[after], w * np.exp(-t[after] / tau_syn), rtol=1e-9)
    # Peak: continuous t* = tau_s tau_m / (tau_s - tau_m) ln(tau_s / tau_m).
    t_peak = tau_syn * TAU_M / (tau_syn - TAU_M) * np.log(tau_syn / TAU_M)
    v_peak = w * tau_syn / (tau_syn - TAU_M) * (np.exp(-t_peak / tau_syn) - np.exp(-t_peak / TAU_M))
    k = int(np.argmax(v))
    assert abs(t[k] - t_peak) <= DT / 2 + 1e-12
    assert v[k] <= v_peak * (1 + 1e-12) and v[k] == pytest.approx(v_peak, rel=1e-4)


def test_psp_with_equal_time_constants():
    w, tau = 2.0, TAU_M
    _, v = psp_trace(tau_syn=tau, weight=w)
    t = np.clip(elapsed(), 0, None)
    closed = w * (t / tau) * np.exp(-t / tau)
    np.testing.assert_allclose(v, closed, rtol=1e-9, atol=1e-12 * closed.max())
    k = int(np.argmax(v))
    assert abs(t[k] - tau) <= DT / 2 + 1e-12
    assert v[k] == pytest.approx(w / np.e, rel=1e-4)


def test_psp_with_nearly_equal_time_constants_is_continuous():
    _, v_equal = psp_trace(tau_syn=TAU_M)
    _, v_near = psp_trace(tau_syn=TAU_M * (1 + 1e-7))
    np.testing.assert_allclose(v_near, v_equal, rtol=1e-5, atol=1e-12)


def test_instantaneous_synapse_jumps_then_decays():
    w = 2.0
    _, v = psp_trace(tau_syn=0.0, weight=w)
    t = elapsed()
    closed = np.where(t > 0, w * np.exp(-np.clip(t, 0, None) / TAU_M), 0.0)
    np.testing.assert_allclose(v, closed, rtol=1e-9, atol=1e-15)


def test_inhibitory_psp_is_the_mirror_image():
    _, v_exc = psp_trace(tau_syn=5.0, weight=2.0)
    _, v_inh = psp_trace(tau_syn=5.0, weight=-2.0)
    np.testing.assert_allclose(v_inh, -v_exc, rtol=1e-12)


def test_li_integrates_spikes_like_lif_below_threshold():
    _, v_lif = psp_trace(tau_syn=5.0, model=nc.LIF)
    _, v_li = psp_trace(tau_syn=5.0, model=nc.LI)
    np.testing.assert_allclose(v_li, v_lif, rtol=1e-12, atol=0)


def test_psps_superpose_linearly():
    net = nc.Network("sum", dt=DT)
    src = net.spike_source("s", 2, [1.0, 3.5], [0, 1])
    post = net.population("n", 1, nc.LI(tau_mem=TAU_M, tau_syn=5.0))
    net.connect(src, post, nc.AllToAll(), weight=np.array([[1.5], [-0.5]]), delay=0.1)
    net.probe(post, "v")
    v = nc.simulate(net, 50.0).trace("n", "v")[:, 0]
    t_end = (np.arange(v.size) + 1) * DT

    def psp(w, t):
        t = np.clip(t, 0, None)
        return w * 5.0 / (5.0 - TAU_M) * (np.exp(-t / 5.0) - np.exp(-t / TAU_M))

    closed = psp(1.5, t_end - 1.1) + psp(-0.5, t_end - 3.6)
    np.testing.assert_allclose(v, closed, rtol=1e-9, atol=1e-12)


def kick(reset, refractory=0.0, weight=15.0):
    """One instantaneous 15 mV kick from rest (-60) over threshold (-50)."""
    net = nc.Network("kick", dt=DT)
    src = net.spike_source("s", 1, [1.0], [0])
    neuron = nc.LIF(tau_mem=TAU_M, tau_syn=0.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0,
                    refractory=refractory, reset=reset)
    post = net.population("n", 1, neuron)
    net.connect(src, post, nc.OneToOne(), weight=weight, delay=0.1)
    net.probe(post, "v")
    net.probe(post, "spikes")
    result = nc.simulate(net, 20.0)
    return result, result.trace("n", "v")[:, 0]


def test_reset_by_subtraction_keeps_the_overshoot():
    result, v = kick("subtract")
    arrival = 11
    steps, _ = result.spike_steps("n")
    assert steps.tolist() == [arrival]
    before_reset = -60.0 + 15.0 * np.exp(-DT / TAU_M)
    assert v[arrival] == pytest.approx(before_reset - 10.0, rel=1e-12)  # overshoot kept
    t = (np.arange(v.size) - arrival) * DT
    np.testing.assert_allclose(v[arrival:], -60.0 + (before_reset - 10.0 + 60.0) *
                               np.exp(-t[arrival:] / TAU_M), rtol=1e-12)


def test_reset_to_value_drops_the_overshoot():
    result, v = kick("value")
    assert result.spike_steps("n")[0].tolist() == [11]
    np.testing.assert_array_equal(v[11:], -60.0)  # at rest after the reset


def drive_to_spikes(refractory, bias, duration=20.0):
    net = nc.Network("ref", dt=DT)
    pop = net.population("n", 1, nc.LIF(tau_mem=TAU_M, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0,
                                         v_th=-50.0, refractory=refractory, bias=bias))
    net.probe(pop, "v")
    net.probe(pop, "spikes")
    result = nc.simulate(net, duration)
    return result.trace("n", "v")[:, 0], result.spike_steps("n")[0]


@pytest.mark.parametrize("refractory", [0.1, 0.5, 2.0])
def test_refractory_clamps_v_for_exactly_refractory_over_dt_steps(refractory):
    """After the spike step (v reset) v stays at v_reset for refractory/dt steps, then rises."""
    n_ref = int(round(refractory / DT))
    v, steps = drive_to_spikes(refractory, bias=30.0, duration=60.0)
    assert steps.size > 3
    for k in steps[:-1]:
        assert np.all(v[k:k + n_ref + 1] == -60.0)
        assert v[k + n_ref + 1] > -60.0
    # With a drive that crosses threshold in one free step, spikes are n_ref + 1 steps apart.
    _, fast = drive_to_spikes(refractory, bias=3000.0)  # lifts v by > 10 mV per 0.1 ms step
    assert fast.size > 5 and np.all(np.diff(fast) == n_ref + 1)


def test_synaptic_current_keeps_decaying_during_refractoriness():
    net = nc.Network("refsyn", dt=DT)
    src = net.spike_source("s", 1, [2.0], [0])
    pop = net.population("n", 1, nc.LIF(tau_mem=TAU_M, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0,
                                         v_th=-50.0, refractory=10.0), v_init=-49.0)
    net.connect(src, pop, nc.OneToOne(), weight=3.0, delay=0.1)
    net.probe(pop, "I_syn")
    net.probe(pop, "v")
    result = nc.simulate(net, 8.0)
    i_syn = result.trace("n", "I_syn")[:, 0]
    v = result.trace("n", "v")[:, 0]
    assert np.all(v == -60.0)  # spiked in step 0, refractory for the whole run
    t = (np.arange(i_syn.size) + 1 - 21) * DT
    np.testing.assert_allclose(i_syn[21:], 3.0 * np.exp(-t[21:] / 5.0), rtol=1e-12)


def test_li_step_currents_switch_at_the_right_steps():
    tau = 10.0
    net = nc.Network("li", dt=DT)
    pop = net.population("r", 2, nc.LI(tau_mem=tau, tau_syn=0.0, v_rest=1.0, bias=np.array([0.0, 2.0])))
    net.current(pop[[0]], nc.StepCurrent([2.0, 5.0], [3.0, -1.0]))
    net.probe(pop, "v")
    v = nc.simulate(net, 20.0).trace("r", "v")
    t = (np.arange(v.shape[0]) + 1) * DT  # end of every step

    assert np.all(v[:20, 0] == 1.0)  # no current before step 20 (t = 2 ms)
    assert v[20, 0] > 1.0
    on = (t > 2.0 + 1e-9) & (t <= 5.0 + 1e-9)
    np.testing.assert_allclose(v[on, 0], 1.0 + 3.0 * (1 - np.exp(-(t[on] - 2.0) / tau)), rtol=1e-12)
    v5 = 1.0 + 3.0 * (1 - np.exp(-3.0 / tau))
    off = t > 5.0 + 1e-9
    np.testing.assert_allclose(v[off, 0], 0.0 + (v5 - 0.0) * np.exp(-(t[off] - 5.0) / tau), rtol=1e-12)
    # The neuron without injected current relaxes from v_rest towards v_rest + bias.
    np.testing.assert_allclose(v[:, 1], 3.0 - 2.0 * np.exp(-t / tau), rtol=1e-12)


def test_step_current_drives_lif_as_bias_does():
    params = dict(tau_mem=TAU_M, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0, refractory=2.0)
    net = nc.Network("cur", dt=DT)
    by_current = net.population("c", 1, nc.LIF(**params))
    by_bias = net.population("b", 1, nc.LIF(**params, bias=15.0))
    net.current(by_current, nc.StepCurrent([0.0], [15.0]))
    net.probe(by_current, "spikes")
    net.probe(by_bias, "spikes")
    result = nc.simulate(net, 100.0)
    assert result.counts["c"][0] > 3
    np.testing.assert_array_equal(result.spikes("c"), result.spikes("b"))
