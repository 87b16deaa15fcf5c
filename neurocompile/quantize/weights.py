"""Quantize projection weights to signed mantissas with one shared exponent per projection.

The mantissa range follows Lava's Dense (``num_weight_bits = 8``): a projection whose
weights all have one sign uses magnitudes 0..2^(b-1)-1; a mixed-sign one uses even values in
[-2^(b-1), 2^(b-1)-2] (Loihi drops one bit for the sign). The exponent is the smallest that
fits the largest weight, so the largest weights use all mantissa bits.

A negative exponent is avoided unless the weights need it: the dendrite shifts each step's
summed mantissas with a floor, so for sparse input (rarely more than one spike per synapse
slot and step) a negative exponent loses as much as rounding the weight at exponent 0, while
costing the floor's systematic negative bias (measured on CUBA: chip rates 4-6 % below float
with exponent -3, within 0.5 % with exponent 0). The weights need it when exponent 0 would
zero a non-zero weight: a lone spike of such a weight is lost either way, but the floored sum
of coincident spikes keeps their total.
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError
from .short_term import presynaptic_rules, stp_resolution_issues
from .synapse_sums import CHUNK, chunks, effective_extremes, needs_negative_exponent, quantize_chunk
from .types import QuantizedProjection, QuantIssue

def mantissa_range(mode: str, bits: int) -> tuple[int, int]:
    """Smallest and largest mantissa of a projection's sign ``mode`` (module docstring): single
    sign 0..2^(b-1)-1 (negated for inhibitory), mixed even values in -2^(b-1)..2^(b-1)-2."""
    top = (1 << (bits - 1)) - 1
    if mode == "excitatory":
        return 0, top
    if mode == "inhibitory":
        return -top, 0
    return -(top + 1), top - 1


def quantize_projection(proj, post_q, precision, max_delay_steps: int, strict: bool) -> QuantizedProjection:
    """Integer form of ``proj`` for a post population quantized as ``post_q``."""
    issues: list[QuantIssue] = []
    if proj.max_delay_steps > max_delay_steps:
        raise BuildError(
            f"Projection '{proj.name}': delay = {proj.max_delay_steps * proj.dt:g} ms "
            f"({proj.max_delay_steps} steps) exceeds the target's max_delay_steps = {max_delay_steps}")
    w = proj.weights.data
    post = proj.weights.indices
    delay = proj.delay_steps
    receptor = post_q.channel(proj.receptor)
    gain_of = post_q.channel_gain(receptor)
    bits = precision.weight_mantissa_bits
    # Effective weights w * gain[post] (dendritic input LSBs, before the exponent) are never
    # stored: the compiled passes (synapse_sums.py) recompute them (networks have 10^8 synapses).
    w = np.asarray(w, dtype=np.float64)
    gain_of = np.ascontiguousarray(gain_of, dtype=np.float64)
    lowest_eff, highest_eff, peak = effective_extremes(w, gain_of, post)
    if w.size == 0 or peak == 0.0:
        mode = "excitatory"
    elif lowest_eff >= 0:
        mode = "excitatory"
    elif highest_eff <= 0:
        mode = "inhibitory"
    else:
        mode = "mixed"
    lowest, highest = mantissa_range(mode, bits)
    # the largest magnitude the exponent is chosen to fit (mixed: the positive side's, which is 2 less)
    top = highest if mode == "mixed" else max(-lowest, highest)
    step = 2 if mode == "mixed" else 1

    if peak == 0.0:
        exp = precision.weight_exponent_min
    else:
        exp = int(np.ceil(np.log2(peak / top)))
        exp += int(np.rint(peak / 2.0**exp / step) * step > top)
        exp = max(exp, precision.weight_exponent_min)
        if exp < 0 <= precision.weight_exponent_max and not needs_negative_exponent(w, gain_of, post, float(step)):
            exp = 0
    if exp > precision.weight_exponent_max:
        n_clip = sum(int(np.sum(np.abs(w[part] * gain_of[post[part]]) > top * 2.0**precision.weight_exponent_max))
                     for part in chunks(w.size))
        message = (f"largest weight needs exponent {exp} > weight_exponent_max = "
                   f"{precision.weight_exponent_max}; {n_clip} synapse(s) clipped to "
                   f"{top * 2.0 ** precision.weight_exponent_max:g} input LSBs")
        if strict:
            raise BuildError(f"Projection '{proj.name}': {message}")
        issues.append(QuantIssue(proj.name, "weight", n_clip, message))
        exp = precision.weight_exponent_max
    mant = np.empty(w.size, dtype=np.int16)
    lost, error_sq, target_sq = 0, 0.0, 0.0
    # squared errors and weights of one chunk, summed by numpy (its pairwise order, as always)
    error_buffer, target_buffer = np.empty(min(w.size, CHUNK)), np.empty(min(w.size, CHUNK))
    for part in chunks(w.size):
        start, stop = part.start, min(part.stop, w.size)
        lost += quantize_chunk(w, gain_of, post, start, stop, 2.0**exp, float(step), float(lowest), float(highest),
                               mant, error_buffer, target_buffer)
        error_sq += float(np.sum(error_buffer[:stop - start]))
        target_sq += float(np.sum(target_buffer[:stop - start]))
    if lost:
        issues.append(QuantIssue(proj.name, "weight", lost,
                                 "weights smaller than half an LSB of the shared exponent became 0"))
    rms = float(np.sqrt(error_sq / w.size) / max(np.sqrt(target_sq / w.size), 1e-300)) if w.size else 0.0
    stp, gate, rule_report = presynaptic_rules(proj)
    if stp is not None and w.size:
        issues.extend(stp_resolution_issues(proj.name, mant, exp))
    report = {"rel_rms_error": rms, "weight_exp": exp, "sign_mode": mode,
              "synapses_zeroed": lost, "mantissa_max": int(np.max(np.abs(mant), initial=0)), **rule_report}
    return QuantizedProjection(
        name=proj.name, pre=proj.pre.name, post=proj.post.name,
        indptr=proj.weights.indptr.astype(np.int64, copy=False),
        post_index=post.astype(np.int32, copy=False),
        weight_mant=mant, delay_steps=delay.astype(np.int16), weight_exp=exp, sign_mode=mode,
        report=report, issues=tuple(issues), receptor=receptor, stp=stp, gate=gate)
