"""The chip's receptor elements (docs/chip.md section 4.5): a neuron's synaptic inputs beyond
its soma's built-in current, one element per (neuron, receptor).

An element has its own dendritic accumulator (projections onto that receptor add their
weights there), two registers ``r0`` and ``r1`` and a row of :data:`RECEPTOR_COLUMNS`. Each
step, before the somas update, with ``q = a_in << S``::

    r0' = sat(decay(r0, decay0) + R(r1 * couple) + (input_to == 0 ? q : 0))
    r1' = sat(decay(r1, decay1) + (input_to == 1 ? q : 0))
    current kind:      c = sat(R(r0' * mean0))
    conductance kind:  G = R(r0' * mean0) + R(r1' * mean1)
                       c = sat((G * (e_rev - v) + 2**(F-1)) >> F)
    with a magnesium block (block_offset >= 0):
                       k = clamp((v - block_origin) >> block_shift, 0, block_size - 1)
                       c = sat(((G * (e_rev - v) + 2**(F-1)) >> F) * lut[block_offset + k] + 2**15) >> 16)

A conductance also reports its load ``G >> (F - 20)`` (times the block), summed per owner: a
LIF owner relaxes by exponential Euler with it (:mod:`.relaxation`).
``decay(x, d) = sign(p) (|p| >> 24)``, ``p = x (2**24 - d)``: the LIF decay of section 4.2
with 24 bits (it reaches 0). ``R(x * c)`` is the rounding multiply of section 5.2 (16-bit
mantissa, right shift). ``v`` is the owner's voltage register before this step's update
(LIF ``v``, AdEx ``x``), ``F`` the column ``drive_shift``. The owner adds the sum of its
elements' ``c`` to its update: the LIF to ``v`` (with ``u`` and the bias), the AdEx to its
input current (with ``i``, ``-w`` and the bias). ``r1`` couples into ``r0`` with its value
before this step's input: the rise of a dual exponential. Written once here, called by the
emulator's kernel, its step-by-step engine and the Lava process.
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from .numbers import coefficient_element, decay_element, saturate_element
from .relaxation import conductance_load

#: Fraction bits of an element's decays (``decay(x, d)`` keeps ``x (2**24 - d) / 2**24``).
RECEPTOR_DECAY_BITS = 24
#: The registers of an element and what they hold (current or conductance, and the rise).
RECEPTOR_REGISTERS = ("r0", "r1")
#: Element kinds.
CURRENT_KIND, CONDUCTANCE_KIND = 0, 1
#: Columns of an element's parameter row.
RECEPTOR_COLUMNS = ("kind", "input_to", "decay0", "decay1", "couple.mant", "couple.shift", "mean0.mant",
                    "mean0.shift", "mean1.mant", "mean1.shift", "e_rev", "drive_shift", "block_offset",
                    "block_origin", "block_shift", "block_size")
(R_KIND, R_INPUT_TO, R_DECAY0, R_DECAY1, R_COUPLE, R_COUPLE_SHIFT, R_MEAN0, R_MEAN0_SHIFT, R_MEAN1,
 R_MEAN1_SHIFT, R_E_REV, R_DRIVE_SHIFT, R_BLOCK_OFFSET, R_BLOCK_ORIGIN, R_BLOCK_SHIFT,
 R_BLOCK_SIZE) = range(len(RECEPTOR_COLUMNS))
#: Fraction bits of the magnesium-block table's entries (``2**16`` = unblocked).
BLOCK_FRACTION_BITS = 16
#: Overflow bits returned by :func:`receptor_element`.
RECEPTOR_OVERFLOW_R0, RECEPTOR_OVERFLOW_R1, RECEPTOR_OVERFLOW_C = 1, 2, 4


@njit(inline="always")
def receptor_element(r0, r1, a_in, v, row, lut, shift, limit):
    """One element's update (module docstring); ``row``: its :data:`RECEPTOR_COLUMNS`.

    Returns ``(r0, r1, contribution, overflow, r0_raw, r1_raw, c_raw, load)``: ``overflow`` has
    the ``RECEPTOR_OVERFLOW_*`` bits of the registers that saturated, the raw values are those
    before saturation (strict-mode messages); ``load`` is a conductance's ``G / 2**F`` (times
    its block) with 20 fraction bits, its share of the owner's relaxation (:mod:`.relaxation`),
    0 for a current.
    """
    return receptor_update(r0, r1, a_in, v, row[R_KIND], row[R_INPUT_TO], row[R_DECAY0], row[R_DECAY1],
                           row[R_COUPLE], row[R_COUPLE_SHIFT], row[R_MEAN0], row[R_MEAN0_SHIFT], row[R_MEAN1],
                           row[R_MEAN1_SHIFT], row[R_E_REV], row[R_DRIVE_SHIFT], row[R_BLOCK_OFFSET],
                           row[R_BLOCK_ORIGIN], row[R_BLOCK_SHIFT], row[R_BLOCK_SIZE], lut, shift, limit)


@njit(inline="always")
def receptor_update(r0, r1, a_in, v, kind, input_to, decay0, decay1, couple, couple_shift, mean0, mean0_shift,
                    mean1, mean1_shift, e_rev, drive_shift, block_offset, block_origin, block_shift, block_size,
                    lut, shift, limit):
    """:func:`receptor_element` with the row's columns as scalars (callers that update many
    elements of one row pass them once); ``lut``: the magnesium-block tables."""
    q = a_in << shift
    into0 = q if input_to == 0 else 0
    into1 = q if input_to == 1 else 0
    r0_raw = (decay_element(r0, decay0, RECEPTOR_DECAY_BITS) + coefficient_element(r1, couple, couple_shift)
              + into0)
    r1_raw = decay_element(r1, decay1, RECEPTOR_DECAY_BITS) + into1
    overflow = 0
    if r0_raw < -limit or r0_raw > limit:
        overflow |= RECEPTOR_OVERFLOW_R0
    if r1_raw < -limit or r1_raw > limit:
        overflow |= RECEPTOR_OVERFLOW_R1
    r0_new = saturate_element(r0_raw, -limit, limit)
    r1_new = saturate_element(r1_raw, -limit, limit)
    weighted = coefficient_element(r0_new, mean0, mean0_shift)
    load = 0
    if kind == CURRENT_KIND:
        c_raw = weighted
    else:
        total = weighted + coefficient_element(r1_new, mean1, mean1_shift)
        c_raw = (total * (e_rev - v) + ((1 << drive_shift) >> 1)) >> drive_shift
        load = conductance_load(total, drive_shift)
        if block_offset >= 0:
            k = min(max((v - block_origin) >> block_shift, 0), block_size - 1)
            c_raw = (c_raw * lut[block_offset + k] + (1 << (BLOCK_FRACTION_BITS - 1))) >> BLOCK_FRACTION_BITS
            load = (load * lut[block_offset + k] + (1 << (BLOCK_FRACTION_BITS - 1))) >> BLOCK_FRACTION_BITS
    if c_raw < -limit or c_raw > limit:
        overflow |= RECEPTOR_OVERFLOW_C
    return r0_new, r1_new, saturate_element(c_raw, -limit, limit), overflow, r0_raw, r1_raw, c_raw, load


@njit
def _receptor_loop(r0, r1, a_in, v, table, lut, shift, limit, r0_out, r1_out, c_out, overflow, r0_raw, r1_raw,
                   c_raw, load):
    for k in range(r0.size):
        (r0_out[k], r1_out[k], c_out[k], overflow[k], r0_raw[k], r1_raw[k], c_raw[k], load[k]) = receptor_element(
            r0[k], r1[k], a_in[k], v[k], table[k], lut, shift, limit)


def receptor_step(r0, r1, a_in, v_owner, table: np.ndarray, lut: np.ndarray, precision) -> tuple:
    """:func:`receptor_element` over arrays of elements; ``table`` has one row per element,
    ``v_owner`` each element's owner voltage, ``lut`` the magnesium-block tables the rows
    point into. Returns ``(r0, r1, contribution, overflow, r0_raw, r1_raw, c_raw, load)`` (int64;
    ``load``: the element's share of its owner's load, :mod:`.relaxation`)."""
    size = table.shape[0]
    arrays = [np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.int64), (size,))).copy()
              for x in (r0, r1, a_in, v_owner)]
    outs = [np.zeros(size, dtype=np.int64) for _ in range(8)]
    _receptor_loop(*arrays, np.ascontiguousarray(table, dtype=np.int64), np.ascontiguousarray(lut, dtype=np.int64),
                   precision.alignment_shift_bits, precision.saturation_limit, *outs)
    return tuple(outs)


@njit
def add_contributions(contribution, owner, out, limit):
    """``out[owner[k]] += contribution[k]`` for every element, then saturate the sums."""
    for k in range(contribution.size):
        out[owner[k]] += contribution[k]
    for k in range(out.size):
        out[k] = saturate_element(out[k], -limit, limit)


def owner_loads(load, owner, size: int) -> np.ndarray:
    """Each owner's load: the sum of its elements' loads (int64, ``size`` owners)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, owner, np.asarray(load, dtype=np.int64))
    return out
