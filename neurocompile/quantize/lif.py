"""Quantize LIF and LI populations onto the chip's Loihi-compatible integer neuron.

Mapping (see docs/chip.md for the integer update). The float model, shifted so that the reset
potential is 0 (``x = v - v_reset``), reads ``tau_mem dx/dt = -x + b' + I``, with
``b' = bias + v_rest - v_reset``. Its exact one-step update is
``x <- x P22 + b'(1 - P22) + I P21`` after ``I += arrivals`` and before ``I <- I P11``, which is
the chip's update term for term::

    u <- u (1 - (du+1)/4096) + a_in << 6        (u = s P21' I, in state LSBs)
    v <- v (1 - dv/4096) + u + bias            (v = s x, bias = s b' dv/4096)
    spike when v > vth << 6 (vth << 6 = s (v_th - v_reset)), then v <- 0

with ``s`` the voltage scale in LSB/mV. The 12-bit decays cannot hit the time constants
exactly, so the bias and the weights are set from the *quantized* decays: the steady-state
voltage and the area under each postsynaptic potential (the mean drive) are exact, and the
residual time-constant error is reported. ``P21'`` is the exact ``P21`` times that area
correction; for ``tau_syn = 0`` the jump of ``v`` is ``P22 w`` as in the float reference.

Decays round toward zero (Loihi), which biases ``u`` and ``v`` toward 0 by less than one LSB
per step. The voltage scale is chosen as large as the 24-bit state allows, so the resulting
steady-state offset stays far below the threshold gap; the report gives its bound in mV
(``truncation_bound_mV``) rather than correcting a bias that does not matter.
"""
from __future__ import annotations

import numpy as np

from ..chip.lif import LifParams
from ..errors import BuildError, invalid
from ..reference.lif import lif_propagators
from .formats import decay_constant, relative_error, split_mantissa_exponent
from .types import QuantizedPopulation, QuantIssue

#: State range fraction kept for the span [reset - H*(v_th - v_reset), reset + H*(v_th - v_reset)].
VOLTAGE_HEADROOM = 4.0
#: Relative time-constant error above which quantization reports an issue.
TAU_TOLERANCE = 0.05
#: Activity assumed when bounding a leaky integrator's range (fraction of steps with a spike).
LI_ASSUMED_SPIKE_FRACTION = 0.01
#: Steps over which the range of a leak-free LI (tau_mem = inf) is bounded.
LI_NO_LEAK_HORIZON_STEPS = 1000


def first_order_leak(tau_mem, dt: float) -> np.ndarray:
    """``y = dt / tau_mem`` per neuron (0 without a leak, ``tau_mem = inf``): the leak's
    first-order rate per step, which the leak element of a population with receptors carries
    and the soma's exponential-Euler factor turns into ``1 - exp(-y)`` (docs/chip.md 4.5)."""
    tau_mem = np.asarray(tau_mem, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(np.isinf(tau_mem), 0.0, dt / tau_mem)


def quantize_lif(pop, dt: float, precision, incoming_abs_weight: np.ndarray,
                 largest_weight: np.ndarray | None = None, exact_leak: bool = False) -> QuantizedPopulation:
    """Integer parameters and initial state of a LIF or LI population.

    ``incoming_abs_weight`` is the per-neuron sum of |weights| over all incoming synapses
    (model units), used to bound the range of an LI population; ``largest_weight`` the largest
    |weight| onto each neuron: the voltage scale is lowered, if needed, so that it fits the
    largest weight mantissa at the largest exponent instead of being clipped.
    ``exact_leak``: the population has receptor elements; its leak is then the leak element's
    (:func:`.receptors.leak_element`, ``dv = 0``) and the bias is set for the first-order leak
    ``y = dt / tau_mem`` that the soma's exponential-Euler step turns into the exact one.
    """
    p = pop.params
    spiking = pop.model.spiking
    unity = precision.decay_unity
    shift = precision.alignment_shift_bits
    issues: list[QuantIssue] = []

    dv, tau_mem_eff = decay_constant(p["tau_mem"], dt, precision.decay_bits, offset=0)
    du, tau_syn_eff = decay_constant(p["tau_syn"], dt, precision.decay_bits, offset=1)
    p11, p21, p22 = lif_propagators(p["tau_mem"], p["tau_syn"], dt)
    p11q = 1.0 - (du + 1) / unity
    p22q = 1.0 - dv / unity
    instantaneous = p["tau_syn"] == 0
    # Drive to v per unit of I after the input step, corrected so each PSP has the float area.
    transfer = np.where(instantaneous, p22, p21)
    # Preserve each PSP's area (its integral). Where the chip's decay is zero (time constant
    # too long for the 12-bit decay at this dt) the area is unbounded anyway: keep the slope.
    fix_u = np.where(instantaneous | (p11q >= 1), 1.0, (1 - p11q) / np.maximum(1 - p11, 1e-300))
    fix_v = np.where(dv > 0, (1 - p22q) / np.maximum(1 - p22, 1e-300), 1.0)
    area_fix = fix_u * fix_v
    transfer_q = transfer * area_fix

    v_reset = p["v_reset"] if spiking else p["v_rest"]
    bias_drive = p["bias"] + p["v_rest"] - v_reset  # b', mV
    v_max_int = precision.saturation_limit
    if spiking:
        span = p["v_th"] - v_reset
        vth_int_target = v_max_int / VOLTAGE_HEADROOM
        vth_mant = np.full(pop.size, min(precision.threshold_mantissa_max,
                                         int(vth_int_target) >> shift), dtype=np.int64)
        scale = (vth_mant << shift) / span  # LSB per mV
        if largest_weight is not None and np.any(largest_weight > 0):
            # A weight w adds scale * transfer_q * w / 2**shift input LSBs; the synapse memory holds
            # at most mantissa_max << weight_exponent_max of them (mixed-sign mantissa max: 2**(b-1) - 2).
            most = ((1 << (precision.weight_mantissa_bits - 1)) - 2) * 2.0**precision.weight_exponent_max
            fit = most * (1 << shift) / np.maximum(transfer_q * largest_weight, 1e-300)
            if np.any(scale > fit):
                ratio = float(np.min(fit / scale))
                vth_mant = np.full(pop.size, max(1, int(vth_mant[0] * ratio)), dtype=np.int64)
                scale = (vth_mant << shift) / span
        if not np.all(np.isfinite(scale)):  # a subnormal span: its voltage step is no float
            raise invalid(f"Population '{pop.name}'", "v_th - v_reset", float(np.min(span)),
                          "mV is too small for the chip's integer voltage: one step of it would be "
                          "smaller than the smallest float", cls=BuildError)
    else:
        steady_input = incoming_abs_weight * LI_ASSUMED_SPIKE_FRACTION * transfer / np.maximum(
            1 - p11, 1e-12)
        # A perfect integrator (tau_mem = inf) has no steady state: bound its range over a
        # horizon of LI_NO_LEAK_HORIZON_STEPS steps of the assumed activity instead.
        leak = np.where(np.isinf(p["tau_mem"]), 1.0 / LI_NO_LEAK_HORIZON_STEPS, np.maximum(1 - p22, 1e-12))
        bound = np.abs(bias_drive) + steady_input / leak + 1e-9
        scale = (v_max_int / VOLTAGE_HEADROOM) / np.maximum(bound, 1e-6)
        vth_mant = np.full(pop.size, precision.threshold_mantissa_max, dtype=np.int64)

    # The bias sets the steady state through the chip's own decay (exact v_inf); with no
    # realisable decay it sets the initial slope instead.
    if exact_leak:
        leak_per_step = first_order_leak(p["tau_mem"], dt)
        dv = np.zeros_like(dv)
    else:
        leak_per_step = np.where(dv > 0, dv / unity, 1 - p22)
    bias_int = scale * bias_drive * leak_per_step
    bias_mant, bias_exp, bias_clipped = split_mantissa_exponent(
        bias_int, precision.bias_mantissa_bits, precision.bias_exponent_min, precision.bias_exponent_max)
    realised_bias = bias_mant * 2.0**bias_exp
    if bias_clipped.any():
        issues.append(QuantIssue(pop.name, "bias", int(bias_clipped.sum()),
                                 f"bias needs more than {precision.bias_mantissa_bits}-bit mantissa "
                                 f"with exponent {precision.bias_exponent_max}; clipped"))
    bias_rel_err = relative_error(realised_bias, bias_int)

    for name, requested, realised in (("tau_mem", p["tau_mem"], tau_mem_eff),
                                      ("tau_syn", p["tau_syn"], tau_syn_eff)):
        with np.errstate(invalid="ignore"):  # inf vs inf (no leak, realised exactly) is exact
            rel = np.where(realised == requested, 0.0,
                           np.abs(realised - requested) / np.where(requested > 0, requested, 1.0))
        bad = (requested > 0) & ~(rel <= TAU_TOLERANCE)
        if bad.any():
            worst = int(np.argmax(np.where(bad, rel, -1.0)))
            issues.append(QuantIssue(
                pop.name, name, int(bad.sum()),
                f"realised as {realised[worst]:.4g} ms instead of {requested[worst]:.4g} ms: the "
                f"{precision.decay_bits}-bit decay cannot resolve it at dt = {dt:g} ms"))
    refr_steps = np.rint(p.get("refractory", np.zeros(pop.size)) / dt).astype(np.int64)
    if refr_steps.max(initial=0) > precision.max_refractory_steps:
        raise BuildError(
            f"Population '{pop.name}': refractory = {refr_steps.max() * dt:g} ms "
            f"({refr_steps.max()} steps) exceeds the target's {precision.refractory_counter_bits}-bit "
            f"refractory counter (max {precision.max_refractory_steps} steps)")

    u_scale = scale * transfer_q  # u LSB per mV of I_syn
    lo, hi = precision.state_range
    v0 = np.rint(scale * (pop.initial["v"] - v_reset))
    u0 = np.rint(u_scale * pop.initial.get("I_syn", np.zeros(pop.size)))  # receptors=: no I_syn
    for name, arr in (("v_init", v0), ("I_syn_init", u0)):
        bad = (arr < lo) | (arr > hi)
        if bad.any():
            issues.append(QuantIssue(pop.name, name, int(bad.sum()), "initial value outside the "
                                     f"{precision.state_bits}-bit state range; clipped"))
    params = LifParams(
        du=du, dv=dv, vth_mant=vth_mant, bias_mant=bias_mant, bias_exp=bias_exp,
        refractory_steps=refr_steps,
        reset_subtract=(np.asarray(p.get("reset", "value")) == "subtract") & np.ones(pop.size, bool),
        spiking=np.full(pop.size, spiking))
    report = {
        "tau_mem": (p["tau_mem"], tau_mem_eff),
        "tau_syn": (p["tau_syn"], tau_syn_eff),
        "threshold_rel_error": 0.0 if not spiking else float(np.max(np.abs(
            (vth_mant << shift) / scale - (p["v_th"] - v_reset)) / (p["v_th"] - v_reset))),
        "bias_rel_error": bias_rel_err,
        "voltage_lsb_mV": float(np.max(1.0 / scale)),
        # Truncating decays lose < 1 LSB per step; in steady state that is at most this many mV
        # of voltage offset (current loss integrated through the membrane, plus the voltage's own).
        "truncation_bound_mV": float(np.max(
            (1.0 / np.maximum(1 - p11q, 1.0 / unity) + 1.0) / np.maximum(dv / unity, 1.0 / unity) / scale)),
    }
    return QuantizedPopulation(
        name=pop.name, model="LIF" if spiking else "LI", size=pop.size, params=params,
        state={"u": np.clip(u0, lo, hi).astype(np.int64), "v": np.clip(v0, lo, hi).astype(np.int64)},
        to_physical={"v": (1.0 / scale, v_reset), "I_syn": (1.0 / u_scale, 0.0)},
        input_gain=u_scale / (1 << shift),
        bias_per_unit=scale * leak_per_step,
        bias_drive=bias_drive,
        report=report, issues=tuple(issues),
    )
