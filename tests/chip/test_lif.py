"""The chip's integer LIF (neurocompile.chip.lif) against hand-computed traces.

Every expected integer below was worked out by hand from docs/chip.md section 4; the comments
show the arithmetic, so a failing assertion points at the rule that changed.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.chip import ChipOverflowError, LifParams
from neurocompile.chip.lif import lif_soma_step
from neurocompile.errors import BuildError, NeurocompileError
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


# -- the extensions trained networks need (docs/chip.md section 4.3) -------------------------

def test_delayed_reset_by_subtraction_acts_one_step_late_on_the_updated_value():
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0, reset_subtract=1, reset_delay=1)
    # u = a_in << 6 = 384 each step, no leak; threshold 640
    assert _run_lif(params, [6, 6, 6, 0]) == [
        (384, 384, False),
        (384, 768, True),    # 768 > 640: spike, v kept
        (384, 512, False),   # 768 + 384 = 1152, then the pending reset: - 640
        (0, 512, False),
    ]


def test_delayed_reset_to_a_value_discards_that_steps_input():
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0, reset_delay=1)
    assert [t[1:] for t in _run_lif(params, [6, 6, 6, 6])] == [
        (384, False), (768, True), (0, False), (384, False)]  # step 2: 1152 -> reset to 0


def test_bias_into_the_current_decays_with_it():
    params = LifParams(du=2047, dv=0, vth_mant=100, bias_mant=3, bias_exp=2, bias_to_current=1)
    # bias 12 into u; u decays by (du + 1)/4096 = 1/2: u = u - (u * 2048 >> 12)
    assert _run_lif(params, [0, 0, 1]) == [
        (12, 12, False),     # u = 0 + 12;        v = 0 + 12
        (18, 30, False),     # u = 12 - 6 + 12;   v = 12 + 18
        (85, 115, False),    # u = 18 - 9 + 64 + 12; v = 30 + 85
    ]


def test_inclusive_threshold_spikes_at_equality():
    params = LifParams(du=4095, dv=0, vth_mant=10, bias_mant=0, bias_exp=0, threshold_inclusive=1)
    assert [t[1:] for t in _run_lif(params, [5, 5, 5])] == [(320, False), (0, True), (320, False)]
