"""The emulator against the float reference: rates of CUBA, spike times of an adapting AdEx neuron."""
from __future__ import annotations

import numpy as np

import neurocompile as nc
from tests.helpers import load_cuba


def test_cuba_rates_match_float_within_5_percent():
    net = load_cuba()
    ref = nc.simulate(net, 1000.0)
    out = nc.compile(net, "emu").run(1000.0)
    for pop in ("exc", "inh"):
        f, c = ref.rates(pop).mean(), out.rates(pop).mean()
        assert f > 2.0
        assert abs(c - f) / f < 0.05, (pop, f, c)


def test_adex_spike_times_close_to_float():
    net = nc.Network("adex", dt=0.1)
    m = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0, b=80.5,
                V_reset=-70.6, V_peak=-40.4, refractory=0.0, tau_syn=5.0)
    pop = net.population("n", 1, m)
    net.current(pop, nc.StepCurrent(times=[100.0, 600.0], amplitudes=[800.0, 0.0]))
    net.probe(pop, "spikes")
    ref = nc.simulate(net, 700.0)
    out = nc.compile(net, "emu").run(700.0)
    t_ref, _ = ref.spike_times("n")
    t_chip, _ = out.spike_times("n")
    assert t_ref.size == t_chip.size >= 8
    assert np.max(np.abs(t_ref - t_chip)) < 2.0  # ms over 500 ms of adapting firing
    isi = np.diff(t_chip)
    assert isi[-1] > 2 * isi[0]  # adaptation survives quantization
