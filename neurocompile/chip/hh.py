"""The chip's Hodgkin-Huxley row of the nonlinear soma (docs/chip.md section 5.9).

An HH neuron is a row of the AdEx bank (``kind`` = :data:`~.adex.KIND_HH`) with three more
registers, the gates ``m``, ``h``, ``n`` as unsigned fractions of :data:`HH_GATE_BITS` bits.
Each step the gates relax by exponential Euler towards their steady state, read with the
relaxation factor from per-core tables over the membrane potential (:class:`GateTables`, linear
interpolation), then the voltage takes one forward-Euler step with the new gates::

    y'  = y_inf(V) + (y - y_inf(V)) k_y(V)                       y in m, h, n; k = exp(-dt/tau_y)
    x'  = x + R(g_Na' P(m^3 h) (x_Na - x)) + R(g_K' P(n^4) (x_K - x)) - R(x * leak) + R(drive * gain)
    spike when x crosses x_spike upwards (no reset)

The tables depend on the kinetics and ``dt`` only (per-neuron conductances and reversal
potentials are coefficients), so every HH neuron of a core shares them. The design (512
entries over -100..+60 mV, 16-bit entries, 22-bit gates, 24-bit products) was chosen from a
measured study of table size, range, lookup and widths (docs/chip.md section 5.9). The update
is written once, as the scalar :func:`hh_element`; the bank's passes call it for ``kind = 2``
rows. Building the tables from a model's rate functions is quantization
(:mod:`neurocompile.quantize.hh`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jit import njit
from .numbers import coefficient_element, saturate_element

#: Fraction bits of the gate registers (1.0 = 2**22; a 24-bit signed register holds it).
HH_GATE_BITS = 22
#: Fraction bits of the gate products m^3 h and n^4 (each multiply rounded back to them).
HH_PRODUCT_BITS = 24
#: Fraction bits of the table entries (x_inf and the relaxation factor, unsigned 16 bits).
HH_TABLE_BITS = 16
#: Fraction bits of a table position (the linear-interpolation weight), as the exp table's.
HH_INDEX_FRACTION_BITS = 8
#: The gates, in register order, and the tables per gate: steady state, relaxation factor.
HH_GATES = ("m", "h", "n")
HH_TABLES_PER_GATE = 2


@dataclass(frozen=True)
class GateTables:
    """The per-core gate tables of HH neurons (docs/chip.md section 5.9).

    ``values``: int64 ``(6, entries)``, rows ``m_inf, k_m, h_inf, k_h, n_inf, k_n`` with
    ``x_inf(V_j)`` and ``exp(-dt / tau_x(V_j))`` as :data:`HH_TABLE_BITS`-bit fractions at
    ``V_j = v_min + j (v_max - v_min) / (entries - 1)`` mV; ``dt`` (ms) is the step they were
    built for.
    """

    values: np.ndarray
    v_min: float
    v_max: float
    dt: float

    @property
    def entries(self) -> int:
        return int(self.values.shape[1])

    @property
    def step_mV(self) -> float:
        return (self.v_max - self.v_min) / (self.entries - 1)


def build_gate_tables(steady_state, entries: int, v_min: float, v_max: float, dt: float) -> GateTables:
    """Tables of ``steady_state(gate, V) -> (x_inf, tau_ms)`` for the gates m, h, n."""
    v = v_min + np.arange(entries) * ((v_max - v_min) / (entries - 1))
    one = 1 << HH_TABLE_BITS
    rows = []
    for gate in HH_GATES:
        x_inf, tau = steady_state(gate, v)
        rows += [np.rint(np.asarray(x_inf) * one), np.rint(np.exp(-dt / np.asarray(tau)) * one)]
    values = np.clip(np.array(rows), 0, one).astype(np.int64)
    values.setflags(write=False)
    return GateTables(values, float(v_min), float(v_max), float(dt))


@njit(inline="always")
def _table_read(values, start, k, frac):
    """Entry ``k`` of the table at ``start`` of ``values``, interpolated by ``frac`` (8 bits)."""
    low = values[start + k]
    return low + (((values[start + k + 1] - low) * frac + (1 << (HH_INDEX_FRACTION_BITS - 1)))
                  >> HH_INDEX_FRACTION_BITS)


@njit(inline="always")
def _relax(gate, values, start, entries, k, frac):
    """One exponential-Euler step of a gate from its steady-state table at ``start`` and its
    relaxation-factor table right after it."""
    steady = _table_read(values, start, k, frac) << (HH_GATE_BITS - HH_TABLE_BITS)
    factor = _table_read(values, start + entries, k, frac)
    return steady + (((gate - steady) * factor + (1 << (HH_TABLE_BITS - 1))) >> HH_TABLE_BITS)


@njit(inline="always")
def _product(a, b, shift):
    """``round(a * b / 2**shift)`` (both non-negative)."""
    return (a * b + (1 << (shift - 1))) >> shift


@njit(inline="always")
def gate_position(x, origin, index_mant, index_shift, last):
    """Table position of voltage ``x`` (8 fraction bits) and whether it lies outside the table
    (then clamped to the end entry)."""
    raw = coefficient_element(x - origin, index_mant, index_shift)
    outside = raw < 0 or raw > (last << HH_INDEX_FRACTION_BITS)
    return saturate_element(raw, 0, last << HH_INDEX_FRACTION_BITS), outside


@njit(inline="always")
def hh_gates_and_voltage(x0, m, h, n, drive, values, offset, entries, origin, index_mant, index_shift, g_na,
                         g_na_shift, g_k, g_k_shift, x_na, x_k, leak, leak_shift, gain, gain_shift):
    """The gates' and the voltage's update of one HH neuron (before saturation and the spike
    test). ``values[offset:]``: the six gate tables (:class:`GateTables` row order), each
    ``entries`` long, one after the other; returns ``(x1, m1, h1, n1, outside)``."""
    last = entries - 1
    pos, outside = gate_position(x0, origin, index_mant, index_shift, last)
    k = min(pos >> HH_INDEX_FRACTION_BITS, last - 1)
    frac = pos - (k << HH_INDEX_FRACTION_BITS)
    m1 = _relax(m, values, offset, entries, k, frac)
    h1 = _relax(h, values, offset + 2 * entries, entries, k, frac)
    n1 = _relax(n, values, offset + 4 * entries, entries, k, frac)
    p, g = HH_PRODUCT_BITS, HH_GATE_BITS
    m2 = _product(m1, m1, 2 * g - p)                      # m^2 at P bits
    m3h = _product(_product(m2, m1, g), h1, g)            # m^3 h at P bits
    n2 = _product(n1, n1, 2 * g - p)
    n4 = _product(n2, n2, p)                               # n^4 at P bits
    sodium = (m3h * (x_na - x0) + (1 << (p - 1))) >> p    # voltage LSBs, before the coefficient
    potassium = (n4 * (x_k - x0) + (1 << (p - 1))) >> p
    x1 = (x0 + coefficient_element(sodium, g_na, g_na_shift) + coefficient_element(potassium, g_k, g_k_shift)
          - coefficient_element(x0, leak, leak_shift) + coefficient_element(drive, gain, gain_shift))
    return x1, m1, h1, n1, outside


__all__ = ["GateTables", "HH_GATES", "HH_GATE_BITS", "HH_INDEX_FRACTION_BITS", "HH_PRODUCT_BITS", "HH_TABLE_BITS",
           "build_gate_tables", "gate_position", "hh_gates_and_voltage"]
