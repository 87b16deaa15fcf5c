"""Quantize Hodgkin-Huxley populations onto the chip's nonlinear soma (docs/chip.md section 5.9).

The voltage register holds ``x = (V - E_L) / V_lsb``; ``V_lsb`` is the power of two that covers
the gate tables' range and both reversal potentials. The gates are fractions of
:data:`~neurocompile.chip.hh.HH_GATE_BITS` bits; ``I_syn`` and the bias share ``I_lsb``
(uA/cm2), sized on the largest injected current and one volley of the incoming weights. The
gate tables are built once per network from the model's rate functions and ``dt``
(:func:`gate_tables_for`), and every HH population is checked against them: the table range
must hold the reversal potentials and every voltage the float runs reached (``ranges=``), and
the forward-Euler voltage step must stay stable.
"""
from __future__ import annotations

import numpy as np

from ..chip.adex import KIND_HH, AdexParams, FixedCoefficient
from ..chip.hh import HH_GATE_BITS, HH_INDEX_FRACTION_BITS, GateTables, build_gate_tables
from ..errors import BuildError, invalid
from ..models.hh import gate_steady_state
from .adex import clipped_initial_state, coefficient_errors, quantize_coefficient
from .formats import pow2_at_least, relative_error
from .types import QuantizedPopulation

#: Largest ``dt (g_Na + g_K + g_L) / C_m`` the chip's forward-Euler voltage step takes. The
#: squid axon at dt = 0.025 ms is 3.9 (rate error 0.96 %, spike peaks within 0.9 mV of float);
#: at 0.1 ms (15.6) the step diverges (docs/chip.md section 5.9).
HH_MAX_STEP_CONDUCTANCE = 4.0
#: Smallest current range, uA/cm2 (the squid axon's whole f-I curve lies below 100).
MIN_CURRENT_RANGE = 64.0


def gate_tables_for(target, dt: float) -> GateTables:
    """The gate tables every core of ``target`` holds for HH neurons at step ``dt``."""
    section = target.hh
    if section is None:
        raise BuildError(f"target '{target.name}' has no [hh] section (gate tables), so it cannot run HH neurons")
    return build_gate_tables(gate_steady_state, section.gate_table_entries, section.gate_v_min, section.gate_v_max,
                             dt)


def check_table_range(owner: str, tables: GateTables, low, high, what: str) -> None:
    """The voltages ``low..high`` (mV) must lie inside the gate tables' range."""
    low, high = float(np.min(low)), float(np.max(high))
    if low < tables.v_min or high > tables.v_max:
        value = low if low < tables.v_min else high
        raise invalid(owner, what, value,
                      f"mV lies outside the gate tables' range {tables.v_min:g}..{tables.v_max:g} mV (the "
                      "target's [hh] gate_v_min/gate_v_max): the chip would read the end entries there",
                      cls=BuildError)


def quantize_hh(pop, dt: float, precision, tables: GateTables, table_offset: int, incoming_abs_weight,
                injected_abs, reached=None) -> QuantizedPopulation:
    """Integer parameters and initial state of an HH population.

    ``tables``: the cores' gate tables, at ``table_offset`` of the soma's table memory;
    ``incoming_abs_weight``: per neuron, the sum of |w| of its incoming synapses (uA/cm2);
    ``injected_abs``: per neuron, the largest |step current| (uA/cm2); ``reached``: (lowest,
    highest) V of float runs (mV), if the compiler has them.
    """
    owner = f"HH '{pop.name}'"
    p = pop.params
    size = pop.size
    half = precision.state_half
    step_conductance = dt * (p["g_Na"] + p["g_K"] + p["g_L"]) / p["C_m"]
    if np.any(step_conductance > HH_MAX_STEP_CONDUCTANCE):
        raise invalid(owner, "dt", dt,
                      f"ms gives dt (g_Na + g_K + g_L) / C_m = {float(np.max(step_conductance)):.3g}; the chip's "
                      f"forward-Euler voltage step needs at most {HH_MAX_STEP_CONDUCTANCE:g} (dt <= "
                      f"{float(np.min(HH_MAX_STEP_CONDUCTANCE * p['C_m'] / (p['g_Na'] + p['g_K'] + p['g_L']))):.3g} ms "
                      "here); the float reference runs at any dt", cls=BuildError)
    check_table_range(owner, tables, np.minimum(p["E_K"], p["E_L"]), np.maximum(p["E_Na"], p["E_L"]),
                      "reversal potential")
    check_table_range(owner, tables, pop.initial["v"], pop.initial["v"], "v_init")
    if reached is not None:
        check_table_range(owner, tables, reached[0], reached[1], "v reached in the float run")

    e_l = p["E_L"]
    span = np.max(np.abs(np.array([tables.v_min - e_l, tables.v_max - e_l, p["E_Na"] - e_l, p["E_K"] - e_l])))
    v_lsb = pow2_at_least(float(span)) / half
    instant = p["tau_syn"] == 0
    drive = np.abs(p["I_e"]) + injected_abs + np.where(instant, 0.0, incoming_abs_weight)
    i_lsb = pow2_at_least(max(4.0 * float(np.max(drive)), MIN_CURRENT_RANGE)) / half

    def coef(c, name):
        return quantize_coefficient(c, obj=owner, name=name)

    inv_c = 1.0 / p["C_m"]
    exact = {"leak": dt * p["g_L"] * inv_c, "g_na": dt * p["g_Na"] * inv_c, "g_k": dt * p["g_K"] * inv_c,
             "gain": dt * i_lsb * inv_c / v_lsb,
             "gate_index": np.full(size, (tables.entries - 1) * 2.0**HH_INDEX_FRACTION_BITS * v_lsb
                                   / (tables.v_max - tables.v_min))}
    coefficients = {name: coef(value, name) for name, value in exact.items()}
    none = FixedCoefficient(np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64))
    ints = {"x_peak": np.rint((p["V_spike"] - e_l) / v_lsb), "x_na": np.rint((p["E_Na"] - e_l) / v_lsb),
            "x_k": np.rint((p["E_K"] - e_l) / v_lsb), "gate_origin": np.rint((tables.v_min - e_l) / v_lsb),
            "bias": np.rint(p["I_e"] / i_lsb)}
    ints = {k: v.astype(np.int64) for k, v in ints.items()}
    zeros = np.zeros(size, dtype=np.int64)
    ints.update(x_reset=zeros, b=zeros, exp_origin=zeros, refractory_steps=zeros, kind=np.full(size, KIND_HH),
                gate_offset=np.full(size, table_offset, dtype=np.int64),
                gate_entries=np.full(size, tables.entries, dtype=np.int64))
    for arr in ints.values():
        arr.setflags(write=False)
    # tau_syn = 0: V jumps by w * 1 ms / C_m (the model's convention)
    params = AdexParams(jump=coef(np.where(instant, i_lsb * inv_c / v_lsb, 0.0), "1ms*I_lsb/(C_m*V_lsb)"),
                        synapse=coef(np.where(instant, 1.0, -np.expm1(-dt / np.where(instant, 1.0, p["tau_syn"]))),
                                     "1-exp(-dt/tau_syn)"),
                        coupling=none, adaptation=none, exp_index=none, exp_scale=none, **coefficients, **ints)

    one = 1 << HH_GATE_BITS
    state = {"x": np.rint((pop.initial["v"] - e_l) / v_lsb).astype(np.int64), "w": zeros.copy(),
             "i_syn": np.rint(pop.initial["I_syn"] / i_lsb).astype(np.int64)}
    for gate in ("m", "h", "n"):
        state[gate] = np.rint(np.clip(pop.initial[gate], 0.0, 1.0) * one).astype(np.int64)
    issues = clipped_initial_state(pop.name, precision, {"v_init": state["x"], "I_syn_init": state["i_syn"]})
    limit = precision.saturation_limit
    state["x"], state["i_syn"] = (np.clip(state[k], -limit, limit) for k in ("x", "i_syn"))
    errors = coefficient_errors(coefficients, exact)
    report = {"voltage_lsb_mV": v_lsb, "current_lsb": i_lsb, "current_unit": "uA/cm2",
              "coefficient_rel_error": max(errors.values()), "coefficient_errors": errors,
              "gate_tables": f"{tables.entries} entries over [{tables.v_min:g}, {tables.v_max:g}] mV",
              "step_conductance": float(np.max(step_conductance)),
              "bias_rel_error": relative_error(ints["bias"] * i_lsb, p["I_e"])}
    gate_lsb = 1.0 / one
    ones = np.ones(size)
    return QuantizedPopulation(
        name=pop.name, model="HH", size=size, params=params, state=state,
        to_physical={"v": (v_lsb, e_l.copy()), "m": (gate_lsb, 0.0), "h": (gate_lsb, 0.0), "n": (gate_lsb, 0.0),
                     "I_syn": (i_lsb, 0.0)},
        input_gain=ones / (i_lsb * 2.0**precision.alignment_shift_bits),
        bias_per_unit=ones / i_lsb,
        bias_drive=p["I_e"].copy(),
        report=report, issues=tuple(issues))
