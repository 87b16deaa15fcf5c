"""Quantize AdEx populations onto the chip's fixed-point AdEx soma (docs/chip.md section 5.5).

:func:`adex_integer_parameters` turns float AdEx parameters into the chip's parameter record
(:class:`~neurocompile.chip.AdexParams`): the state LSBs, the 16-bit coefficients and the
integer thresholds; :func:`quantize_adex` adds what the compiler needs around it (the weight
gain, the initial state, the bias for step currents and the report).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..chip.adex import (ADEX_COEFFICIENT_BITS, ADEX_MAX_SHIFT, ADEX_TABLE_INDEX_FRACTION_BITS, KIND_EXP,
                         AdexParams, ExpTable, FixedCoefficient)
from ..errors import BuildError, invalid
from .formats import pow2_at_least, relative_error
from .types import QuantizedPopulation, QuantIssue

_ADEX_KEYS = ("C", "g_L", "E_L", "V_T", "delta_T", "a", "tau_w", "b", "V_reset", "V_peak",
              "refractory", "tau_syn", "I_e")


def quantize_coefficient(c, bits: int = ADEX_COEFFICIENT_BITS, obj: str = "AdEx",
                         name: str = "coefficient") -> FixedCoefficient:
    """Nearest ``mant / 2**shift`` to each real ``c`` with ``|mant| < 2**(bits-1)``, largest precision.

    The shift is chosen per value so that the mantissa uses all ``bits - 1`` magnitude bits
    (relative error <= ``2**-(bits-1)``). Raises :class:`BuildError` if ``|c|`` is too large
    for a non-negative shift or so small that it would round to zero at the largest shift.
    """
    c = np.atleast_1d(np.asarray(c, dtype=np.float64))
    limit = (1 << (bits - 1)) - 1
    nonzero = c != 0
    with np.errstate(divide="ignore"):
        exponent = np.where(nonzero, np.floor(np.log2(np.where(nonzero, np.abs(c), 1.0))), 0)
    shift = (bits - 2 - exponent).astype(np.int64)
    if np.any(nonzero & (shift < 0)):
        raise invalid(obj, name, c[nonzero & (shift < 0)],
                      f"is too large for a {bits}-bit coefficient (must be < {2 ** (bits - 2)})",
                      cls=BuildError)
    shift = np.clip(shift, 0, ADEX_MAX_SHIFT)
    mant = np.rint(c * np.exp2(shift)).astype(np.int64)
    # Rounding up to 2**(bits-1) does not fit: use one bit less of precision.
    over = np.abs(mant) > limit
    shift = np.where(over, shift - 1, shift)
    mant = np.where(over, np.rint(c * np.exp2(shift)).astype(np.int64), mant)
    if np.any(nonzero & (mant == 0)):
        raise invalid(obj, name, c[nonzero & (mant == 0)],
                      f"is too small for a {bits}-bit coefficient with a shift of at most "
                      f"{ADEX_MAX_SHIFT}", cls=BuildError)
    mant.setflags(write=False)
    shift.setflags(write=False)
    return FixedCoefficient(mant, shift)


def coefficient_errors(coefficients: dict, exact: dict) -> dict:
    """Name -> largest relative error of each :class:`FixedCoefficient` against the real value
    it stands for (0 where that is 0), for the quantization report."""
    return {name: relative_error(coefficients[name].value(), value) for name, value in exact.items()}


@dataclass(frozen=True)
class AdexQuantized:
    """Result of :func:`adex_integer_parameters`: the chip's parameters and the state LSBs.

    ``v_lsb_mV`` and ``i_lsb_pA`` are the value of one state LSB; one unit of dendritic input
    ``a_in`` is worth ``input_lsb_pA = i_lsb_pA * 2**alignment_shift_bits``.
    """

    params: AdexParams
    table: ExpTable
    v_lsb_mV: float
    i_lsb_pA: float
    input_lsb_pA: float
    E_L: np.ndarray = field(repr=False)

    def state_to_int(self, v, w, i_syn):
        """Float state (mV, pA, pA) -> integer (x, w, i_syn), rounded to nearest."""
        x = np.rint((np.asarray(v, dtype=np.float64) - self.E_L) / self.v_lsb_mV).astype(np.int64)
        w = np.rint(np.asarray(w, dtype=np.float64) / self.i_lsb_pA).astype(np.int64)
        i = np.rint(np.asarray(i_syn, dtype=np.float64) / self.i_lsb_pA).astype(np.int64)
        return x, w, i

    def state_to_float(self, x, w, i_syn):
        """Integer state -> float (V mV, w pA, I_syn pA)."""
        return (self.E_L + np.asarray(x) * self.v_lsb_mV, np.asarray(w) * self.i_lsb_pA,
                np.asarray(i_syn) * self.i_lsb_pA)


def _slice_size(owner: str, values: dict) -> int:
    sizes = {np.asarray(v).shape[0] for v in values.values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise BuildError(f"{owner}: per-neuron arrays have different lengths {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def adex_integer_parameters(params: Mapping[str, object], dt: float, precision, table: ExpTable, *,
                            voltage_range_mV: float | None = None,
                            current_range_pA: float | None = None,
                            synaptic_reach_pA=0.0,
                            coefficient_bits: int = ADEX_COEFFICIENT_BITS,
                            owner: str = "AdEx") -> AdexQuantized:
    """Convert float AdEx parameters into the chip's integer parameter set.

    ``params``: the :class:`~neurocompile.models.AdEx` parameters (scalars or per-neuron arrays,
    e.g. ``model.resolve(n, name)``), units pF, nS, mV, pA, ms. ``dt``: step, ms. ``precision``:
    the target's :class:`~neurocompile.target.Precision`. ``table``: the exp table the cores hold
    (:func:`neurocompile.chip.build_exp_lut` of the target's ``[adex]`` section).

    LSBs are powers of two shared by the slice: ``v_lsb = R / 2**(state_bits-1)`` with ``R`` the
    smallest power of two >= ``voltage_range_mV``, by default ``2 * max |V - E_L|`` over
    ``V_peak``, ``V_reset`` and the table's lowest input. ``i_lsb`` likewise from
    ``current_range_pA``, by default ``4 * max(|I_e| + 2|b| + |a| * span + reach, 250 pA)``
    with ``reach`` = ``synaptic_reach_pA`` (per neuron: the synaptic current one volley of all
    its inputs gives); pass a larger range if input can drive currents beyond that.
    """
    missing = [k for k in _ADEX_KEYS if k not in params]
    if missing:
        raise BuildError(f"{owner}: adex_integer_parameters needs parameters {', '.join(missing)}")
    if not (dt > 0 and math.isfinite(dt)):
        raise invalid(owner, "dt", dt, "must be > 0 ms", cls=BuildError)
    size = _slice_size(owner, {k: params[k] for k in _ADEX_KEYS})
    p = {k: np.broadcast_to(np.asarray(params[k], dtype=np.float64), (size,)) for k in _ADEX_KEYS}
    half = precision.state_half

    span = np.max(np.maximum.reduce([
        np.abs(p["V_peak"] - p["E_L"]), np.abs(p["V_reset"] - p["E_L"]),
        np.abs(p["V_T"] + table.input_min * p["delta_T"] - p["E_L"]), np.ones(size)]))
    v_range = pow2_at_least(voltage_range_mV if voltage_range_mV is not None else 2.0 * span)
    if voltage_range_mV is not None and voltage_range_mV < span:
        raise invalid(owner, "voltage_range_mV", voltage_range_mV,
                      f"must cover max |V - E_L| = {span:g} mV", cls=BuildError)
    v_lsb = v_range / half
    drive = np.max(np.abs(p["I_e"]) + 2.0 * np.abs(p["b"]) + np.abs(p["a"]) * span + synaptic_reach_pA)
    i_range = pow2_at_least(current_range_pA if current_range_pA is not None
                             else 4.0 * max(drive, 250.0))
    i_lsb = i_range / half

    def coef(c, name):
        return quantize_coefficient(c, coefficient_bits, owner, name)

    instant = p["tau_syn"] == 0
    safe_tau_syn = np.where(instant, 1.0, p["tau_syn"])
    x_t = (p["V_T"] - p["E_L"]) / v_lsb
    refractory = p["refractory"] / dt
    if np.any(np.abs(refractory - np.rint(refractory)) > 1e-6):
        raise invalid(owner, "refractory", p["refractory"], f"must be a multiple of dt = {dt:g} ms",
                      cls=BuildError)
    refractory = np.rint(refractory).astype(np.int64)
    if np.any(refractory > precision.max_refractory_steps):
        raise invalid(owner, "refractory", p["refractory"],
                      f"must be at most {precision.max_refractory_steps} steps of {dt:g} ms", cls=BuildError)
    ints = {
        "exp_origin": np.rint(x_t + table.input_min * p["delta_T"] / v_lsb),
        "x_peak": np.rint((p["V_peak"] - p["E_L"]) / v_lsb),
        "x_reset": np.rint((p["V_reset"] - p["E_L"]) / v_lsb),
        "b": np.rint(p["b"] / i_lsb),
        "bias": np.rint(p["I_e"] / i_lsb),
    }
    for name, key in (("b", "b"), ("I_e", "bias")):
        if np.any(np.abs(ints[key]) > precision.saturation_limit):
            raise invalid(owner, name, p[name], f"exceeds the current range +-{i_range:g} pA",
                          cls=BuildError)
    ints = {k: v.astype(np.int64) for k, v in ints.items()}
    ints["refractory_steps"] = refractory
    ints["kind"] = np.full(size, KIND_EXP, dtype=np.int64)
    ints["square_pre"] = np.zeros(size, dtype=np.int64)
    ints["substeps"] = np.ones(size, dtype=np.int64)
    ints["x_u"] = np.zeros(size, dtype=np.int64)
    for arr in ints.values():
        arr.setflags(write=False)
    int_params = AdexParams(
        leak=coef(dt * p["g_L"] / p["C"], "dt*g_L/C"),
        gain=coef(dt * i_lsb / (p["C"] * v_lsb), "dt*I_lsb/(C*V_lsb)"),
        jump=coef(np.where(instant, i_lsb / (p["C"] * v_lsb), 0.0), "I_lsb/(C*V_lsb)"),
        coupling=coef(dt * p["a"] * v_lsb / (p["tau_w"] * i_lsb), "dt*a*V_lsb/(tau_w*I_lsb)"),
        adaptation=coef(dt / p["tau_w"], "dt/tau_w"),
        synapse=coef(np.where(instant, 1.0, -np.expm1(-dt / safe_tau_syn)), "1-exp(-dt/tau_syn)"),
        exp_index=coef(v_lsb * 2.0**ADEX_TABLE_INDEX_FRACTION_BITS / (p["delta_T"] * table.input_step),
                       "V_lsb*2**F/(delta_T*table step)"),
        exp_scale=coef(dt * p["g_L"] * p["delta_T"] / (p["C"] * v_lsb * 2.0**table.fraction_bits),
                       "dt*g_L*delta_T/(C*V_lsb*2**table_fraction_bits)"),
        square=coef(np.zeros(size), "square"),
        **ints,
    )
    e_l = p["E_L"].copy()
    e_l.setflags(write=False)
    return AdexQuantized(int_params, table, v_lsb, i_lsb, i_lsb * 2.0**precision.alignment_shift_bits, e_l)


def clipped_initial_state(population: str, precision, registers: dict) -> list:
    """One :class:`QuantIssue` per initial-state array (name -> integer values) with values
    beyond the state registers' range (the chip clips them)."""
    issues = []
    for name, values in registers.items():
        bad = np.abs(values) > precision.saturation_limit
        if bad.any():
            issues.append(QuantIssue(population, name, int(bad.sum()),
                                     f"initial value outside the {precision.state_bits}-bit state range; clipped"))
    return issues


def quantize_adex(pop, dt: float, precision, table: ExpTable, incoming_abs_weight=0.0) -> QuantizedPopulation:
    """Integer parameters and initial state of an AdEx or ExpIF population (an ExpIF is an
    AdEx without adaptation: ``a = b = 0``, ``w`` stays 0); ``table``: the cores' exp table.

    ``incoming_abs_weight``: per neuron, the sum of |w| (pA) of its incoming synapses; what
    one volley of them adds to ``I_syn`` is within the current register's range (weights into
    an instantaneous synapse or into ``receptors=`` do not reach ``I_syn``)."""
    model = type(pop.model).__name__
    expif = model == "ExpIF"
    params = pop.model.adex_parameters(pop.params) if expif else pop.params
    reaches_i_syn = (params["tau_syn"] > 0) & (not pop.model.has_receptors)
    q = adex_integer_parameters(params, dt, precision, table, owner=f"{model} '{pop.name}'",
                                synaptic_reach_pA=np.where(reaches_i_syn, incoming_abs_weight, 0.0))
    x0, w0, i0 = q.state_to_int(pop.initial["v"], np.zeros(pop.size) if expif else pop.initial["w"],
                                pop.initial.get("I_syn", np.zeros(pop.size)))  # receptors=: no I_syn
    limit = precision.saturation_limit
    issues = clipped_initial_state(pop.name, precision, {"v_init": x0, "w_init": w0, "I_syn_init": i0})
    ones = np.ones(pop.size)
    report = {
        "voltage_lsb_mV": q.v_lsb_mV,
        "current_lsb_pA": q.i_lsb_pA,
        "exp_table": f"{q.table.values.size} entries over [{q.table.input_min:g}, {q.table.input_max:g}]",
        "bias_rel_error": relative_error(q.params.bias * q.i_lsb_pA, pop.params["I_e"]),
    }
    to_physical = {"v": (q.v_lsb_mV, pop.params["E_L"]), "w": (q.i_lsb_pA, 0.0), "I_syn": (q.i_lsb_pA, 0.0)}
    if expif:
        del to_physical["w"]
    return QuantizedPopulation(
        name=pop.name, model=model, size=pop.size, params=q.params,
        state={"x": np.clip(x0, -limit, limit), "w": np.clip(w0, -limit, limit),
               "i_syn": np.clip(i0, -limit, limit)},
        to_physical=to_physical,
        input_gain=ones / q.input_lsb_pA,
        bias_per_unit=ones / q.i_lsb_pA,
        bias_drive=pop.params["I_e"].copy(),
        report=report, issues=tuple(issues))
