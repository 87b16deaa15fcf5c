"""Bit-exactness of the chip's LIF arithmetic against Lava's own process models.

Each test builds ``RingBuffer -> Dense -> LIF`` in Lava, runs it with Lava's fixed-point
(bit-accurate) models, records ``u``, ``v`` and the spikes every step with Monitors, and replays
the same inputs through :func:`neurocompile.chip.lif.lif_soma_step`. Lava's step ``k`` (1-based)
receives the Dense output of the ring buffer's column ``k - 2``: a spike sent at step ``t``
arrives at step ``t + 1`` (docs/chip.md section 3.2), so the replay uses ``a_in = 0`` at the
first step. Needs lava-nc (Python 3.10): tests take the ``lava`` fixture.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.chip import LifParams
from neurocompile.chip.dendrite import read_dendrite
from neurocompile.chip.lif import lif_soma_step
from neurocompile.chip.numbers import scale_by_exponent
from neurocompile.target import LOIHI_PRECISION

STEPS = 200
FMT = LOIHI_PRECISION  # Loihi/Lava: 24-bit state, 12-bit decays, 6-bit alignment shift


def _run_lava(source_data, dense_kwargs, lif, tag: str):
    """Run RingBuffer(source_data) -> Dense(**dense_kwargs) -> lif; return u, v, spikes as (T, n)."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.monitor.process import Monitor

    steps = source_data.shape[1]
    source = RingBuffer(data=source_data)
    dense = Dense(**dense_kwargs)
    source.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    monitors = []
    for var in (lif.u, lif.v, lif.s_out):
        monitor = Monitor()
        monitor.probe(var, steps)
        monitors.append((monitor, var))
    try:
        lif.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag=tag))
        traces = []
        for monitor, var in monitors:
            data = monitor.get_data()
            traces.append(data[lif.name][var.name])
    finally:
        lif.stop()
    return [np.asarray(t) for t in traces]


def _replay(a_in_by_step, params, u0, v0):
    """Our integer soma over the same inputs; returns u, v, spikes as (T, n)."""
    u, v = u0.astype(np.int64), v0.astype(np.int64)
    refractory = np.zeros(u.size, dtype=np.int64)
    out_u, out_v, out_s = [], [], []
    for step, a_in in enumerate(a_in_by_step):
        a_in = read_dendrite(a_in, FMT, strict=True, step=step)
        u, v, spiked, refractory = lif_soma_step(u, v, a_in, params, FMT, refractory_left=refractory,
                                                 step=step)
        out_u.append(u)
        out_v.append(v)
        out_s.append(spiked)
    return np.array(out_u), np.array(out_v), np.array(out_s)


def _delayed_by_one(a_in):
    """Lava's Dense delivers at step t+1 what it received at step t: prepend a zero step."""
    return np.vstack([np.zeros((1, a_in.shape[1]), dtype=np.int64), a_in[:-1]])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lif_matches_lava_bit_accurate_on_graded_input(lava, seed):
    """Random decays, thresholds, biases, initial state and a_in, including wrap and saturation."""
    from lava.proc.lif.process import LIF

    rng = np.random.default_rng(seed)
    n = 12
    du, dv = (int(d) for d in rng.integers(0, 4096, size=2))
    if seed == 0:
        du, dv = 0, 0  # slowest decays: u and v pile up, so u wraps and v saturates
    vth = rng.integers(0, 3000, size=n)
    bias_mant = rng.integers(-4096, 4096, size=n)
    bias_exp = rng.integers(0, 8, size=n)
    u0 = rng.integers(-(1 << 23) + 1, 1 << 23, size=n)
    v0 = rng.integers(-(1 << 23) + 1, 1 << 23, size=n)
    # Mostly moderate input, with bursts of large values of both signs.
    a_in = rng.normal(0, 2000, size=(STEPS, n)).astype(np.int64)
    burst = rng.random((STEPS, n)) < 0.1
    a_in = np.where(burst, rng.choice([-32000, 32000], size=(STEPS, n)), a_in)

    lif = LIF(shape=(n,), u=u0, v=v0, du=du, dv=dv, vth=vth, bias_mant=bias_mant, bias_exp=bias_exp)
    dense = dict(weights=np.eye(n, dtype=np.int32), num_message_bits=24, weight_exp=0)
    lava_u, lava_v, lava_s = _run_lava(a_in.T.astype(np.int32), dense, lif, "fixed_pt")

    params = LifParams(du=du, dv=dv, vth_mant=vth, bias_mant=bias_mant, bias_exp=bias_exp)
    ours_u, ours_v, ours_s = _replay(_delayed_by_one(a_in), params, u0, v0)

    np.testing.assert_array_equal(ours_u, lava_u)
    np.testing.assert_array_equal(ours_v, lava_v)
    np.testing.assert_array_equal(ours_s, lava_s.astype(bool))
    if seed == 0:
        # The test must exercise the overflow rules, not only the ordinary range.
        assert np.any(np.abs(ours_v) == (1 << 23) - 1)
        # Inputs move u by at most 32000 << 6 per step; a larger jump is a wrap-around.
        assert np.any(np.abs(np.diff(ours_u, axis=0)) > (1 << 23))
    assert ours_s.any()


@pytest.mark.parametrize("weight_exp", [-3, 0, 2])
def test_lif_matches_lava_through_dense_with_weight_exponent(lava, weight_exp):
    """Binary spikes through a mixed-sign 9-bit Dense: the exponent scales the per-step sum."""
    from lava.proc.lif.process import LIF
    from lava.utils.weightutils import SignMode

    rng = np.random.default_rng(100 + weight_exp)
    n_in, n = 24, 10
    weights = rng.integers(-256, 256, size=(n, n_in))
    spikes = rng.random((STEPS, n_in)) < 0.2
    du, dv = 300, 200
    vth = np.full(n, 400 << max(weight_exp, 0))
    bias_mant = rng.integers(-50, 50, size=n)
    bias_exp = np.zeros(n, dtype=np.int64)

    lif = LIF(shape=(n,), du=du, dv=dv, vth=vth, bias_mant=bias_mant, bias_exp=bias_exp)
    # num_weight_bits=9 with mixed signs truncates no bit: the mantissas reach Lava unchanged.
    dense = dict(weights=weights.astype(np.int32), weight_exp=weight_exp, num_weight_bits=9,
                 sign_mode=SignMode.MIXED)
    lava_u, lava_v, lava_s = _run_lava(spikes.T.astype(np.int32), dense, lif, "fixed_pt")

    # Chip: each step's sum of mantissas of one projection is scaled once by its exponent.
    a_in = scale_by_exponent(spikes.astype(np.int64) @ weights.T, weight_exp)
    params = LifParams(du=du, dv=dv, vth_mant=vth, bias_mant=bias_mant, bias_exp=bias_exp)
    ours_u, ours_v, ours_s = _replay(_delayed_by_one(a_in), params, np.zeros(n), np.zeros(n))

    np.testing.assert_array_equal(ours_u, lava_u)
    np.testing.assert_array_equal(ours_v, lava_v)
    np.testing.assert_array_equal(ours_s, lava_s.astype(bool))
    assert ours_s.any()
    if weight_exp < 0:
        # Flooring the sum differs from summing floored weights: the test would notice.
        per_synapse = spikes.astype(np.int64) @ scale_by_exponent(weights, weight_exp).T
        assert np.any(per_synapse != scale_by_exponent(spikes.astype(np.int64) @ weights.T, weight_exp))


@pytest.mark.parametrize("refractory_steps", [1, 3, 7])
def test_refractory_matches_lava_lif_refractory(lava, refractory_steps):
    """Our refractory counter holds v for the same steps as Lava's LIFRefractory.

    Lava ships LIFRefractory only as a floating-point model. With du = 1 (u is this step's
    input) and dv = 0 (no leak), and integer-valued inputs, its float arithmetic is exact, and
    our integer LIF with du = 4095 (effective decay 4096: u = a_in << 6) and dv = 0 computes the
    same numbers. Inputs and threshold are scaled by 2**6 on the Lava side.
    """
    from lava.proc.lif.process import LIFRefractory

    rng = np.random.default_rng(7 * refractory_steps)
    n = 8
    vth = rng.integers(50, 400, size=n)
    bias = rng.integers(-20, 60, size=n)
    a_in = rng.integers(-40, 120, size=(STEPS, n))

    lif = LIFRefractory(shape=(n,), du=1.0, dv=0.0, vth=float(vth[0]) * 64, bias_mant=bias.astype(float),
                        refractory_period=refractory_steps)
    # LIFRefractory takes one threshold for the population: use the first neuron's for all.
    vth[:] = vth[0]
    dense = dict(weights=np.eye(n) * 64.0, num_message_bits=24)
    lava_u, lava_v, lava_s = _run_lava(a_in.T.astype(float), dense, lif, "floating_pt")

    params = LifParams(du=4095, dv=0, vth_mant=vth, bias_mant=bias, bias_exp=0,
                          refractory_steps=refractory_steps)
    ours_u, ours_v, ours_s = _replay(_delayed_by_one(a_in), params, np.zeros(n), np.zeros(n))

    np.testing.assert_array_equal(ours_u, lava_u)
    np.testing.assert_array_equal(ours_v, lava_v)
    np.testing.assert_array_equal(ours_s, lava_s.astype(bool))
    spike_steps = np.flatnonzero(ours_s.any(axis=1))
    assert spike_steps.size >= 3
