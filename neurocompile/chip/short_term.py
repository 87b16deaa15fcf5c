"""The chip's short-term plasticity (docs/chip.md section 3.4): Tsodyks–Markram efficacy per
(projection, presynaptic neuron), written once here for the emulator's kernel and Lava.

Registers ``u`` and ``x`` are fractions with :data:`STP_FRACTION_BITS` bits (``ONE = 2**20``
is 1.0; 21-bit registers: decays truncate toward zero by less than one LSB per step, so 20 bits
keep the relaxation over a second of 0.1 ms steps within 10^-2 of its exact value). A projection's parameters are ``U`` (same fraction), and the 24-bit
decays ``d_fac``, ``d_rec`` of ``u`` and ``1 - x`` (``decay(y, d) = sign(p) (|p| >> 24)``,
``p = y (2**24 - d)``, as the receptor elements; ``d = 2**24`` relaxes in one step). Initially
``u = 0``, ``x = ONE``. Every step, in the routing phase before the step's spikes are
delivered::

    u <- decay(u, d_fac)
    x <- ONE - decay(ONE - x, d_rec)

and for a presynaptic neuron that spiked, before its synapses are read::

    u <- u + (U (ONE - u) + ONE/2) >> 20
    e <- (u x + ONE/2) >> 20                   (the efficacy, 0..ONE)
    x <- x - e

Each synapse then adds ``(s e + ONE/2) >> 20`` instead of ``s``, where ``s`` is what it adds
without plasticity (``mantissa << exponent``; with a negative exponent, the mantissa that
enters its floor group).
"""
from __future__ import annotations

from ..jit import njit
from .numbers import decay_element

#: Fraction bits of ``u``, ``x``, ``U`` and the efficacy.
STP_FRACTION_BITS = 20
STP_ONE = 1 << STP_FRACTION_BITS
#: Fraction bits of the decays ``d_fac``, ``d_rec``.
STP_DECAY_BITS = 24
#: Columns of a projection's parameter row.
STP_COLUMNS = ("U", "d_fac", "d_rec")
STP_U, STP_D_FAC, STP_D_REC = range(len(STP_COLUMNS))


@njit(inline="always")
def stp_relax_element(u, x, d_fac, d_rec):
    """One step of relaxation of ``(u, x)`` towards ``(0, ONE)``."""
    return decay_element(u, d_fac, STP_DECAY_BITS), STP_ONE - decay_element(STP_ONE - x, d_rec, STP_DECAY_BITS)


@njit(inline="always")
def stp_spike_element(u, x, big_u):
    """A presynaptic spike: returns ``(u, x, efficacy)`` after facilitation and depletion."""
    half = STP_ONE >> 1
    u_new = u + ((big_u * (STP_ONE - u) + half) >> STP_FRACTION_BITS)
    efficacy = (u_new * x + half) >> STP_FRACTION_BITS
    return u_new, x - efficacy, efficacy


@njit(inline="always")
def stp_scaled_element(value, efficacy):
    """What a synapse adds with efficacy ``efficacy``: ``(value e + ONE/2) >> 20``."""
    return (value * efficacy + (STP_ONE >> 1)) >> STP_FRACTION_BITS


@njit
def stp_relax_array(u, x, d_fac, d_rec):
    """:func:`stp_relax_element` on every state of one projection (in place, int64 arrays)."""
    for k in range(u.size):
        u[k], x[k] = stp_relax_element(u[k], x[k], d_fac, d_rec)


@njit
def stp_spike_array(u, x, spiking, big_u, efficacy):
    """:func:`stp_spike_element` for the presynaptic neurons ``spiking`` (in place); their
    efficacies into ``efficacy`` (same order)."""
    for k in range(spiking.size):
        j = spiking[k]
        u[j], x[j], efficacy[k] = stp_spike_element(u[j], x[j], big_u)


@njit
def stp_scaled_array(values, efficacy, out):
    """:func:`stp_scaled_element` elementwise."""
    for k in range(values.size):
        out[k] = stp_scaled_element(values[k], efficacy[k])
