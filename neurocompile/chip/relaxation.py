"""Exponential-Euler relaxation of a LIF soma loaded by conductances (docs/chip.md section 4.5).

A conductance ``G`` (in units of the leak conductance) makes the membrane relax faster:
over one step of ``y = dt / tau_mem`` the exact (exponential-Euler) change of ``v`` towards
``v_inf`` is ``(v_inf - v)(1 - e^{-x})`` with the load ``x = y (1 + G)``, while the sum of the
first-order terms the soma and its elements compute is ``(v_inf - v) x``. The soma multiplies
that sum by ``phi(x) = (1 - e^{-x}) / x``, so the step is exponential Euler with the
conductances held over the step, as in the float reference. The load is the sum of the
elements' ``G / 2**F`` (the leak element carries the leak itself, ``y``), as a fraction with
:data:`LOAD_FRACTION_BITS`; ``phi`` is a polynomial in it::

    X   = clamp(load, 0, ONE)                            (ONE = 2**20: x = 1)
    X2  = (X X + ONE/2) >> 20,   X3 = (X2 X + ONE/2) >> 20
    phi = ONE - ((X + 1) >> 1) + ((X2 10923 + 2**15) >> 16) - ((X3 2731 + 2**15) >> 16)
    delta' = (delta phi + ONE/2) >> 20                    (delta: the step's summed change of v)

``phi`` is ``1 - x/2 + x^2/6 - x^3/24`` (10923 / 2**16 = 1/6, 2731 / 2**16 = 1/24 to 5e-6):
within 1.3e-5 of ``(1 - e^{-x}) / x`` for ``x <= 0.2`` (at dt 0.1 ms and tau_mem 20 ms, a
total conductance of 39 leak conductances) and 1.2 % at the clamp. A neuron with load 0 (no
conductance element) is updated as before, bit for bit. Written once here; the LIF update
(:func:`neurocompile.chip.lif.lif_element`) and the elements
(:func:`neurocompile.chip.receptors.receptor_update`) call it.
"""
from __future__ import annotations

from ..jit import njit

#: Fraction bits of a load (``1 << LOAD_FRACTION_BITS`` is ``x = 1``).
LOAD_FRACTION_BITS = 20
LOAD_ONE = 1 << LOAD_FRACTION_BITS
_HALF = LOAD_ONE >> 1
#: 1/6 and 1/24 as 16-bit fractions.
SIXTH_16, TWENTY_FOURTH_16 = 10923, 2731


@njit(inline="always")
def conductance_load(g_int, drive_shift):
    """An element's load ``G / 2**F`` with :data:`LOAD_FRACTION_BITS` fraction bits (rounded)."""
    s = drive_shift - LOAD_FRACTION_BITS
    if s > 0:
        return (g_int + ((1 << s) >> 1)) >> s
    return g_int << (-s)


@njit(inline="always")
def relaxation_factor(load):
    """``phi(x) = (1 - e^{-x}) / x`` of a load as a fraction with 20 bits (module docstring)."""
    x = min(max(load, 0), LOAD_ONE)
    x2 = (x * x + _HALF) >> LOAD_FRACTION_BITS
    x3 = (x2 * x + _HALF) >> LOAD_FRACTION_BITS
    return (LOAD_ONE - ((x + 1) >> 1) + ((x2 * SIXTH_16 + (1 << 15)) >> 16)
            - ((x3 * TWENTY_FOURTH_16 + (1 << 15)) >> 16))


@njit(inline="always")
def relax_element(delta, load):
    """``delta`` (a step's change of ``v``) scaled by ``phi(load)``; unchanged for load 0."""
    relaxed = (delta * relaxation_factor(load) + _HALF) >> LOAD_FRACTION_BITS
    return relaxed if load != 0 else delta  # a select, not a branch: loops over neurons vectorise
