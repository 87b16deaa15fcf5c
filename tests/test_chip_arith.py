"""The chip's integer arithmetic (neurocompile.chip) against hand-computed traces.

Every expected integer below was worked out by hand from docs/chip.md; the comments show the
arithmetic, so a failing assertion points at the rule that changed.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import adex_shadow_step
from neurocompile.chip import AdexParams, ChipOverflowError, ExpTable, FixedCoefficient, LifParams
from neurocompile.chip.adex import adex_exp_term, adex_soma_step, build_exp_lut, exp_table_of
from neurocompile.chip.dendrite import read_dendrite
from neurocompile.chip.lif import lif_soma_step
from neurocompile.chip.numbers import lif_decay, scale_by_exponent, wrap_current
from neurocompile.errors import BuildError, NeurocompileError
from neurocompile.quantize.adex import adex_integer_parameters, quantize_coefficient
from neurocompile.target import LOIHI_PRECISION

FMT = LOIHI_PRECISION  # 24-bit state, 12-bit decays, 6-bit alignment shift, 6-bit refractory counter
MAX = (1 << 23) - 1


def _run_lif(params, inputs, u=0, v=0):
    """Trace of (u, v, spiked) of one LIF neuron for a list of a_in values."""
    u, v = np.array([u]), np.array([v])
    refractory = np.zeros(1, dtype=np.int64)
    trace = []
    for a in inputs:
        u, v, spiked, refractory = lif_soma_step(u, v, np.array([a]), params, refractory_left=refractory)
        trace.append((int(u[0]), int(v[0]), bool(spiked[0])))
    return trace


# ---- primitives ------------------------------------------------------------------------------

def test_lif_decay_rounds_toward_zero_like_lava():
    # 320 * (4096 - 410) / 4096 = 287.96 -> 287;  -429 * 3686 / 4096 = -386.06 -> -386
    assert lif_decay(np.array([320, -429]), 410).tolist() == [287, -386]
    # -417 * 3072 / 4096 = -312.75 -> -312 (toward zero, not the floor -313)
    assert lif_decay(np.array([-417]), 1024).tolist() == [-312]
    assert lif_decay(np.array([12345]), 0).tolist() == [12345]       # no decay
    assert lif_decay(np.array([12345]), 4096).tolist() == [0]        # full decay


def test_scale_by_exponent_floors_negative_exponents():
    assert scale_by_exponent([5, -5, 7], [2, 0, -1]).tolist() == [20, -5, 3]
    assert scale_by_exponent([-5], [-1]).tolist() == [-3]  # arithmetic shift: floor(-2.5)


def test_wrap_current_keeps_lavas_asymmetric_range():
    half = 1 << 23
    values = np.array([half, -half, half + 1, -half + 1, 3, half + 500])
    assert wrap_current(values).tolist() == [half, half, -half + 1, -half + 1, 3, -half + 500]


def test_read_dendrite_saturates_to_18_bits_and_strict_raises():
    assert read_dendrite(np.array([5, 1 << 20, -(1 << 20)])).tolist() == [5, (1 << 17) - 1, -(1 << 17)]
    with pytest.raises(ChipOverflowError, match=r"neuron 7 at step 3: dendritic input a_in = 1048576"):
        read_dendrite(np.array([0, 1 << 20]), strict=True, step=3, neuron_ids=[6, 7])


# ---- LIF -------------------------------------------------------------------------------------

def test_lif_hand_computed_trace():
    params = LifParams(du=409, dv=1024, vth_mant=10, bias_mant=3, bias_exp=2)
    # threshold 10 << 6 = 640, bias 3 << 2 = 12, current decay factor (4096 - 410) / 4096
    trace = _run_lif(params, [5, 5, 0, -4, -10, 0])
    assert trace == [
        (320, 332, False),   # u = 0 + 5<<6;  v = 0 + 320 + 12
        (607, 0, True),      # u = 287 + 320; v = 249 + 607 + 12 = 868 > 640: spike, v = 0
        (546, 558, False),   # u = 607*3686>>12 = 546; v = 0 + 546 + 12
        (235, 0, True),      # u = 491 - 256; v = 418 + 235 + 12 = 665 > 640: spike
        (-429, -417, False),  # u = 211 - 640; v = 0 - 429 + 12
        (-386, -686, False),  # u = -(1581294>>12); v = -312 - 386 + 12
    ]


def test_lif_threshold_is_strict():
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0)
    # du + 1 = 4096: u = a_in << 6 each step; dv = 0: v integrates without leak.
    trace = _run_lif(params, [5, 5, 1])
    assert [t[1] for t in trace] == [320, 640, 0]      # 640 is not > 640; 704 is
    assert [t[2] for t in trace] == [False, False, True]


def test_lif_current_wraps_around():
    params = LifParams(du=0, dv=0, vth_mant=0, bias_mant=0, bias_exp=0, spiking=0)
    # u = 8388598 * 4095 / 4096 -> 8386550; + 100 << 6 = 8392950 > 2**23: minus 2**24
    trace = _run_lif(params, [100], u=(1 << 23) - 10)
    assert trace[0][0] == 8392950 - (1 << 24) == -8384266


def test_lif_voltage_saturates_both_ways():
    params = LifParams(du=4095, dv=0, vth_mant=0, bias_mant=0, bias_exp=0, spiking=0)
    assert _run_lif(params, [1000], v=MAX - 5)[0][1] == MAX
    assert _run_lif(params, [-1000], v=-MAX + 5)[0][1] == -MAX


def test_lif_strict_mode_names_neuron_and_step():
    params = LifParams(du=0, dv=0, vth_mant=0, bias_mant=0, bias_exp=0, spiking=0)
    u = np.array([0, (1 << 23) - 10, 0])
    with pytest.raises(ChipOverflowError, match=r"exc: neuron 12 at step 41: current u .* wraps"):
        lif_soma_step(u, np.zeros(3), np.array([0, 100, 0]), params, strict=True, step=41,
                      owner="exc", neuron_ids=[11, 12, 13])
    v = np.array([MAX - 5, 0, 0])
    with pytest.raises(ChipOverflowError, match=r"neuron 0 at step 2: voltage v = 8388666 saturates"):
        no_leak = LifParams(du=4095, dv=0, vth_mant=0, bias_mant=0, bias_exp=0, spiking=0)
        lif_soma_step(np.zeros(3), v, np.array([1, 0, 0]), no_leak, strict=True, step=2)
    assert issubclass(ChipOverflowError, NeurocompileError)
    assert issubclass(ChipOverflowError, OverflowError)
    # Not strict: the same steps wrap and saturate silently, as the chip does.
    lif_soma_step(u, np.zeros(3), np.array([0, 100, 0]), params, strict=False)


def test_lif_refractory_reset_value():
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0,
                          refractory_steps=2, reset_value=-100)
    trace = _run_lif(params, [4] * 8)  # u = 256 every step
    assert [t[1] for t in trace] == [256, 512, -100, -100, -100, 156, 412, -100]
    assert [t[2] for t in trace] == [False, False, True, False, False, False, False, True]
    assert all(t[0] == 256 for t in trace)  # the current keeps evolving while v is held


def test_lif_refractory_holds_v_and_blocks_spikes_while_u_decays():
    params = LifParams(du=2047, dv=0, vth_mant=1, bias_mant=0, bias_exp=0, refractory_steps=2,
                          reset_subtract=1)
    # du + 1 = 2048: u halves each step. Threshold 64; reset by subtracting 64.
    trace = _run_lif(params, [10, 0, 0, 0])
    assert trace == [
        (640, 576, True),    # v = 640 > 64: spike, v = 640 - 64, refractory 2
        (320, 576, False),   # held: v stays above threshold, but no spike
        (160, 576, False),   # held
        (80, 592, True),     # free again: v = 576 + 80 = 656 > 64: spike, 656 - 64
    ]


def test_lif_reset_by_subtraction():
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0, reset_subtract=1)
    trace = _run_lif(params, [4] * 5)
    # 768 > 640 -> 768 - 640 = 128; 384; 640 (not > 640); 896 -> 256
    assert [t[1] for t in trace] == [256, 512, 128, 384, 640]
    trace = _run_lif(params, [4] * 6)
    assert trace[5] == (256, 256, True)
    # With a reset value the subtracted amount is threshold - reset_value = 740.
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0, reset_subtract=1,
                          reset_value=-100)
    assert [t[1] for t in _run_lif(params, [4] * 3)] == [256, 512, 768 - 740]


def test_lif_params_validation():
    with pytest.raises(BuildError, match="du"):
        LifParams(du=4096, dv=0, vth_mant=1, bias_mant=0, bias_exp=0).check(FMT, "exc")
    with pytest.raises(BuildError, match="refractory_steps"):
        LifParams(du=0, dv=0, vth_mant=1, bias_mant=0, bias_exp=0, refractory_steps=64).check()
    with pytest.raises(BuildError, match="must be integers"):
        LifParams(du=0.5, dv=0, vth_mant=1, bias_mant=0, bias_exp=0)
    with pytest.raises(BuildError, match="different lengths"):
        LifParams(du=[1, 2], dv=[1, 2, 3], vth_mant=1, bias_mant=0, bias_exp=0)
    params = LifParams(du=[1, 2, 3], dv=0, vth_mant=1, bias_mant=0, bias_exp=0)
    assert params.size == 3 and params.field("dv").tolist() == [0, 0, 0]


# ---- AdEx: integer primitives ------------------------------------------------------------------

def test_fixed_coefficient_rounds_half_up():
    quarter = FixedCoefficient(np.array([1]), np.array([2]))
    assert quarter.apply(np.array([5, 6, -6, -5, 7])).tolist() == [1, 2, -1, -1, 2]


def test_quantize_coefficient_uses_full_mantissa():
    coef = quantize_coefficient([0.005, 4.17e-4, -2.5, 0.0])
    assert np.all(np.abs(coef.mant[:3]) >= 1 << 14) and np.all(np.abs(coef.mant) < 1 << 15)
    np.testing.assert_allclose(coef.value()[:3], [0.005, 4.17e-4, -2.5], rtol=2**-14)
    assert coef.value()[3] == 0
    with pytest.raises(BuildError, match="too large"):
        quantize_coefficient([1e6])


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
                                                     refractory_left=refractory, step=step)
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
    x, w, i, spiked, _ = adex_soma_step(np.array([1025]), np.array([0]), np.array([0]),
                                        np.array([0]), params, table, FMT, strict=True)
    assert spiked[0] and x[0] == 100


# ---- AdEx: conversion from float parameters and agreement with the float update ---------------

NAUD_2008 = {  # Naud et al. 2008, Table 1 (C pF, g_L nS, mV, a nS, tau_w ms, b pA, I_e pA)
    "tonic": dict(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, a=2.0, tau_w=30.0,
                  b=0.0, V_reset=-58.0, I_e=500.0),
    "adapting": dict(C=200.0, g_L=12.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, a=2.0, tau_w=300.0,
                     b=60.0, V_reset=-58.0, I_e=500.0),
}


def _population(names, **extra):
    """Per-neuron parameter arrays for a slice holding one neuron per named set."""
    keys = NAUD_2008[names[0]].keys()
    params = {k: np.array([NAUD_2008[n][k] for n in names]) for k in keys}
    params.update({"V_peak": np.zeros(len(names)), "refractory": np.zeros(len(names)),
                   "tau_syn": np.full(len(names), 5.0)})
    params.update(extra)
    return params


def test_adex_integer_parameters_values():
    from neurocompile.target import load_target

    target = load_target("emu")
    fmt = target.precision
    params = _population(["tonic"])
    q = adex_integer_parameters(params, 0.1, fmt, exp_table_of(target))
    # |V_peak - E_L| = 70 mV -> range 256 mV over 2**23 LSBs
    assert q.v_lsb_mV == 2.0**-15
    # 4 * (500 + 0 + 2 * 70) pA -> 4096 pA range
    assert q.i_lsb_pA == 2.0**-11 and q.input_lsb_pA == 2.0**-5
    p = q.params
    assert p.x_peak[0] == 70 * 2**15 and p.x_reset[0] == 12 * 2**15
    assert p.bias[0] == 500 * 2**11 and p.exp_origin[0] == (20 - 16) * 2**15
    np.testing.assert_allclose(p.leak.value(), 0.1 * 10 / 200, rtol=1e-4)
    np.testing.assert_allclose(p.adaptation.value(), 0.1 / 30, rtol=1e-4)
    np.testing.assert_allclose(p.synapse.value(), 1 - np.exp(-0.1 / 5), rtol=1e-4)
    assert p.jump.mant[0] == 0
    x, w, i = q.state_to_int(np.array([-50.0]), np.array([3.0]), np.array([0.5]))
    assert (x[0], w[0], i[0]) == (20 * 2**15, 3 * 2**11, 2**10)
    with pytest.raises(BuildError, match="refractory"):
        adex_integer_parameters(_population(["tonic"], refractory=np.array([0.25])), 0.1, fmt,
                                exp_table_of(target))


def _spike_steps(names, steps=5000, dt=0.1):
    """Spike steps per neuron of the integer model and of its float shadow, I_e from t = 0."""
    from neurocompile.target import load_target

    target = load_target("emu")
    fmt = target.precision
    params = _population(names)
    q = adex_integer_parameters(params, dt, fmt, exp_table_of(target))
    n = len(names)
    x, w, i = q.state_to_int(params["E_L"], np.zeros(n), np.zeros(n))
    v, wf, i_f = params["E_L"].copy(), np.zeros(n), np.zeros(n)
    ref_i = np.zeros(n, dtype=np.int64)
    ref_f = np.zeros(n, dtype=np.int64)
    no_input = np.zeros(n, dtype=np.int64)
    integer_spikes, float_spikes = [], []
    for step in range(steps):
        x, w, i, s_int, ref_i = adex_soma_step(x, w, i, no_input, q.params, q.table, fmt,
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
    from neurocompile.target import load_target

    target = load_target("emu")
    fmt = target.precision
    params = _population(["tonic"], tau_syn=np.array([0.0]), I_e=np.array([0.0]))
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
