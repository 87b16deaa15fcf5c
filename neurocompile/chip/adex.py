"""The chip's two-variable nonlinear soma (docs/chip.md section 5): parameters, exp table, update.

One soma runs the adaptive exponential integrate-and-fire neuron (AdEx, and ExpIF as AdEx
without adaptation) and Izhikevich's quadratic model: a voltage register ``x``, a recovery /
adaptation register ``w`` and a synaptic current ``i_syn``, updated by the same integer step
whose nonlinear term is chosen per parameter row (``kind``): the exponential from a per-core
lookup table with linear interpolation (:class:`ExpTable`, section 5.3) or the square of the
voltage register (section 5.8). Every multiplier is a :class:`FixedCoefficient` (a 16-bit
mantissa and a right shift, rounding half up) and every register saturates. The update is
written once, as the scalar :func:`adex_element`; the array API :func:`adex_soma_step`, the
emulator's kernel and the Lava process model all call it. Converting float parameters into
these integers is quantization (:mod:`neurocompile.quantize.adex`,
:mod:`neurocompile.quantize.izhikevich`).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import BuildError, invalid
from ..jit import njit
from ..target import LOIHI_PRECISION
from .hh import hh_gates_and_voltage
from .numbers import (apply_elementwise, coefficient_element, rounding_multiply, saturate_element, slice_length,
                      table_rows, writable_int64)
from .overflow import overflow_error

#: Width of the AdEx soma's multiplier coefficients (signed, incl. sign). An architectural
#: constant of the chip (docs/chip.md section 5.2), not a target-file key.
ADEX_COEFFICIENT_BITS = 16
#: Largest right shift that follows an AdEx multiplication.
ADEX_MAX_SHIFT = 62
#: Fractional bits of the exp-table position (the linear-interpolation weight), section 5.3.
ADEX_TABLE_INDEX_FRACTION_BITS = 8

#: The integer state registers of the soma, and the probe variables they hold per model.
ADEX_REGISTERS = ("x", "w", "i_syn")
ADEX_X, ADEX_W, ADEX_I = range(len(ADEX_REGISTERS))
ADEX_PROBES = {"v": "x", "w": "w", "I_syn": "i_syn"}
EXPIF_PROBES = {"v": "x", "I_syn": "i_syn"}
IZHIKEVICH_PROBES = {"v": "x", "u": "w", "I_syn": "i_syn"}
#: An HH row has three more registers, its gates (section 5.9); the bank holds them only when
#: it has HH rows.
HH_REGISTERS = ADEX_REGISTERS + ("m", "h", "n")
HH_PROBES = {"v": "x", "m": "m", "h": "h", "n": "n", "I_syn": "i_syn"}

#: The soma's nonlinear term (the ``kind`` column): the exp table (AdEx, ExpIF), the square
#: of the voltage register (Izhikevich, section 5.8) or the gates (Hodgkin-Huxley, section 5.9).
KIND_EXP, KIND_SQUARE, KIND_HH = 0, 1, 2
#: Most repetitions of the quadratic voltage update within one step (section 5.8).
MAX_SUBSTEPS = 4


# --------------------------------------------------------------------------------------------
# Coefficients and the exp table


@dataclass(frozen=True)
class FixedCoefficient:
    """A real multiplier ``c ~= mant / 2**shift`` (int64 arrays, one per neuron).

    ``apply(x)`` returns ``round(x * c)`` as ``(x * mant + 2**(shift-1)) >> shift`` (round half
    up, arithmetic shift); ``mant`` is signed with :data:`ADEX_COEFFICIENT_BITS` bits.
    """

    mant: np.ndarray
    shift: np.ndarray

    def apply(self, x) -> np.ndarray:
        return rounding_multiply(x, self.mant, self.shift)

    def value(self) -> np.ndarray:
        """The real numbers represented (float64)."""
        return self.mant / np.exp2(self.shift.astype(np.float64))


@dataclass(frozen=True)
class ExpTable:
    """The per-core table of ``exp(x)`` (docs/chip.md section 5.3).

    ``values[k] = round(exp(input_min + k * step) * 2**fraction_bits)``, unsigned, at most
    ``state_bits - 1`` bits; ``step = (input_max - input_min) / (entries - 1)``. The table is
    the same for every neuron (its input ``x = (V - V_T) / delta_T`` is dimensionless); the
    per-neuron scaling lives in :class:`AdexParams`.
    """

    values: np.ndarray
    fraction_bits: int
    input_min: float
    input_max: float

    @property
    def entries(self) -> int:
        return int(self.values.size)

    @property
    def input_step(self) -> float:
        return (self.input_max - self.input_min) / (self.entries - 1)


def build_exp_lut(entries: int, input_min: float, input_max: float, precision=LOIHI_PRECISION) -> ExpTable:
    """The exp table of a target's ``[adex]`` section (``exp_table_entries``, ``exp_input_min/max``).

    ``fraction_bits`` is the largest that keeps ``exp(input_max)`` within ``state_bits - 1`` bits.
    """
    if entries < 2 or not input_min < input_max:
        raise invalid("exp table", "entries/input range", (entries, input_min, input_max),
                      "needs >= 2 entries and input_min < input_max", cls=BuildError)
    top = precision.saturation_limit
    fraction_bits = int(math.floor(math.log2(top / math.exp(input_max))))
    if fraction_bits < 0:
        raise invalid("exp table", "input_max", input_max,
                      f"makes exp(input_max) exceed the {precision.state_bits - 1}-bit table entries",
                      cls=BuildError)
    points = input_min + np.arange(entries) * ((input_max - input_min) / (entries - 1))
    values = np.minimum(np.rint(np.exp(points) * 2.0**fraction_bits), top).astype(np.int64)
    values.setflags(write=False)
    return ExpTable(values, fraction_bits, float(input_min), float(input_max))


@njit(inline="always")
def exp_term_element(x, values, index_mant, index_shift, origin, scale_mant, scale_shift, runaway):
    """The exponential term of one neuron (see :func:`adex_exp_term`); ``values``: the table."""
    frac_bits = ADEX_TABLE_INDEX_FRACTION_BITS
    last = values.size - 1
    raw = coefficient_element(x - origin, index_mant, index_shift)
    if raw > (last << frac_bits):
        return runaway
    pos = saturate_element(raw, 0, last << frac_bits)
    k = min(pos >> frac_bits, last - 1)
    frac = pos - (k << frac_bits)
    low = values[k]
    high = values[k + 1]
    interpolated = low + (((high - low) * frac + (1 << (frac_bits - 1))) >> frac_bits)
    return coefficient_element(interpolated, scale_mant, scale_shift)


@njit
def _exp_term_loop(x, index_mant, index_shift, origin, scale_mant, scale_shift, values, runaway, out):
    for k in range(out.size):
        out[k] = exp_term_element(x[k], values, index_mant[k], index_shift[k], origin[k],
                                  scale_mant[k], scale_shift[k], runaway)


def adex_exp_term(x, table: ExpTable, index_scale: FixedCoefficient, origin,
                  exp_scale: FixedCoefficient, runaway: int) -> np.ndarray:
    """The exponential term in voltage LSBs per step, from the table with linear interpolation.

    ``pos = index_scale.apply(x - origin)`` is the table position with
    :data:`ADEX_TABLE_INDEX_FRACTION_BITS` (F) fractional bits. Below the table (``pos < 0``)
    the first entry is used. Within it, ``e = t[k] + (((t[k+1] - t[k]) * frac + 2**(F-1)) >> F)``
    scaled by ``exp_scale``. Above it (``pos > (entries - 1) << F``) the term is ``runaway``
    (the voltage register's maximum): the float exponential would carry V past any reasonable
    V_peak within the step, and the saturated register makes the neuron spike now rather than
    crawl up at the table's last slope (docs/chip.md section 5.3).
    """
    return apply_elementwise(_exp_term_loop, (x, index_scale.mant, index_scale.shift, origin, exp_scale.mant,
                                              exp_scale.shift), _table_values(table), np.int64(runaway))


def _table_values(table: ExpTable) -> np.ndarray:
    return writable_int64(table.values, table.values.shape)


# --------------------------------------------------------------------------------------------
# Parameters


#: Columns of :meth:`AdexParams.columns`: coefficient mantissas and shifts, then integers; and
#: the name of each column's index.
ADEX_COLUMNS = ("leak.mant", "leak.shift", "gain.mant", "gain.shift", "jump.mant", "jump.shift",
                "coupling.mant", "coupling.shift", "adaptation.mant", "adaptation.shift",
                "synapse.mant", "synapse.shift", "exp_index.mant", "exp_index.shift",
                "exp_scale.mant", "exp_scale.shift", "exp_origin", "x_peak", "x_reset", "b",
                "refractory_steps", "kind", "square.mant", "square.shift", "square_pre", "substeps", "x_u",
                "g_na.mant", "g_na.shift", "g_k.mant", "g_k.shift", "x_na", "x_k", "gate_index.mant",
                "gate_index.shift", "gate_origin", "gate_offset", "gate_entries")
(ADEX_LEAK, ADEX_LEAK_SHIFT, ADEX_GAIN, ADEX_GAIN_SHIFT, ADEX_JUMP, ADEX_JUMP_SHIFT, ADEX_COUPLING,
 ADEX_COUPLING_SHIFT, ADEX_ADAPTATION, ADEX_ADAPTATION_SHIFT, ADEX_SYNAPSE, ADEX_SYNAPSE_SHIFT,
 ADEX_EXP_INDEX, ADEX_EXP_INDEX_SHIFT, ADEX_EXP_SCALE, ADEX_EXP_SCALE_SHIFT, ADEX_EXP_ORIGIN, ADEX_X_PEAK,
 ADEX_X_RESET, ADEX_B, ADEX_REFRACTORY_STEPS, ADEX_KIND, ADEX_SQUARE, ADEX_SQUARE_SHIFT, ADEX_SQUARE_PRE,
 ADEX_SUBSTEPS, ADEX_X_U, ADEX_G_NA, ADEX_G_NA_SHIFT, ADEX_G_K, ADEX_G_K_SHIFT, ADEX_X_NA, ADEX_X_K, ADEX_GATE_INDEX,
 ADEX_GATE_INDEX_SHIFT, ADEX_GATE_ORIGIN, ADEX_GATE_OFFSET, ADEX_GATE_ENTRIES) = range(len(ADEX_COLUMNS))


def square_pre_shift(precision) -> int:
    """Right shift that rounds the square of the voltage register to 32 bits (section 5.8):
    ``x * x`` has ``2 (state_bits - 1)`` magnitude bits; 15 for 24-bit states."""
    return max(2 * (precision.state_bits - 1) - 31, 1)


@dataclass(frozen=True)
class AdexParams:
    """Integer parameters of a slice of neurons of the nonlinear soma (docs/chip.md section 5).

    AdEx / ExpIF (``kind`` = :data:`KIND_EXP`). State units: ``x`` = (V - E_L) in voltage
    LSBs, ``w`` and ``i_syn`` in current LSBs. Coefficients (:class:`FixedCoefficient`, per
    step of ``dt``):

    * ``leak``: ``dt g_L / C`` (voltage LSB -> voltage LSB).
    * ``gain``: ``dt I_lsb / (C V_lsb)`` (current LSB -> voltage LSB).
    * ``jump``: ``I_lsb / (C V_lsb)`` for ``tau_syn = 0`` (input -> immediate voltage jump,
      ``V += w/C``), else 0.
    * ``coupling``: ``dt a V_lsb / (tau_w I_lsb)`` (voltage LSB -> current LSB).
    * ``adaptation``: ``dt / tau_w``.
    * ``synapse``: ``1 - exp(-dt / tau_syn)`` (1 when ``tau_syn = 0``).
    * ``exp_index``: ``V_lsb 2**F / (delta_T * table step)`` (voltage LSB -> table position).
    * ``exp_scale``: ``dt g_L delta_T / (C V_lsb 2**table.fraction_bits)``.

    Integers: ``exp_origin`` (x at the first table entry), ``x_peak``, ``x_reset``, ``b``
    (current LSBs), ``bias`` (I_e, current LSBs; full state width, replaced for step currents)
    and ``refractory_steps``. ``square`` is 0, ``square_pre`` 0, ``substeps`` 1, ``x_u`` 0.

    Izhikevich (``kind`` = :data:`KIND_SQUARE`, section 5.8): ``x`` = (v - v*) in voltage
    LSBs, measured from the vertex ``v* = -k1 / (2 k2)`` of the parabola (so the quadratic has
    no linear term), ``w`` = u and ``i_syn`` in current LSBs (mV/ms); per sub-step of
    ``h = dt / substeps``: ``square`` = ``h k2 V_lsb 2**square_pre``, ``gain`` =
    ``h I_lsb / V_lsb``; per step: ``coupling`` = ``dt a b V_lsb / I_lsb``, ``adaptation`` =
    ``dt a u_leak``; ``x_u`` = (v_u - v*) in voltage LSBs; ``b`` = d and ``bias`` =
    ``k0 - k1**2 / (4 k2) + I_e`` in current LSBs; ``leak`` and the exp columns are 0.

    Hodgkin-Huxley (``kind`` = :data:`KIND_HH`, section 5.9): ``x`` = (V - E_L) in voltage
    LSBs, ``i_syn`` in current LSBs (uA/cm2); per step: ``leak`` = ``dt g_L / C_m``, ``g_na``
    = ``dt g_Na / C_m``, ``g_k`` = ``dt g_K / C_m``, ``gain`` = ``dt I_lsb / (C_m V_lsb)``;
    ``x_na``, ``x_k`` the reversal potentials and ``x_peak`` the spike threshold ``V_spike``
    in voltage LSBs; the gate tables' ``gate_origin`` (x of their first entry),
    ``gate_index`` (``V_lsb 2**8 / table step``), ``gate_offset`` (where they start in the
    soma's table memory) and ``gate_entries``.
    """

    leak: FixedCoefficient
    gain: FixedCoefficient
    jump: FixedCoefficient
    coupling: FixedCoefficient
    adaptation: FixedCoefficient
    synapse: FixedCoefficient
    exp_index: FixedCoefficient
    exp_scale: FixedCoefficient
    exp_origin: np.ndarray
    x_peak: np.ndarray
    x_reset: np.ndarray
    b: np.ndarray
    bias: np.ndarray
    refractory_steps: np.ndarray
    # the quadratic kind's fields; their defaults are the AdEx row's values
    kind: np.ndarray = KIND_EXP
    square: FixedCoefficient = FixedCoefficient(np.int64(0), np.int64(0))
    square_pre: np.ndarray = 0
    substeps: np.ndarray = 1
    x_u: np.ndarray = 0
    # the HH kind's fields
    g_na: FixedCoefficient = FixedCoefficient(np.int64(0), np.int64(0))
    g_k: FixedCoefficient = FixedCoefficient(np.int64(0), np.int64(0))
    x_na: np.ndarray = 0
    x_k: np.ndarray = 0
    gate_index: FixedCoefficient = FixedCoefficient(np.int64(0), np.int64(0))
    gate_origin: np.ndarray = 0
    gate_offset: np.ndarray = 0
    gate_entries: np.ndarray = 0

    @property
    def size(self) -> int:
        return int(self.x_peak.shape[0])

    @functools.cached_property
    def _columns(self) -> np.ndarray:
        columns = []
        for name in ADEX_COLUMNS:
            base, _, part = name.partition(".")
            value = getattr(self, base)
            columns.append(getattr(value, part) if part else value)
        table = np.ascontiguousarray(np.column_stack(
            [np.broadcast_to(np.asarray(c, dtype=np.int64), (self.size,)) for c in columns]))
        table.setflags(write=False)
        return table

    def columns(self) -> np.ndarray:
        """(size, 38) int64 table in the column order of :data:`ADEX_COLUMNS` (read-only)."""
        return self._columns


# --------------------------------------------------------------------------------------------
# The update


class AdexStepResult(NamedTuple):
    """State after one step of the soma (int64 arrays) and the boolean spike vector; the gates
    ``m``, ``h``, ``n`` of HH rows (as given for other rows), and ``outside``: HH rows whose
    voltage lay outside the gate tables."""

    x: np.ndarray
    w: np.ndarray
    i_syn: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray
    m: np.ndarray
    h: np.ndarray
    n: np.ndarray
    outside: np.ndarray


#: Bits of the overflow code returned by :func:`adex_element` (which register saturated).
ADEX_OVERFLOW_I, ADEX_OVERFLOW_X0, ADEX_OVERFLOW_X1, ADEX_OVERFLOW_W = 1, 2, 4, 8


@njit(inline="always")
def synaptic_input_element(x, i_syn, a_in, table, row, align, limit):
    """A step's synaptic input to one neuron of the soma (every row kind, sections 5.4 and 5.9):
    ``q = a_in << align`` joins the synaptic current (``tau_syn > 0``) or makes the voltage
    jump by ``R(q * jump)`` (``tau_syn = 0``). Returns ``(i, x0, overflow, i_raw, x0_raw)``:
    the saturated registers, the ``ADEX_OVERFLOW_I``/``_X0`` bits and the values before
    saturation."""
    q = a_in << align
    overflow = 0
    i_raw = i_syn if table[row, ADEX_JUMP] != 0 else i_syn + q
    if i_raw < -limit or i_raw > limit:
        overflow |= ADEX_OVERFLOW_I
    x0_raw = x + coefficient_element(q, table[row, ADEX_JUMP], table[row, ADEX_JUMP_SHIFT])
    if x0_raw < -limit or x0_raw > limit:
        overflow |= ADEX_OVERFLOW_X0
    return saturate_element(i_raw, -limit, limit), saturate_element(x0_raw, -limit, limit), overflow, i_raw, x0_raw


@njit(inline="always")
def adex_element(x, w, i_syn, a_in, refractory_left, table, row, bias, extra, values, align, limit):
    """One soma update of one neuron (docs/chip.md sections 5.4 and 5.6); ``table[row]``: its
    parameters (:data:`ADEX_COLUMNS`), ``values``: the exp table, ``extra``: the summed
    contribution of its receptor elements in current LSBs (section 4.5; 0 without receptors).

    Returns ``(x, w, i_syn, spiked, refractory_left, overflow, i_raw, x0_raw, x1_raw, w_raw)``:
    ``overflow`` has the ``ADEX_OVERFLOW_*`` bits of the registers that saturated (the voltage
    of the spike step itself excluded, see :func:`adex_soma_step`), the ``*_raw`` values are
    those registers before saturation (for strict-mode messages).
    """
    i, x0, overflow, i_raw, x0_raw = synaptic_input_element(x, i_syn, a_in, table, row, align, limit)
    drive = i - w + bias + extra
    if table[row, ADEX_KIND] == KIND_SQUARE:
        # Izhikevich (section 5.8): sub-steps of the quadratic update, u from the new x
        x_peak = table[row, ADEX_X_PEAK]
        pre = table[row, ADEX_SQUARE_PRE]
        x1 = x0
        for _ in range(table[row, ADEX_SUBSTEPS]):
            if x1 >= x_peak:
                break
            square = (x1 * x1 + (1 << (pre - 1))) >> pre
            x1 = (x1 + coefficient_element(square, table[row, ADEX_SQUARE], table[row, ADEX_SQUARE_SHIFT])
                  + coefficient_element(drive, table[row, ADEX_GAIN], table[row, ADEX_GAIN_SHIFT]))
            if x1 < x_peak:  # below the peak the register saturates; above it the spike decides
                x1 = saturate_element(x1, -limit, limit)
        coupled = saturate_element(x1, -limit, limit) - table[row, ADEX_X_U]
    else:
        exp_term = exp_term_element(x0, values, table[row, ADEX_EXP_INDEX], table[row, ADEX_EXP_INDEX_SHIFT],
                                    table[row, ADEX_EXP_ORIGIN], table[row, ADEX_EXP_SCALE],
                                    table[row, ADEX_EXP_SCALE_SHIFT], limit)
        x1 = (x0 - coefficient_element(x0, table[row, ADEX_LEAK], table[row, ADEX_LEAK_SHIFT]) + exp_term
              + coefficient_element(drive, table[row, ADEX_GAIN], table[row, ADEX_GAIN_SHIFT]))
        coupled = x0
    w1 = (w + coefficient_element(coupled, table[row, ADEX_COUPLING], table[row, ADEX_COUPLING_SHIFT])
          - coefficient_element(w, table[row, ADEX_ADAPTATION], table[row, ADEX_ADAPTATION_SHIFT]))
    i_next = i - coefficient_element(i, table[row, ADEX_SYNAPSE], table[row, ADEX_SYNAPSE_SHIFT])
    held = refractory_left > 0
    if held:
        x1 = table[row, ADEX_X_RESET]
    spiked = (not held) and x1 >= table[row, ADEX_X_PEAK]
    x1_raw = x1
    if (x1 < -limit or x1 > limit) and not spiked:
        overflow |= ADEX_OVERFLOW_X1
    x1 = saturate_element(x1, -limit, limit)
    if spiked:
        w1 = w1 + table[row, ADEX_B]
    w_raw = w1
    if w1 < -limit or w1 > limit:
        overflow |= ADEX_OVERFLOW_W
        w1 = saturate_element(w1, -limit, limit)
    if spiked:
        x1 = table[row, ADEX_X_RESET]
        refractory_new = table[row, ADEX_REFRACTORY_STEPS]
    else:
        refractory_new = refractory_left - 1 if refractory_left > 0 else 0
    return x1, w1, i_next, spiked, refractory_new, overflow, i_raw, x0_raw, x1_raw, w_raw


@njit(inline="always")
def hh_row_element(x, i_syn, m, h, n, a_in, table, row, bias, extra, values, align, limit):
    """One update of an HH row (docs/chip.md section 5.9): the synaptic input as in
    :func:`adex_element`, the gates and the voltage by :func:`~.hh.hh_gates_and_voltage`, a spike
    when ``x`` crosses ``x_peak`` upwards (no reset, no refractory period).

    Returns ``(x, i_syn, m, h, n, spiked, overflow, outside, i_raw, x0_raw, x1_raw)``;
    ``outside``: the voltage lay outside the gate tables (their end entries were read).
    """
    i, x0, overflow, i_raw, x0_raw = synaptic_input_element(x, i_syn, a_in, table, row, align, limit)
    x1_raw, m1, h1, n1, outside = hh_gates_and_voltage(
        x0, m, h, n, i + bias + extra, values, table[row, ADEX_GATE_OFFSET], table[row, ADEX_GATE_ENTRIES],
        table[row, ADEX_GATE_ORIGIN], table[row, ADEX_GATE_INDEX], table[row, ADEX_GATE_INDEX_SHIFT],
        table[row, ADEX_G_NA], table[row, ADEX_G_NA_SHIFT], table[row, ADEX_G_K], table[row, ADEX_G_K_SHIFT],
        table[row, ADEX_X_NA], table[row, ADEX_X_K], table[row, ADEX_LEAK], table[row, ADEX_LEAK_SHIFT],
        table[row, ADEX_GAIN], table[row, ADEX_GAIN_SHIFT])
    if x1_raw < -limit or x1_raw > limit:
        overflow |= ADEX_OVERFLOW_X1
    x1 = saturate_element(x1_raw, -limit, limit)
    i_next = i - coefficient_element(i, table[row, ADEX_SYNAPSE], table[row, ADEX_SYNAPSE_SHIFT])
    spiked = x < table[row, ADEX_X_PEAK] <= x1
    return x1, i_next, m1, h1, n1, spiked, overflow, outside, i_raw, x0_raw, x1_raw


@njit
def _adex_loop(x, w, i_syn, m, h, n, a_in, refractory_left, table, bias, extra, values, align, limit, x_out, w_out,
               i_out, m_out, h_out, n_out, spiked_out, refractory_out, overflow_out, outside_out, i_raw, x0_raw, x1_raw,
               w_raw):
    for k in range(x.size):
        if table[k, ADEX_KIND] == KIND_HH:
            (x_out[k], i_out[k], m_out[k], h_out[k], n_out[k], spiked_out[k], overflow_out[k], outside_out[k],
             i_raw[k], x0_raw[k], x1_raw[k]) = hh_row_element(x[k], i_syn[k], m[k], h[k], n[k], a_in[k], table, k,
                                                              bias[k], extra[k], values, align, limit)
            w_out[k] = w_raw[k] = w[k]
            refractory_out[k] = 0
        else:
            (x_out[k], w_out[k], i_out[k], spiked_out[k], refractory_out[k], overflow_out[k], i_raw[k],
             x0_raw[k], x1_raw[k], w_raw[k]) = adex_element(x[k], w[k], i_syn[k], a_in[k], refractory_left[k],
                                                            table, k, bias[k], extra[k], values, align, limit)
            m_out[k], h_out[k], n_out[k] = m[k], h[k], n[k]
            outside_out[k] = False


#: The table values of a slice without exp rows (Izhikevich, HH; never read).
NO_EXP_TABLE = np.zeros(2, dtype=np.int64)


def soma_table_memory(exp_table: ExpTable | None, gate_tables=None) -> np.ndarray:
    """The soma's table memory on every core (docs/chip.md section 5.9): the exp table's
    values (two unused entries without one), then the six HH gate tables, if any."""
    parts = [exp_table.values if exp_table is not None else NO_EXP_TABLE]
    if gate_tables is not None:
        parts.append(np.asarray(gate_tables.values).reshape(-1))
    return np.concatenate(parts).astype(np.int64)


def gate_table_offset(exp_table: ExpTable | None) -> int:
    """Where the gate tables start in :func:`soma_table_memory`."""
    return int(exp_table.values.size) if exp_table is not None else NO_EXP_TABLE.size


def adex_soma_step(x, w, i_syn, a_in, params: AdexParams, table: ExpTable | None, precision=LOIHI_PRECISION, *,
                   bias=None, refractory_left=None, extra=None, gates=None, gate_tables=None, strict: bool = False,
                   step: int = 0, owner: str = "AdEx", neuron_ids=None) -> AdexStepResult:
    """One soma update of a slice (docs/chip.md section 5.4; Izhikevich rows: section 5.8).

    ``x``: (V - E_L) in voltage LSBs; ``w``, ``i_syn``: current LSBs; ``a_in``: dendritic input
    (units of ``2**alignment_shift`` current LSBs); ``bias`` overrides ``params.bias`` (step
    currents). With ``q = a_in << alignment_shift``, R(.) the rounding multiply::

        i   = sat(i_syn + q)                      (tau_syn > 0)
        x0  = sat(x + R(q * jump))                (tau_syn = 0: V += w/C)
        x1  = x0 - R(x0 * leak) + E(x0) + R((i - w + bias + extra) * gain)
        w1  = w + R(x0 * coupling) - R(w * adaptation)
        i'  = i - R(i * synapse)
        refractory: x1 = x_reset, no spike; else spike if x1 >= x_peak:
        x1 = x_reset, w1 = sat(w1 + b), refractory_left = refractory_steps

    All registers saturate at ``+-(2**(state_bits-1) - 1)``. Strict mode raises on saturation
    of ``i_syn``, ``w``, or ``x`` in a step where the neuron does not spike (the overshoot of
    the spike step itself is discarded by the reset and is not an error).

    HH rows (section 5.9) take their gates ``gates = (m, h, n)`` and read ``gate_tables``.
    """
    size = slice_length(params.size, x, w, i_syn, a_in, bias, refractory_left, extra)
    return adex_table_step(x, w, i_syn, a_in, table_rows(params.columns(), size),
                           params.bias if bias is None else bias, soma_table_memory(table, gate_tables), precision,
                           refractory_left=refractory_left, extra=extra, gates=gates, strict=strict, step=step,
                           owner=owner, neuron_ids=neuron_ids)


def adex_table_step(x, w, i_syn, a_in, table: np.ndarray, bias, table_memory, precision=LOIHI_PRECISION, *,
                    refractory_left=None, extra=None, gates=None, strict: bool = False, step: int = 0,
                    owner: str = "AdEx", neuron_ids=None) -> AdexStepResult:
    """:func:`adex_soma_step` with the parameters as an :data:`ADEX_COLUMNS` table, one row per
    neuron, ``bias`` per neuron and the soma's ``table_memory`` (:func:`soma_table_memory`)."""
    size = table.shape[0]
    limit = precision.saturation_limit
    x, w, i_syn, a_in, bias = (writable_int64(value, (size,)) for value in (x, w, i_syn, a_in, bias))
    m, h, n = (writable_int64(gate, (size,)) for gate in (gates if gates is not None else (0, 0, 0)))
    extra = writable_int64(0 if extra is None else extra, (size,))
    refractory_left = writable_int64(0 if refractory_left is None else refractory_left, (size,))
    x_new, w_new, i_new, m_new, h_new, n_new, refractory_new, overflow, i_raw, x0_raw, x1_raw, w_raw = (
        np.zeros(size, dtype=np.int64) for _ in range(12))
    spiked, outside = np.empty(size, dtype=np.bool_), np.empty(size, dtype=np.bool_)
    _adex_loop(x, w, i_syn, m, h, n, a_in, refractory_left, writable_int64(table, table.shape), bias, extra,
               writable_int64(table_memory, np.shape(table_memory)), precision.alignment_shift_bits, limit,
               x_new, w_new, i_new, m_new, h_new, n_new, spiked, refractory_new, overflow, outside, i_raw, x0_raw,
               x1_raw, w_raw)
    if strict and outside.any():
        raise overflow_error(owner, step, neuron_ids, outside, "voltage x", x,
                             "lies outside the HH gate tables (the target's [hh] range)")
    if strict and overflow.any():
        for bit, variable, raw in ((ADEX_OVERFLOW_I, "synaptic current i_syn", i_raw),
                                   (ADEX_OVERFLOW_X0, "voltage x", x0_raw),
                                   (ADEX_OVERFLOW_X1, "voltage x", x1_raw),
                                   (ADEX_OVERFLOW_W, "adaptation w", w_raw)):
            bad = (overflow & bit) != 0
            if bad.any():
                raise overflow_error(owner, step, neuron_ids, bad, variable, raw,
                                     f"saturates to the range {-limit}..{limit}")
    return AdexStepResult(x_new, w_new, i_new, spiked, refractory_new, m_new, h_new, n_new, outside)


__all__ = ["ADEX_COEFFICIENT_BITS", "ADEX_COLUMNS", "ADEX_MAX_SHIFT", "ADEX_PROBES", "ADEX_REGISTERS",
           "ADEX_TABLE_INDEX_FRACTION_BITS", "EXPIF_PROBES", "HH_PROBES", "HH_REGISTERS", "IZHIKEVICH_PROBES",
           "KIND_EXP", "KIND_HH", "KIND_SQUARE", "MAX_SUBSTEPS", "AdexParams", "gate_table_offset", "hh_row_element",
           "soma_table_memory", "square_pre_shift", "AdexStepResult", "ExpTable", "FixedCoefficient",
           "adex_element", "adex_exp_term", "adex_soma_step", "adex_table_step", "build_exp_lut", "exp_table_of",
           "exp_term_element"]


def exp_table_of(target) -> ExpTable:
    """The exp table every core of ``target`` holds (its ``[adex]`` section at its precision)."""
    if target.adex is None:
        raise BuildError(f"target '{target.name}' has no [adex] table, so it cannot run AdEx neurons")
    section = target.adex
    return build_exp_lut(section.exp_table_entries, section.exp_input_min, section.exp_input_max,
                         target.precision)
