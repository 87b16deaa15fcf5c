"""Quantize AdEx populations onto the chip's fixed-point AdEx soma (docs/chip.md section 6).

The integer parameter set, the exp() lookup table and the state LSBs come from
:func:`neurocompile.emu.arith.adex_integer_parameters`, the single place that defines the
chip's AdEx arithmetic; this module adds what the compiler needs around it: the weight gain,
the initial state, the bias for step currents and the report.
"""
from __future__ import annotations

import numpy as np

from ..emu.arith import SomaFormat, adex_integer_parameters
from ..errors import BuildError
from .types import QuantizedPopulation, QuantIssue


def quantize_adex(pop, dt: float, target) -> QuantizedPopulation:
    """Integer parameters and initial state of an AdEx population on ``target``."""
    if target.adex is None:
        raise BuildError(f"Population '{pop.name}': target '{target.name}' has no [adex] table")
    fmt = SomaFormat.from_precision(target.precision)
    q = adex_integer_parameters(pop.params, dt, fmt, exp_table=target.adex, owner=f"AdEx '{pop.name}'")
    x0, w0, i0 = q.state_to_int(pop.initial["v"], pop.initial["w"], pop.initial["I_syn"])
    limit = fmt.saturation_limit
    issues = []
    for name, arr in (("v_init", x0), ("w_init", w0), ("I_syn_init", i0)):
        bad = np.abs(arr) > limit
        if bad.any():
            issues.append(QuantIssue(pop.name, name, int(bad.sum()),
                                     f"initial value outside the {fmt.state_bits}-bit state range; clipped"))
    ones = np.ones(pop.size)
    report = {
        "voltage_lsb_mV": q.v_lsb_mV,
        "current_lsb_pA": q.i_lsb_pA,
        "exp_table": f"{q.table.values.size} entries over [{q.table.input_min:g}, {q.table.input_max:g}]",
        "bias_rel_error": float(np.max(np.abs(q.params.bias * q.i_lsb_pA - pop.params["I_e"])
                                       / np.maximum(np.abs(pop.params["I_e"]), 1e-12),
                                       where=np.abs(pop.params["I_e"]) > 0, initial=0.0)),
    }
    return QuantizedPopulation(
        name=pop.name, model="AdEx", size=pop.size, params={"adex": q},
        state={"x": np.clip(x0, -limit, limit), "w": np.clip(w0, -limit, limit),
               "i_syn": np.clip(i0, -limit, limit)},
        to_physical={"v": (q.v_lsb_mV, pop.params["E_L"]), "w": (q.i_lsb_pA, 0.0),
                     "I_syn": (q.i_lsb_pA, 0.0)},
        input_gain=ones / q.input_lsb_pA,
        bias_per_unit=ones / q.i_lsb_pA,
        bias_drive=pop.params["I_e"].copy(),
        report=report, issues=tuple(issues))
