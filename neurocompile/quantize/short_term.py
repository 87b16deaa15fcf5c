"""Quantize a projection's short-term plasticity onto the chip's rule (docs/chip.md section 3.4)."""
from __future__ import annotations

import numpy as np

from ..chip.short_term import STP_DECAY_BITS, STP_FRACTION_BITS
from .formats import decay_constant


def quantize_stp(stp, dt: float) -> tuple[np.ndarray | None, dict]:
    """``(row, report)``: the projection's :data:`~neurocompile.chip.short_term.STP_COLUMNS`
    row (int64; None without plasticity) and the realised parameters."""
    if stp is None:
        return None, {}
    big_u = int(np.clip(np.rint(float(stp.U) * (1 << STP_FRACTION_BITS)), 1, 1 << STP_FRACTION_BITS))
    d_fac, tau_fac = decay_constant(np.asarray(float(stp.tau_fac)), dt, STP_DECAY_BITS)
    d_rec, tau_rec = decay_constant(np.asarray(float(stp.tau_rec)), dt, STP_DECAY_BITS)
    row = np.array([big_u, int(d_fac), int(d_rec)], dtype=np.int64)
    report = {"U": (float(stp.U), big_u / (1 << STP_FRACTION_BITS)),
              "tau_rec": (float(stp.tau_rec), float(tau_rec)), "tau_fac": (float(stp.tau_fac), float(tau_fac))}
    return row, report


#: Synapse values (input LSBs) below which short-term plasticity's scaled values are coarse.
STP_MIN_LEVELS = 256


def stp_resolution_issues(name: str, mant: np.ndarray, exp: int) -> list:
    """An issue when the projection's synapse values are too few input LSBs for their
    efficacy-scaled values (which the chip rounds to whole LSBs) to keep the efficacy's shape."""
    from .types import QuantIssue

    largest = float(np.max(np.abs(mant), initial=0)) * 2.0**max(exp, 0)
    if largest >= STP_MIN_LEVELS:
        return []
    return [QuantIssue(name, "short-term plasticity", int(mant.size),
                       f"synapse values are at most {largest:.0f} input LSBs; scaled by an efficacy of 0.1 they "
                       f"keep about {largest / 10:.0f} levels. Give the post model receptors= (receptor elements "
                       "keep up to 16 more bits of the input)")]


def quantize_gate(proj, dt: float) -> tuple[np.ndarray | None, dict]:
    """``(row, report)``: the NMDA gate of a projection onto a gated receptor (docs/chip.md
    section 3.5) as a :data:`~neurocompile.chip.nmda.GATE_COLUMNS` row (None otherwise)."""
    from ..chip.nmda import GATE_DECAY_BITS
    from .adex import quantize_coefficient

    receptor = proj.post.model.receptors.get(proj.receptor)
    if not getattr(receptor, "gated", False):
        return None, {}
    tau_rise, tau_decay, alpha = float(receptor.tau_rise), float(receptor.tau_decay), float(receptor.alpha)
    a = alpha * tau_rise * -np.expm1(-dt / tau_rise)
    coefficient = quantize_coefficient(a, 16, f"Projection '{proj.name}'", "NMDA alpha tau_rise (1 - e^(-dt/tau_rise))")
    d_rise, rise_eff = decay_constant(np.asarray(tau_rise), dt, GATE_DECAY_BITS)
    d_decay, decay_eff = decay_constant(np.asarray(tau_decay), dt, GATE_DECAY_BITS)
    row = np.array([int(coefficient.mant[0]), int(coefficient.shift[0]), int(d_rise), int(d_decay)], dtype=np.int64)
    realised = float(coefficient.mant[0]) / 2.0**int(coefficient.shift[0])
    report = {"a": (a, realised), "tau_rise": (tau_rise, float(rise_eff)), "tau_decay": (tau_decay, float(decay_eff))}
    return row, report


def presynaptic_rules(proj) -> tuple[np.ndarray | None, np.ndarray | None, dict]:
    """``(stp, gate, report)``: the projection's short-term plasticity and NMDA gate rows
    (None where it has neither) and their report entries (``"stp"``, ``"nmda_gate"``)."""
    stp, stp_report = quantize_stp(proj.stp, proj.dt)
    gate, gate_report = quantize_gate(proj, proj.dt)
    report = {}
    if stp is not None:
        report["stp"] = stp_report
    if gate is not None:
        report["nmda_gate"] = gate_report
    return stp, gate, report
