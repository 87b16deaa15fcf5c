"""The chip's NMDA gates (docs/chip.md section 3.5): Wang's (2002) saturating gating per
(projection, presynaptic neuron), written once here for the emulator's kernel and Lava.

Registers ``x`` (24 bits, saturating) and ``s`` (21 bits) are fractions with
:data:`GATE_FRACTION_BITS` bits (``ONE = 2**20``). A projection's row (:data:`GATE_COLUMNS`):
``a`` (a 16-bit coefficient ``a_mant / 2**a_shift`` = ``alpha tau_rise (1 - e^{-dt/tau_rise})``)
and the 24-bit decays ``d_rise``, ``d_decay``. In the routing phase of every step, after the
step's spikes added ``ONE`` to their neurons' ``x``::

    A    = min(R(x * a), ONE)                       (the step's integral of alpha x(t))
    f    = A - A2/2 + A3/6 - A4/24                  (1 - e^{-A}; A2 = R(A A) >> 20, ...)
    rise = (ONE - s) f >> 20   (rounded)            (the saturating rise)
    s    <- decay(s + rise, d_decay)
    x    <- decay(x, d_rise)

A neuron whose ``rise`` is not 0 sends it, graded, through its synapses; each adds the
product ``mantissa x rise`` to a wide accumulator of its (projection, delay group, neuron) and
the dendrite reads ``(sum + 2**(19 - exponent)) >> (20 - exponent)`` (one rounding per
projection, group and step, so a sum over equal weights equals the weight times the summed
rises). The postsynaptic NMDA element decays its conductance with ``tau_decay`` (section 4.5).
"""
from __future__ import annotations

from ..jit import njit
from .numbers import coefficient_element, decay_element, saturate_element

GATE_FRACTION_BITS = 20
GATE_ONE = 1 << GATE_FRACTION_BITS
GATE_DECAY_BITS = 24
#: Columns of a gated projection's row.
GATE_COLUMNS = ("a.mant", "a.shift", "d_rise", "d_decay")
G_A, G_A_SHIFT, G_D_RISE, G_D_DECAY = range(len(GATE_COLUMNS))
#: ``x`` saturates here (eight spikes' worth in a burst).
GATE_X_LIMIT = (1 << 23) - 1
_SIXTH, _TWENTY_FOURTH = 10923, 2731  # 1/6 and 1/24 with 16 fraction bits


@njit(inline="always")
def _fraction_product(a, b):
    return (a * b + (GATE_ONE >> 1)) >> GATE_FRACTION_BITS


@njit(inline="always")
def nmda_gate_element(x, s, a_mant, a_shift, d_rise, d_decay):
    """One step of a gate whose ``x`` already holds this step's spikes; returns ``(x, s, rise)``."""
    big_a = min(coefficient_element(x, a_mant, a_shift), GATE_ONE)
    a2 = _fraction_product(big_a, big_a)
    a3 = _fraction_product(a2, big_a)
    a4 = _fraction_product(a3, big_a)
    f = big_a - (a2 >> 1) + ((a3 * _SIXTH + (1 << 15)) >> 16) - ((a4 * _TWENTY_FOURTH + (1 << 15)) >> 16)
    rise = _fraction_product(GATE_ONE - s, f)
    s_new = decay_element(s + rise, d_decay, GATE_DECAY_BITS)
    x_new = decay_element(x, d_rise, GATE_DECAY_BITS)
    return x_new, s_new, rise


@njit(inline="always")
def gate_spike_element(x):
    """A presynaptic spike: ``x + ONE``, saturated at :data:`GATE_X_LIMIT`."""
    return saturate_element(x + GATE_ONE, 0, GATE_X_LIMIT)


@njit(inline="always")
def gate_read_element(total, exponent):
    """What the dendrite reads from a wide accumulator of graded products."""
    shift = GATE_FRACTION_BITS - exponent
    return (total + (1 << (shift - 1))) >> shift


@njit
def nmda_gate_array(x, s, a_mant, a_shift, d_rise, d_decay, rise):
    """:func:`nmda_gate_element` on every gate of one projection (in place; rises into ``rise``)."""
    for k in range(x.size):
        x[k], s[k], rise[k] = nmda_gate_element(x[k], s[k], a_mant, a_shift, d_rise, d_decay)
