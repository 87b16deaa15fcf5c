"""Quantize projection weights to signed mantissas with one shared exponent per projection.

The mantissa range follows Lava's Dense (``num_weight_bits = 8``): a projection whose
weights all have one sign uses magnitudes 0..2^(b-1)-1; a mixed-sign one uses even values in
[-2^(b-1), 2^(b-1)-2] (Loihi drops one bit for the sign). The exponent is the smallest that
fits the largest weight, so the largest weights use all mantissa bits.

Synaptic current decays truncate toward zero every step, which removes on average half an
LSB per step from each postsynaptic current and shrinks the PSP area of small inputs. Like
nengo-loihi, we correct this systematic loss: the integer decay series of the projection's
typical input is compared with the exact one and the weights are scaled by the ratio.
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError
from .types import QuantizedProjection, QuantIssue

#: The decay series correction is applied when it changes the typical PSP area by more than this.
SERIES_CORRECTION_MIN = 1e-4


def decay_series_sum(u0: float, keep_numerator: int, unity_bits: int, max_steps: int = 100_000) -> float:
    """Sum over steps of an integer current that starts at ``u0`` and decays with truncation."""
    u, total = int(u0), 0
    for _ in range(max_steps):
        if u == 0:
            break
        total += u
        u = (abs(u) * keep_numerator >> unity_bits) * (1 if u > 0 else -1)
    return float(total)


def quantize_projection(proj, post_q, precision, max_delay_steps: int, strict: bool) -> QuantizedProjection:
    """Integer form of ``proj`` for a post population quantized as ``post_q``."""
    issues: list[QuantIssue] = []
    if proj.max_delay_steps > max_delay_steps:
        raise BuildError(
            f"Projection '{proj.name}': delay = {proj.max_delay_steps * proj.dt:g} ms "
            f"({proj.max_delay_steps} steps) exceeds the target's max_delay_steps = {max_delay_steps}")
    pre, post, w, delay = proj.synapse_arrays()
    gain = post_q.input_gain[post]
    w_eff = w * gain  # dendritic input LSBs, before the exponent
    bits = precision.weight_mantissa_bits
    if w_eff.size == 0 or np.all(w_eff == 0):
        mode = "excitatory"
    elif np.all(w_eff >= 0):
        mode = "excitatory"
    elif np.all(w_eff <= 0):
        mode = "inhibitory"
    else:
        mode = "mixed"
    top = (1 << (bits - 1)) - 1 if mode != "mixed" else (1 << (bits - 1)) - 2
    step = 2 if mode == "mixed" else 1

    w_eff = w_eff * _series_correction(w_eff, post_q, post, precision)
    peak = float(np.max(np.abs(w_eff))) if w_eff.size else 0.0
    if peak == 0.0:
        exp = precision.weight_exponent_min
    else:
        exp = int(np.ceil(np.log2(peak / top)))
        exp += int(np.rint(peak / 2.0**exp / step) * step > top)
        exp = max(exp, precision.weight_exponent_min)
    if exp > precision.weight_exponent_max:
        n_clip = int(np.sum(np.abs(w_eff) > top * 2.0**precision.weight_exponent_max))
        message = (f"largest weight needs exponent {exp} > weight_exponent_max = "
                   f"{precision.weight_exponent_max}; {n_clip} synapse(s) clipped to "
                   f"{top * 2.0 ** precision.weight_exponent_max:g} input LSBs")
        if strict:
            raise BuildError(f"Projection '{proj.name}': {message}")
        issues.append(QuantIssue(proj.name, "weight", n_clip, message))
        exp = precision.weight_exponent_max
    lowest = -top if mode != "mixed" else -(top + 2)  # mixed: -2^(b-1) is representable
    mant = np.clip(np.rint(w_eff / 2.0**exp / step) * step, lowest, top).astype(np.int16)
    realised = mant * 2.0**exp
    nonzero = w != 0
    lost = int(np.sum((mant == 0) & nonzero))
    if lost:
        issues.append(QuantIssue(proj.name, "weight", lost,
                                 "weights smaller than half an LSB of the shared exponent became 0"))
    rms = float(np.sqrt(np.mean((realised - w_eff) ** 2)) / max(np.sqrt(np.mean(w_eff**2)), 1e-300)) \
        if w_eff.size else 0.0
    report = {"rel_rms_error": rms, "weight_exp": exp, "sign_mode": mode,
              "synapses_zeroed": lost, "mantissa_max": int(np.max(np.abs(mant), initial=0))}
    return QuantizedProjection(
        name=proj.name, pre=proj.pre.name, post=proj.post.name,
        indptr=proj.weights.indptr.astype(np.int64), post_index=post.astype(np.int32),
        weight_mant=mant, delay_steps=delay.astype(np.int16), weight_exp=exp, sign_mode=mode,
        report=report, issues=tuple(issues))


def _series_correction(w_eff, post_q, post, precision) -> np.ndarray:
    """Per-synapse factor restoring the PSP area lost to truncated current decays (LIF/LI)."""
    if post_q.model not in ("LIF", "LI") or w_eff.size == 0:
        return np.ones_like(w_eff)
    du = post_q.params["du"][post]
    unity_bits = precision.decay_bits
    unity = 1 << unity_bits
    shift = precision.alignment_shift_bits
    factors = np.ones_like(w_eff)
    for d in np.unique(du):
        sel = du == d
        keep = unity - (int(d) + 1)
        if keep <= 0:
            continue  # instantaneous synapse: no decay series
        typical = float(np.median(np.abs(w_eff[sel])))
        u0 = max(1, int(round(typical))) << shift
        exact = u0 / (1.0 - keep / unity)
        ratio = exact / decay_series_sum(u0, keep, unity_bits)
        if abs(ratio - 1.0) > SERIES_CORRECTION_MIN:
            factors[sel] = ratio
    return factors
