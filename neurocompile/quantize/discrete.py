"""Quantize DiscreteLIF / DiscreteLI populations onto the chip's integer u/v neuron.

The model's update per step is the chip's (docs/chip.md section 4) term for term, with
``x = v - v_rest`` in state LSBs and ``s`` the scale in LSB per mV::

    u <- u (1 - (du+1)/4096) + a_in << 6 [+ bias]      u = s I_syn,  (du + 1)/4096 = 1 - alpha
    v <- v (1 - dv/4096) + u [+ bias]                  v = s x,      dv/4096 = 1 - beta
    spike when v > vth_mant << 6 (>= with strict=False), vth_mant << 6 = s (threshold - v_rest)

so the only approximations are the 12-bit decay factors (reported), the rounding of weights
and bias, and the truncation of the decays. The bias goes into ``u`` where ``alpha > 0`` (a
layer's bias feeds the synaptic current, as in snnTorch's ``Synaptic``), else into ``v``.

The scale is sized from what the network can reach, so that no register can saturate: with
every input spiking every step, ``|I_syn| <= (sum |w| + |bias| + |I|) / (1 - alpha)`` and
``|x| <= |I_syn| / (1 - beta)``; ``s`` makes that range fit the state register (and the
largest weight fit a weight mantissa, the bias the bias register), and the threshold is made exact by rounding ``s``
down to a whole threshold mantissa. Trained networks reach far below their reset (snnTorch
digits: 13 thresholds below zero), which a fixed headroom would saturate.
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError, invalid
from .formats import relative_error, split_mantissa_exponent
from .types import QuantizedPopulation, QuantIssue

#: Steps over which the range of a neuron without leak (beta = 1) is bounded.
NO_LEAK_HORIZON_STEPS = 1000
#: Fraction of the register kept free: rounding of the scale and of the weights.
MARGIN = 1.0 - 1.0 / 64


def bias_onsets(pop, dt: float) -> list:
    """[(step, per-neuron bias that starts then)] of a population whose bias starts late."""
    steps = np.rint(pop.params["bias_onset"] / dt).astype(np.int64)
    return [(int(step), np.where(steps == step, pop.params["bias"], 0.0)) for step in np.unique(steps[steps > 0])]


def quantize_discrete(pop, precision, incoming_abs_weight: np.ndarray, largest_weight: np.ndarray,
                      injected_abs: np.ndarray, dt: float, measured: np.ndarray | None = None) -> QuantizedPopulation:
    """Integer parameters and initial state of a DiscreteLIF / DiscreteLI population.

    ``incoming_abs_weight``: per neuron, the sum of |weights| of all incoming synapses;
    ``largest_weight``: the largest |weight| onto each neuron; ``injected_abs``: the largest
    |step current| injected into each neuron; ``measured``: per neuron, the range to keep (a
    margin times what calibration runs reached), used where it is below the worst case (all
    in mV). Each neuron gets its own scale (the finest its range allows), so its threshold
    mantissa is its own.
    """
    from ..chip.lif import LifParams

    p = pop.params
    spiking = pop.model.spiking
    unity = precision.decay_unity
    shift = precision.alignment_shift_bits
    issues: list[QuantIssue] = []

    dv = np.clip(np.rint(unity * (1.0 - p["beta"])), 0, unity - 1).astype(np.int64)
    du = (np.clip(np.rint(unity * (1.0 - p["alpha"])), 1, unity) - 1).astype(np.int64)
    beta_q = 1.0 - dv / unity
    alpha_q = 1.0 - (du + 1) / unity
    for name, requested, realised in (("beta", p["beta"], beta_q), ("alpha", p["alpha"], alpha_q)):
        error = np.abs(realised - requested)
        if np.any(error > 0.5 / unity + 1e-12):
            worst = int(np.argmax(error))
            issues.append(QuantIssue(pop.name, name, int(np.sum(error > 0.5 / unity + 1e-12)),
                                     f"realised as {realised[worst]:.6g} instead of {requested[worst]:.6g}: "
                                     f"outside the {precision.decay_bits}-bit decay's range"))

    # The reachable range of I_syn and of x = v - v_rest, every input spiking every step.
    drive = incoming_abs_weight + np.abs(p["bias"]) + injected_abs
    syn_reach = drive / np.maximum(1.0 - alpha_q, 1.0 / unity)
    leak = np.where(beta_q < 1.0, 1.0 - beta_q, 1.0 / NO_LEAK_HORIZON_STEPS)
    worst = np.maximum(syn_reach / leak, syn_reach)
    reach = worst if measured is None else np.minimum(worst, measured)
    span = p["threshold"] - p["v_rest"] if spiking else np.ones(pop.size)
    reach = np.maximum.reduce([reach, 2.0 * span, np.abs(pop.initial["v"] - p["v_rest"]),
                               np.abs(pop.initial["I_syn"]), np.full(pop.size, 1e-9)])
    scale = MARGIN * precision.saturation_limit / reach  # LSB per mV, per neuron
    most = ((1 << (precision.weight_mantissa_bits - 1)) - 1) * 2.0**precision.weight_exponent_max
    # the largest weight onto a neuron must fit a mantissa at the largest exponent
    scale = np.where(largest_weight > 0, np.minimum(scale, MARGIN * most * (1 << shift) /
                                                    np.maximum(largest_weight, 1e-300)), scale)
    # ... and its bias (with any step current on top) the bias register: a calibrated range
    # can be far below what a large bias alone needs when the calibration inputs hold it down.
    bias_most = ((1 << (precision.bias_mantissa_bits - 1)) - 1) * 2.0**precision.bias_exponent_max
    biggest_bias = np.abs(p["bias"]) + injected_abs
    scale = np.where(biggest_bias > 0, np.minimum(scale, MARGIN * bias_most / np.maximum(biggest_bias, 1e-300)),
                     scale)
    if spiking:
        # A whole threshold mantissa: the threshold is exact, the scale a little smaller.
        vth_mant = np.minimum(np.floor(scale * span / (1 << shift)), precision.threshold_mantissa_max)
        vth_mant = np.maximum(vth_mant, 1).astype(np.int64)
        scale = (vth_mant << shift) / span
        if not np.all(np.isfinite(scale)):  # a subnormal span: its voltage step is no float
            raise invalid(f"Population '{pop.name}'", "threshold - v_rest", float(np.min(span)),
                          "mV is too small for the chip's integer voltage: one step of it would be "
                          "smaller than the smallest float", cls=BuildError)
    else:
        vth_mant = np.full(pop.size, precision.threshold_mantissa_max, dtype=np.int64)

    bias_into_current = p["alpha"] > 0
    # A bias that starts late is 0 in the registers a run starts with (a bias update sets it).
    initial_bias = np.where(np.rint(p["bias_onset"] / dt) > 0, 0.0, p["bias"])
    bias_int = scale * initial_bias
    bias_mant, bias_exp, bias_clipped = split_mantissa_exponent(
        bias_int, precision.bias_mantissa_bits, precision.bias_exponent_min, precision.bias_exponent_max)
    if bias_clipped.any():
        issues.append(QuantIssue(pop.name, "bias", int(bias_clipped.sum()),
                                 f"bias needs more than a {precision.bias_mantissa_bits}-bit mantissa at "
                                 f"exponent {precision.bias_exponent_max}; clipped"))
    realised_bias = bias_mant * 2.0**bias_exp

    threshold_int = vth_mant << shift
    if spiking:
        reference = np.rint(scale * (p["v_reset"] - p["v_rest"])).astype(np.int64)
        reset = pop.params["reset"]
        reset_value = threshold_int if reset == "none" else reference  # "none": subtract nothing
        reset_subtract = np.full(pop.size, reset != "zero")
        reset_delay = int(np.all(p["reset_delay"]))
        inclusive = 1 - int(np.all(p["strict"]))
    else:
        reset_value, reset_subtract, reset_delay, inclusive = 0, np.zeros(pop.size, bool), 0, 0
    params = LifParams(
        du=du, dv=dv, vth_mant=vth_mant, bias_mant=bias_mant, bias_exp=bias_exp,
        reset_subtract=reset_subtract, spiking=np.full(pop.size, spiking), reset_value=reset_value,
        reset_delay=reset_delay, bias_to_current=bias_into_current.astype(np.int64),
        threshold_inclusive=inclusive)

    lo, hi = precision.state_range
    v0 = np.rint(scale * (pop.initial["v"] - p["v_rest"]))
    u0 = np.rint(scale * pop.initial["I_syn"])
    report = {
        "beta": (p["beta"], beta_q),
        "alpha": (p["alpha"], alpha_q),
        "threshold_rel_error": relative_error((vth_mant << shift) / scale, span) if spiking else 0.0,
        "bias_rel_error": relative_error(realised_bias, bias_int),
        "voltage_lsb_mV": float(np.max(1.0 / scale)),
        "range_mV": float(np.max(reach)),
        "range_from": "measured x margin" if measured is not None else "worst case",
    }
    return QuantizedPopulation(
        name=pop.name, model=type(pop.model).__name__, size=pop.size, params=params,
        state={"u": np.clip(u0, lo, hi).astype(np.int64), "v": np.clip(v0, lo, hi).astype(np.int64)},
        to_physical={"v": (1.0 / scale, p["v_rest"]), "I_syn": (1.0 / scale, 0.0)},
        input_gain=scale / (1 << shift),
        bias_per_unit=scale,
        bias_drive=initial_bias,
        report=report, issues=tuple(issues))
