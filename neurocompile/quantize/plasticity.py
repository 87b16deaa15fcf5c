"""Quantize a plastic projection onto the chip's learning rule (docs/chip.md section 3.6).

The projection's exponent is chosen for ``w_max`` (the largest weight learning can reach), so
that ``w_max`` uses the whole excitatory mantissa. Each synapse gets a plastic weight register
``W`` with ``F`` more fraction bits (the target's ``[learning] weight_fraction_bits``), its
delivered mantissa ``(W + 2**(F-1)) >> F``; the bounds become ``W_min``, ``W_max`` in register
units, the trace time constants 12-bit keeps and the learning rates 16-bit coefficients.
"""
from __future__ import annotations

import numpy as np

from ..chip.learning import (LEARNING_COLUMNS, L_A_MINUS_MANT, L_A_MINUS_SHIFT, L_A_PLUS_MANT, L_A_PLUS_SHIFT,
                             L_FRACTION_BITS, L_KEEP_X, L_KEEP_Y, L_RULE, L_W_MAX, L_W_MIN, RATE_BITS, RULES,
                             TRACE_DECAY_BITS, delivered_mantissas)
from ..errors import BuildError
from .adex import quantize_coefficient
from .formats import decay_constant
from .types import QuantizedProjection
from .weights import mantissa_range


def check_plastic_projections(network, target) -> None:
    """Raise BuildError for a plastic projection the chip cannot learn: a target without STDP
    (its ``[models]`` and ``[learning]``), STDP together with short-term plasticity, or onto an
    NMDA receptor."""
    for proj in network.projections:
        if proj.plasticity is None:
            continue
        owner = f"Projection '{proj.name}'"
        target.require_model(type(proj.plasticity).__name__, owner)
        if proj.stp is not None:
            raise BuildError(f"{owner}: STDP together with short-term plasticity (stp=) is not a rule the chip has; "
                             "give the projection one of them")
        receptor = proj.post.model.receptors.get(proj.receptor) if proj.post.model.has_receptors else None
        if getattr(receptor, "gated", False):
            raise BuildError(f"{owner}: STDP onto the NMDA receptor '{proj.receptor}' is not a rule the chip has "
                             "(its gates send graded rises, not weights); make a non-gated receptor plastic")


def synapse_entries(proj, target) -> int:
    """Synapse-memory entries the projection takes: a plastic synapse takes the target's
    ``[learning] plastic_synapse_entries``, any other one."""
    if proj.plasticity is None or target.learning is None:
        return int(proj.weights.nnz)
    return int(proj.weights.nnz) * target.learning.plastic_synapse_entries


def _uniform_gain(proj, gain: np.ndarray) -> float:
    """The one dendritic gain of the projection's postsynaptic neurons: the chip's bounds are
    per projection, so every synapse must scale a weight alike."""
    used = gain[np.unique(proj.weights.indices)] if proj.weights.nnz else gain[:1]
    if used.size and not np.allclose(used, used[0], rtol=1e-9, atol=0.0):
        raise BuildError(f"Projection '{proj.name}': STDP on the chip needs one weight scale for all its "
                         f"postsynaptic neurons, but the post population's input gains range from "
                         f"{used.min():g} to {used.max():g} LSB per weight unit (heterogeneous parameters); "
                         "give the post neurons one set of parameters")
    return float(used[0]) if used.size else 1.0


def epoch_window_loss(epoch_log2: int, dt: float, tau: float) -> float:
    """The largest relative shrink of one pairing's weight change that learning epochs of
    ``2**epoch_log2`` steps cause, against the per-step chip rule, for a pair at least an epoch
    apart (docs/chip.md section 3.6): its later spike's trace is read up to ``E - 1`` steps
    later, at the epoch's end, so ``1 - exp(-(E - 1) dt / tau)`` (``dt``, ``tau`` in ms; the
    realised trace time constant). 0 for epochs of one step."""
    return float(1.0 - np.exp(-((1 << epoch_log2) - 1) * dt / tau))


def quantize_plastic_projection(proj, post_q, precision, learning, max_delay_steps: int) -> QuantizedProjection:
    """Integer form of the plastic projection ``proj`` (module docstring), with its learning
    row (:data:`~neurocompile.chip.learning.LEARNING_COLUMNS`) and initial registers; the
    projection has passed :func:`check_plastic_projections`."""
    rule = proj.plasticity
    owner = f"Projection '{proj.name}'"
    if learning is None:
        raise BuildError(f"{owner}: the target has no learning engine (section [learning]), so STDP cannot run on it")
    if proj.max_delay_steps > max_delay_steps:
        raise BuildError(f"{owner}: delay = {proj.max_delay_steps * proj.dt:g} ms ({proj.max_delay_steps} steps) "
                         f"exceeds the target's max_delay_steps = {max_delay_steps}")
    receptor = post_q.channel(proj.receptor)
    gain = _uniform_gain(proj, post_q.channel_gain(receptor))
    _, top = mantissa_range("excitatory", precision.weight_mantissa_bits)
    peak = float(rule.w_max) * gain  # dendritic input LSBs of w_max
    exp = int(np.ceil(np.log2(peak / top)))
    if exp > precision.weight_exponent_max or exp < precision.weight_exponent_min:
        limit = top * 2.0 ** (precision.weight_exponent_max if exp > 0 else precision.weight_exponent_min)
        raise BuildError(f"{owner}: STDP's w_max = {float(rule.w_max):g} is {peak:g} input LSBs, which needs weight "
                         f"exponent {exp}, outside {precision.weight_exponent_min}..{precision.weight_exponent_max} "
                         f"(the largest mantissa {top} reaches {limit:g} LSBs there); rescale the weights")
    bits = learning.weight_fraction_bits
    unit = 2.0**exp / (1 << bits)  # input LSBs of one register unit
    w_max = min(int(np.rint(peak / unit)), top << bits)
    w_min = int(np.rint(float(rule.w_min) * gain / unit))
    w = proj.weights.data
    register = np.clip(np.rint(w * gain / unit), w_min, w_max).astype(np.int32)
    mant = delivered_mantissas(register, bits).astype(np.int16)
    keep = []
    realised_tau = []
    for tau in (float(rule.tau_plus), float(rule.tau_minus)):
        d, tau_eff = decay_constant(np.asarray(tau), proj.dt, TRACE_DECAY_BITS)
        keep.append((1 << TRACE_DECAY_BITS) - int(d))
        realised_tau.append(float(tau_eff))
    if min(keep) == 0:
        raise BuildError(f"{owner}: STDP's trace time constants ({float(rule.tau_plus):g}, {float(rule.tau_minus):g} "
                         f"ms) are too short for dt = {proj.dt:g} ms: a 12-bit decay keeps nothing after one step")
    rates = [quantize_coefficient(float(a), RATE_BITS, owner, name) if float(a) > 0 else None
             for a, name in ((rule.A_plus, "STDP A_plus"), (rule.A_minus, "STDP A_minus"))]
    row = np.zeros(len(LEARNING_COLUMNS), dtype=np.int64)
    row[L_RULE] = RULES[rule.rule]
    row[L_KEEP_X], row[L_KEEP_Y] = keep
    for (mant_col, shift_col), rate in zip(((L_A_PLUS_MANT, L_A_PLUS_SHIFT), (L_A_MINUS_MANT, L_A_MINUS_SHIFT)), rates):
        row[mant_col], row[shift_col] = (int(rate.mant[0]), int(rate.shift[0])) if rate is not None else (0, 1)
    row[L_W_MIN], row[L_W_MAX], row[L_FRACTION_BITS] = w_min, w_max, bits
    realised_rate = [float(r.mant[0]) / 2.0 ** int(r.shift[0]) if r is not None else 0.0 for r in rates]
    error = register * unit - w * gain
    report = {"rel_rms_error": float(np.sqrt(np.mean(error**2)) / max(np.sqrt(np.mean((w * gain) ** 2)), 1e-300))
              if w.size else 0.0,
              "weight_exp": exp, "sign_mode": "excitatory", "synapses_zeroed": int(np.sum((mant == 0) & (w != 0))),
              "mantissa_max": int(np.max(mant, initial=0)),
              "stdp": {"tau_plus": (float(rule.tau_plus), realised_tau[0]),
                       "tau_minus": (float(rule.tau_minus), realised_tau[1]),
                       "A_plus": (float(rule.A_plus), realised_rate[0]),
                       "A_minus": (float(rule.A_minus), realised_rate[1]),
                       "w_max": (float(rule.w_max), w_max * unit / gain),
                       "w_min": (float(rule.w_min), w_min * unit / gain),
                       "weight_step": unit / gain}}
    return QuantizedProjection(
        name=proj.name, pre=proj.pre.name, post=proj.post.name,
        indptr=proj.weights.indptr.astype(np.int64, copy=False),
        post_index=proj.weights.indices.astype(np.int32, copy=False),
        weight_mant=mant, delay_steps=proj.delay_steps.astype(np.int16), weight_exp=exp, sign_mode="excitatory",
        report=report, receptor=receptor, learning=row, plastic_weight=register)
