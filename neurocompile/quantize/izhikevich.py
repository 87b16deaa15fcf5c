"""Quantize Izhikevich populations onto the chip's nonlinear soma (docs/chip.md section 5.8).

The voltage register holds ``x = (v - v*) / V_lsb``, measured from the vertex of the parabola
``v* = -k1 / (2 k2)``: ``k2 v^2 + k1 v + k0 = k2 (v - v*)^2 + k0 - k1^2 / (4 k2)``, a square and
a constant that joins the bias. Near rest the papers' three terms (about 164 - 320 + 156 mV/ms
at v = -64 mV) nearly cancel; written around ``v = 0`` a 16-bit coefficient's rounding
(1e-5) of the 164 mV/ms square was a 2e-3 mV/ms drift of ``dv/dt``, enough to lose the rebound
spike of Fig. 1 (M); around the vertex the square there is 0.09 mV/ms and the constant is
exact to one LSB. The recovery variable reads ``x - x_u`` with ``x_u = (v_u - v*) / V_lsb``.
The LSBs are powers of two shared by the population:

* ``V_lsb`` from the largest ``|v - v*|`` the update writes: the reset, the peak plus one
  sub-step's overshoot from just below it (the recovery variable reads the overshoot, as in
  float), and at least 100 mV;
* ``I_lsb`` (u, I_syn, bias; mV/ms) from twice the largest drive: ``|k0'| + |I_e|``, the
  largest injected current, one volley of every incoming weight, ``|b|`` times the voltage
  span and a few ``d`` jumps.
"""
from __future__ import annotations

import numpy as np

from ..chip.adex import KIND_SQUARE, MAX_SUBSTEPS, AdexParams, FixedCoefficient, square_pre_shift
from ..errors import BuildError, invalid
from .adex import clipped_initial_state, coefficient_errors, quantize_coefficient
from .formats import pow2_at_least, relative_error
from .types import QuantizedPopulation

#: Smallest voltage span the register covers, mV (a neuron's hyperpolarised excursions).
MIN_VOLTAGE_SPAN_MV = 100.0


def quantize_izhikevich(pop, dt: float, precision, incoming_abs_weight, injected_abs) -> QuantizedPopulation:
    """Integer parameters and initial state of an Izhikevich population.

    ``incoming_abs_weight``: per neuron, the sum of |w| of its incoming synapses (mV/ms, or mV
    for ``tau_syn = 0``); ``injected_abs``: per neuron, the largest |step current| (mV/ms).
    """
    owner = f"Izhikevich '{pop.name}'"
    p = pop.params
    size = pop.size
    half = precision.state_half
    substeps = np.rint(p["substeps"]).astype(np.int64)
    if np.any(substeps > MAX_SUBSTEPS):
        raise invalid(owner, "substeps", int(substeps.max()),
                      f"must be at most {MAX_SUBSTEPS}: the chip repeats its quadratic update at most "
                      f"{MAX_SUBSTEPS} times per step (use a smaller dt instead)", cls=BuildError)
    h = dt / substeps
    vertex = -p["k1"] / (2.0 * p["k2"])                       # the register's origin
    k0_x = p["k0"] - p["k1"] ** 2 / (4.0 * p["k2"])            # the constant, joins the bias
    instant = p["tau_syn"] == 0
    synaptic = np.where(instant, 0.0, incoming_abs_weight)
    span = np.maximum.reduce([np.abs(p["c"] - vertex), np.abs(p["v_peak"] - vertex), np.abs(p["v_u"] - vertex),
                              np.abs(pop.initial["v"] - vertex), np.full(size, MIN_VOLTAGE_SPAN_MV)])
    drive = (np.abs(k0_x) + np.abs(p["I_e"]) + injected_abs + synaptic + np.abs(p["b"]) * span
             + 4.0 * np.abs(p["d"]) + np.abs(pop.initial["u"]))
    i_range = pow2_at_least(2.0 * float(np.max(drive)))
    i_lsb = i_range / half
    peak = p["v_peak"]
    overshoot = h * (p["k2"] * (peak - vertex) ** 2 + drive)
    v_span = np.maximum(span, np.abs(peak - vertex) + overshoot)
    v_range = pow2_at_least(float(np.max(v_span)))
    v_lsb = v_range / half
    pre = square_pre_shift(precision)

    def coef(c, name):
        return quantize_coefficient(c, obj=owner, name=name)

    ints = {"x_peak": np.rint((peak - vertex) / v_lsb), "x_reset": np.rint((p["c"] - vertex) / v_lsb),
            "x_u": np.rint((p["v_u"] - vertex) / v_lsb),
            "b": np.rint(p["d"] / i_lsb), "bias": np.rint((k0_x + p["I_e"]) / i_lsb)}
    if np.any(np.abs(ints["bias"]) > precision.saturation_limit):
        raise invalid(owner, "I_e", p["I_e"], f"with k0 exceeds the current range +-{i_range:g} mV/ms",
                      cls=BuildError)
    ints = {k: v.astype(np.int64) for k, v in ints.items()}
    zeros = np.zeros(size, dtype=np.int64)
    ints.update(exp_origin=zeros, refractory_steps=zeros, kind=np.full(size, KIND_SQUARE, dtype=np.int64),
                square_pre=np.full(size, pre, dtype=np.int64), substeps=substeps)
    for arr in ints.values():
        arr.setflags(write=False)
    exact = {"square": h * p["k2"] * v_lsb * 2.0**pre, "gain": h * i_lsb / v_lsb,
             "coupling": dt * p["a"] * p["b"] * v_lsb / i_lsb, "adaptation": dt * p["a"] * p["u_leak"]}
    coefficients = {name: coef(value, name) for name, value in exact.items()}
    none = FixedCoefficient(np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64))
    params = AdexParams(jump=coef(np.where(instant, i_lsb / v_lsb, 0.0), "I_lsb/V_lsb"),
                        synapse=coef(np.where(instant, 1.0, -np.expm1(-dt / np.where(instant, 1.0, p["tau_syn"]))),
                                     "1-exp(-dt/tau_syn)"),
                        leak=none, exp_index=none, exp_scale=none, **coefficients, **ints)

    limit = precision.saturation_limit
    x0 = np.rint((pop.initial["v"] - vertex) / v_lsb).astype(np.int64)
    w0 = np.rint(pop.initial["u"] / i_lsb).astype(np.int64)
    i0 = np.rint(pop.initial["I_syn"] / i_lsb).astype(np.int64)
    issues = clipped_initial_state(pop.name, precision, {"v_init": x0, "u_init": w0, "I_syn_init": i0})
    errors = coefficient_errors(coefficients, exact)
    ones = np.ones(size)
    report = {"voltage_lsb_mV": v_lsb, "current_lsb": i_lsb, "current_unit": "mV/ms",
              "coefficient_rel_error": max(errors.values()), "coefficient_errors": errors,
              "bias_rel_error": relative_error(ints["bias"] * i_lsb, k0_x + p["I_e"]),
              "square_pre_shift": pre}
    return QuantizedPopulation(
        name=pop.name, model="Izhikevich", size=size, params=params,
        state={"x": np.clip(x0, -limit, limit), "w": np.clip(w0, -limit, limit), "i_syn": np.clip(i0, -limit, limit)},
        to_physical={"v": (v_lsb, vertex), "u": (i_lsb, 0.0), "I_syn": (i_lsb, 0.0)},
        input_gain=ones / (i_lsb * 2.0**precision.alignment_shift_bits),
        bias_per_unit=ones / i_lsb,
        bias_drive=k0_x + p["I_e"],
        report=report, issues=tuple(issues))
