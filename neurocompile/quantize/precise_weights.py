"""Weights to the dendrite's full resolution: each synapse as up to two single-sign synapses.

A projection's weights share one exponent and a 9-bit mantissa; a mixed-sign projection keeps
only even mantissas (docs/chip.md section 3.1). A trained network's weights span two orders of
magnitude around both signs, so one mantissa rounds most of them to 1-3 %, which changes
spikes. ``weight_precision="double"`` writes every weight ``w`` (in dendritic input units) as

    w = sign * (hi * 2**e + lo)        hi = floor(|w| / 2**e),  lo = round(|w| - hi * 2**e)

in one projection per sign for ``hi`` (magnitudes 0..255 at the sign's own exponent ``e >= 0``)
and one per sign for the remainder ``lo`` (exponent 0, only where it is not 0). Every weight is
then exact to half a unit of dendritic input, with no floor (no negative exponent), and the
parts are ordinary projections: the chip sums them in the dendrite, the Lava graph gets one
connection each, and placement counts their synapse entries (at most two per synapse).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import BuildError
from .short_term import presynaptic_rules
from .types import QuantizedProjection


def quantize_projection_parts(proj, post_q, precision, max_delay_steps: int) -> tuple:
    """The single-sign parts (hi, lo per sign) of ``proj``, each a :class:`QuantizedProjection`."""
    if proj.max_delay_steps > max_delay_steps:
        raise BuildError(
            f"Projection '{proj.name}': delay = {proj.max_delay_steps * proj.dt:g} ms "
            f"({proj.max_delay_steps} steps) exceeds the target's max_delay_steps = {max_delay_steps}")
    w = proj.weights
    pre = np.repeat(np.arange(w.shape[0], dtype=np.int64), np.diff(w.indptr))
    post = w.indices.astype(np.int64)
    receptor = post_q.channel(proj.receptor)
    rules = presynaptic_rules(proj)  # every part carries the projection's plasticity and gates
    w_eff = w.data * post_q.channel_gain(receptor)[post]  # dendritic input units
    delay = proj.delay_steps
    top = (1 << (precision.weight_mantissa_bits - 1)) - 1
    parts = []
    for sign, label in ((1, "+"), (-1, "-")):
        pick = np.flatnonzero(np.sign(w_eff) == sign)
        if pick.size == 0:
            continue
        magnitude = np.abs(w_eff[pick])
        exp = max(0, int(np.ceil(np.log2(max(magnitude.max(), 1e-300) / top))))
        if exp > precision.weight_exponent_max:
            raise BuildError(
                f"Projection '{proj.name}': its largest weight needs exponent {exp} > weight_exponent_max "
                f"= {precision.weight_exponent_max} even at double precision; use weight_precision='single', "
                "which clips it with a warning")
        hi = np.minimum(np.floor(magnitude / 2.0**exp), top)
        lo = np.rint(magnitude - hi * 2.0**exp)
        carry = lo > top  # cannot happen for exp <= 7 (|lo| <= 2**exp), kept as a guard
        hi, lo = np.where(carry, hi + 1, hi), np.where(carry, 0, lo)
        error = np.abs(hi * 2.0**exp + lo - magnitude)
        report = {"rel_rms_error": float(np.sqrt(np.mean(error**2)) / max(np.sqrt(np.mean(magnitude**2)), 1e-300)),
                  "max_abs_error_units": float(error.max(initial=0.0))}
        parts.append(_part(proj, f"{proj.name}[{label}]", pre[pick], post[pick], sign * hi, delay[pick], exp,
                           sign, report, receptor, rules))
        keep = lo != 0
        if keep.any():
            parts.append(_part(proj, f"{proj.name}[{label}lo]", pre[pick][keep], post[pick][keep],
                               sign * lo[keep], delay[pick][keep], 0, sign, dict(report),
                               receptor, rules))
    return tuple(parts)


def _part(proj, name, pre, post, mant, delay, exp, sign, report, receptor, rules) -> QuantizedProjection:
    """A single-sign projection over the given synapses (CSR over the presynaptic population)."""
    order = np.lexsort((post, pre))  # rows in order; within a row the original order
    pre, post, mant, delay = pre[order], post[order], mant[order], delay[order]
    indptr = np.zeros(proj.pre.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=proj.pre.size), out=indptr[1:])
    report.update(weight_exp=exp, sign_mode="excitatory" if sign > 0 else "inhibitory",
                  mantissa_max=int(np.max(np.abs(mant), initial=0)), synapses_zeroed=0)
    stp, gate, rule_report = rules
    report.update(rule_report)
    return QuantizedProjection(
        name=name, pre=proj.pre.name, post=proj.post.name, indptr=indptr, post_index=post.astype(np.int32),
        weight_mant=mant.astype(np.int16), delay_steps=delay.astype(np.int16), weight_exp=exp,
        sign_mode=report["sign_mode"], report=report, source=proj.name, receptor=receptor,
        stp=stp, gate=gate)


def placement_network(network, quantized):
    """``network`` with each projection that was written in parts replaced by its parts, so
    that placement counts every synapse entry (the same network when none was split)."""
    import copy

    from ..ir.projection import Projection

    parts: dict[str, list] = {}
    for qp in quantized.projections:
        if qp.source and qp.source != qp.name:
            parts.setdefault(qp.source, []).append(qp)
    if not parts:
        return network
    placed = copy.copy(network)
    placed.projections = []
    for proj in network.projections:
        if proj.name not in parts:
            placed.projections.append(proj)
            continue
        for qp in parts[proj.name]:
            weights = sp.csr_matrix((qp.weight_mant.astype(np.float64), qp.post_index, qp.indptr),
                                    shape=proj.weights.shape)
            placed.projections.append(Projection(qp.name, proj.pre, proj.post, proj.rule, weights,
                                                 qp.delay_steps.astype(np.int32), proj.dt, proj.receptor,
                                                 proj.stp))
    return placed
