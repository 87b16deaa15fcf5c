"""The chip's integer AdEx (neurocompile.chip.adex): hand-computed traces, the exp table, strict
mode, and agreement with its float shadow (``helpers.adex_shadow_step``).

Every expected integer below was worked out by hand from docs/chip.md section 5; the comments
show the arithmetic, so a failing assertion points at the rule that changed.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neurocompile.chip import AdexParams, ChipOverflowError, ExpTable, FixedCoefficient
from neurocompile.chip.adex import adex_exp_term, adex_soma_step, build_exp_lut, exp_table_of
from neurocompile.quantize.adex import adex_integer_parameters
from neurocompile.target import LOIHI_PRECISION, load_target
from tests.helpers import adex_shadow_step, naud_population

FMT = LOIHI_PRECISION  # 24-bit state, 12-bit decays, 6-bit alignment shift, 6-bit refractory counter
MAX = (1 << 23) - 1


def test_fixed_coefficient_rounds_half_up():
    quarter = FixedCoefficient(np.array([1]), np.array([2]))
    assert quarter.apply(np.array([5, 6, -6, -5, 7])).tolist() == [1, 2, -1, -1, 2]


def test_build_exp_lut_matches_target_layout():
    table = build_exp_lut(1024, -8.0, 8.0)
    assert table.entries == 1024 and table.fraction_bits == 11  # exp(8) * 2**11 < 2**23
    assert table.values[-1] == round(np.exp(8.0) * 2048)
    assert table.values[512] == round(np.exp(-8 + 512 * 16 / 1023) * 2048)


def _toy_adex():
    """AdEx parameters with round coefficients, for hand computation."""
    def c(mant, shift):
        return FixedCoefficient(np.array([mant]), np.array([shift]))

    table = ExpTable(values=np.array([1, 2, 4, 8, 16]), fraction_bits=0, input_min=0.0, input_max=4.0)
    params = AdexParams(
        leak=c(1, 2), gain=c(1, 1), jump=c(0, 0), coupling=c(1, 3), adaptation=c(1, 2),
        synapse=c(1, 1), exp_index=c(1, 0), exp_scale=c(1, 0), exp_origin=np.array([0]),
        x_peak=np.array([1000]), x_reset=np.array([100]), b=np.array([10]),
        bias=np.array([200]), refractory_steps=np.array([1]))
    return params, table


def test_adex_exp_term_interpolates_and_runs_away_above_table():
    params, table = _toy_adex()
    # pos = x with 8 fractional bits: x = 384 is halfway between entries 1 (2) and 2 (4).
    x = np.array([-50, 0, 133, 384, 1024, 1025])
    term = adex_exp_term(x, table, params.exp_index, params.exp_origin, params.exp_scale, MAX)
    assert term.tolist() == [1, 1, 2, 3, 16, MAX]


def test_adex_hand_computed_trace():
    params, table = _toy_adex()
    # leak 1/4, gain 1/2, coupling 1/8, adaptation 1/4, synapse decay 1/2, bias 200,
    # a_in is shifted left by 6 into i_syn. R(y/2**s) = (y + 2**(s-1)) >> s.
    x, w, i = np.array([0]), np.array([0]), np.array([0])
    refractory = np.array([0])
    expected = [
        # a_in, (x, w, i_syn, spiked, refractory_left)
        (1, (133, 0, 32, False, 0)),      # i = 64; x = 0 - 0 + E(0)=1 + R(264/2)=132
        (0, (218, 17, 16, False, 0)),     # x = 133 - 33 + 2 + R(232/2)=116; w = R(133/8) = 17
        (0, (265, 40, 8, False, 0)),      # x = 218 - 55 + 2 + R(199/2)=100; w = 17 + 27 - 4
        (0, (285, 63, 4, False, 0)),      # x = 265 - 66 + E=2 + R(168/2)=84; w = 40 + 33 - 10
        (30, (100, 93, 962, True, 1)),    # i = 1924; x = 285-71+2+1031 = 1247 >= 1000: spike
                                          # w = 63 + 36 - 16 + b=10
        (0, (100, 83, 481, False, 0)),    # held at x_reset; w = 93 + 13 - 23
        (0, (375, 75, 240, False, 0)),    # x = 100 - 25 + 1 + R(598/2)=299; w = 83 + 13 - 21
    ]
    for step, (a_in, want) in enumerate(expected):
        x, w, i, spiked, refractory = adex_soma_step(x, w, i, np.array([a_in]), params, table, FMT,
                                                     refractory_left=refractory, step=step)[:5]
        got = (int(x[0]), int(w[0]), int(i[0]), bool(spiked[0]), int(refractory[0]))
        assert got == want, f"step {step}"


def test_adex_strict_mode_raises_on_adaptation_saturation():
    params, table = _toy_adex()
    params = dataclasses.replace(params, adaptation=FixedCoefficient(np.array([0]), np.array([0])))
    w = np.array([MAX - 2])
    with pytest.raises(ChipOverflowError, match=r"AdEx: neuron 0 at step 9: adaptation w"):
        # coupling adds R(800/8) = 100 to a w at the top of its range (no decay of w here)
        adex_soma_step(np.array([800]), w, np.array([0]), np.array([0]), params, table, FMT,
                       strict=True, step=9)
    x, w, *_ = adex_soma_step(np.array([800]), w, np.array([0]), np.array([0]), params, table, FMT)
    assert w[0] == MAX


def test_adex_spike_overshoot_is_not_an_overflow():
    params, table = _toy_adex()
    # Above the table the exponential saturates the voltage: that forces the spike, not an error.
    x, w, i, spiked, *_ = adex_soma_step(np.array([1025]), np.array([0]), np.array([0]),
                                        np.array([0]), params, table, FMT, strict=True)
    assert spiked[0] and x[0] == 100


# ---- agreement with the float update (the float shadow, docs/chip.md 5.6) -----------------------

def _spike_steps(names, steps=5000, dt=0.1):
    """Spike steps per neuron of the integer model and of its float shadow, I_e from t = 0."""
    target = load_target("emu")
    fmt = target.precision
    params = naud_population(names)
    q = adex_integer_parameters(params, dt, fmt, exp_table_of(target))
    n = len(names)
    x, w, i = q.state_to_int(params["E_L"], np.zeros(n), np.zeros(n))
    v, wf, i_f = params["E_L"].copy(), np.zeros(n), np.zeros(n)
    ref_i = np.zeros(n, dtype=np.int64)
    ref_f = np.zeros(n, dtype=np.int64)
    no_input = np.zeros(n, dtype=np.int64)
    integer_spikes, float_spikes = [], []
    for step in range(steps):
        x, w, i, s_int, ref_i, *_ = adex_soma_step(x, w, i, no_input, q.params, q.table, fmt,
                                               refractory_left=ref_i, strict=True, step=step)
        v, wf, i_f, s_float, ref_f = adex_shadow_step(v, wf, i_f, np.zeros(n), params, dt,
                                                      refractory_left=ref_f)
        integer_spikes.append(s_int)
        float_spikes.append(s_float)
    integer_spikes, float_spikes = np.array(integer_spikes), np.array(float_spikes)
    return ([np.flatnonzero(integer_spikes[:, k]) for k in range(n)],
            [np.flatnonzero(float_spikes[:, k]) for k in range(n)])


def test_adex_integer_follows_float_for_tonic_and_adapting():
    names = ["tonic", "adapting"]
    integer, shadow = _spike_steps(names)
    for name, si, sf in zip(names, integer, shadow):
        assert sf.size >= 8, name  # the parameter sets fire repeatedly in 500 ms
        assert abs(si.size - sf.size) <= max(1, 0.03 * sf.size), name
        isi_i, isi_f = np.diff(si), np.diff(sf)
        m = min(isi_i.size, isi_f.size)
        np.testing.assert_allclose(isi_i[:m], isi_f[:m], rtol=0.03, err_msg=name)
    # The firing patterns: constant ISIs for tonic, ISIs growing several-fold for adapting.
    tonic_isi, adapting_isi = np.diff(integer[0]), np.diff(integer[1])
    assert tonic_isi[-1] / tonic_isi[0] < 1.2
    assert adapting_isi[-1] / adapting_isi[0] > 4


def test_adex_instantaneous_synapse_jumps_voltage():
    target = load_target("emu")
    fmt = target.precision
    params = naud_population(["tonic"], tau_syn=np.array([0.0]), I_e=np.array([0.0]))
    q = adex_integer_parameters(params, 0.1, fmt, exp_table_of(target))
    x, w, i = q.state_to_int(np.array([-70.0]), np.zeros(1), np.zeros(1))
    # 1000 input units of input_lsb_pA each, C = 200 pF: V jumps by weight/C mV, then leaks
    # by dt/tau_m = 0.005 of the jump (the exponential term adds < 1e-6 mV at E_L).
    x, w, i, *_ = adex_soma_step(x, w, i, np.array([1000]), q.params, q.table, fmt)
    v, *_ = q.state_to_float(x, w, i)
    weight = 1000 * q.input_lsb_pA
    shadow = adex_shadow_step(np.array([-70.0]), np.zeros(1), np.zeros(1), np.array([weight]),
                              params, 0.1)
    assert i[0] == 0
    assert abs(v[0] - shadow.v[0]) < 2 * q.v_lsb_mV
    assert abs(shadow.v[0] - (-70.0 + weight / 200 * (1 - 0.1 * 10 / 200))) < 1e-6
