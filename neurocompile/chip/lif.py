"""The chip's integer LIF / LI neuron (docs/chip.md section 4): parameters and the update.

Loihi/Lava compatible: :func:`lif_soma_step` with the extensions unused gives the same ``u``,
``v`` and spikes as Lava's ``PyLifModelBitAcc`` (lava-nc 0.10). The update is written once, as
the scalar :func:`lif_element`; the array API below, the emulator's kernel and the Lava
process model all call it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from ..errors import BuildError, invalid
from ..jit import njit
from ..target import LOIHI_PRECISION
from .lanes import add32, i32, shl32, sub32
from .numbers import (decay_element, decay_element32, saturate_element, scale_by_exponent, slice_length, table_rows,
                      writable_int64, wrap_element)
from .overflow import check_range, overflow_error
from .relaxation import relax_element

#: The integer state registers of a LIF neuron, and the probe variables they hold.
LIF_REGISTERS = ("u", "v")
LIF_U, LIF_V = range(len(LIF_REGISTERS))
LIF_PROBES = {"v": "v", "I_syn": "u"}

#: Columns of :meth:`LifParams.columns`, the per-neuron table the compiled loops read, and the
#: name of each column's index (``bias`` is the effective bias ``bias_mant << bias_exp``).
LIF_COLUMNS = ("du", "dv", "vth_mant", "bias", "refractory_steps", "reset_value", "reset_subtract",
               "spiking", "reset_delay", "bias_to_current", "threshold_inclusive")
(LIF_DU, LIF_DV, LIF_VTH_MANT, LIF_BIAS, LIF_REFRACTORY_STEPS, LIF_RESET_VALUE, LIF_RESET_SUBTRACT,
 LIF_SPIKING, LIF_RESET_DELAY, LIF_BIAS_TO_CURRENT, LIF_THRESHOLD_INCLUSIVE) = range(len(LIF_COLUMNS))
#: The extensions a trained network's per-step neuron needs (docs/chip.md section 4.3).
LIF_DISCRETE_EXTENSIONS = ("reset_delay", "bias_to_current", "threshold_inclusive")


@dataclass(frozen=True)
class LifParams:
    """Integer LIF parameters of a slice of neurons (one value per neuron, or a scalar for all).

    Lava-compatible fields (units are LSBs of the ``state_bits``-bit state unless said
    otherwise):

    * ``du``, ``dv``: decay constants, ``0..2**decay_bits - 1``; the current decays by
      ``(du + 1) / 2**decay_bits`` per step, the voltage by ``dv / 2**decay_bits``.
    * ``vth_mant``: threshold mantissa, ``>= 0``; spike when ``v > vth_mant << alignment_shift``.
    * ``bias_mant``, ``bias_exp``: bias ``bias_mant * 2**bias_exp`` added to ``v`` every step
      (floor shift for negative exponents).

    Extensions (their defaults give exactly Lava's LIF):

    * ``refractory_steps``: after a spike ``v`` is held for this many steps (``u`` keeps
      evolving, no spike); 0 = none.
    * ``reset_subtract``: 1 = reset by subtraction, ``v <- v - (vth - reset_value)``.
    * ``spiking``: 0 = never spikes (LI readout); 1 = LIF.
    * ``reset_value``: ``v`` after a spike (Lava: 0).
    * ``reset_delay``: 1 = the reset acts one step after the spike (snnTorch's default),
      after that step's integration; ``v`` keeps its value above threshold until then.
    * ``bias_to_current``: 1 = the bias is added to ``u`` (a constant input, as a framework's
      layer bias into a synaptic current) instead of ``v``.
    * ``threshold_inclusive``: 1 = spike when ``v >= vth_mant << alignment_shift``.

    The record keeps the integer (or boolean) arrays it is given; construction checks their
    kind and that per-neuron arrays agree in length. :meth:`check` checks them against a
    target's widths.
    """

    du: np.ndarray
    dv: np.ndarray
    vth_mant: np.ndarray
    bias_mant: np.ndarray
    bias_exp: np.ndarray
    refractory_steps: np.ndarray = 0
    reset_subtract: np.ndarray = 0
    spiking: np.ndarray = 1
    reset_value: np.ndarray = 0
    reset_delay: np.ndarray = 0
    bias_to_current: np.ndarray = 0
    threshold_inclusive: np.ndarray = 0

    def __post_init__(self):
        lengths = set()
        for f in fields(self):
            value = np.asarray(getattr(self, f.name))
            if value.dtype.kind not in "biu":
                raise invalid("LifParams", f.name, getattr(self, f.name),
                              "must be integers (quantize before building the chip parameters)",
                              cls=BuildError)
            if value.ndim > 1:
                raise invalid("LifParams", f.name, value.shape,
                              "must be a scalar or a 1-D array with one value per neuron", cls=BuildError)
            if value.ndim == 1:
                lengths.add(value.shape[0])
        if len(lengths) > 1:
            raise BuildError(f"LifParams: per-neuron arrays have different lengths {sorted(lengths)}")

    @property
    def size(self) -> int:
        """Neurons in the slice (1 when every field is a scalar)."""
        return max((np.size(getattr(self, f.name)) for f in fields(self)), default=1)

    def field(self, name: str) -> np.ndarray:
        """Field ``name`` as an int64 array with one value per neuron."""
        return np.broadcast_to(np.asarray(getattr(self, name), dtype=np.int64), (self.size,))

    @functools.cached_property
    def bias(self) -> np.ndarray:
        """The effective bias ``bias_mant * 2**bias_exp`` per neuron (int64)."""
        return scale_by_exponent(self.field("bias_mant"), self.field("bias_exp"))

    def columns(self) -> np.ndarray:
        """(size, 11) int64 table in the column order of :data:`LIF_COLUMNS`."""
        return np.ascontiguousarray(np.column_stack(
            [self.bias if name == "bias" else self.field(name) for name in LIF_COLUMNS]))

    def check(self, precision=LOIHI_PRECISION, owner: str = "LIF") -> None:
        """Raise :class:`BuildError` if a field is outside what the soma of ``precision`` holds."""
        unity = precision.decay_unity
        limit = precision.saturation_limit
        vth_max = (precision.state_half - 1) >> precision.alignment_shift_bits
        rules = [
            ("du", lambda x: (x >= 0) & (x < unity), f"must be in 0..{unity - 1}"),
            ("dv", lambda x: (x >= 0) & (x < unity), f"must be in 0..{unity - 1}"),
            ("vth_mant", lambda x: (x >= 0) & (x <= vth_max), f"must be in 0..{vth_max}"),
            ("refractory_steps", lambda x: (x >= 0) & (x <= precision.max_refractory_steps),
             f"must be in 0..{precision.max_refractory_steps}"),
            ("reset_value", lambda x: np.abs(x) <= limit, f"must be in {-limit}..{limit}"),
            ("reset_subtract", lambda x: np.isin(x, (0, 1)), "must be 0 or 1"),
            ("spiking", lambda x: np.isin(x, (0, 1)), "must be 0 or 1"),
            *((name, lambda x: np.isin(x, (0, 1)), "must be 0 or 1") for name in LIF_DISCRETE_EXTENSIONS),
        ]
        for name, rule, text in rules:
            value = self.field(name)
            ok = rule(value)
            if not np.all(ok):
                raise invalid(owner, name, value[~ok][:6], text, cls=BuildError)
        ok = np.abs(self.bias) <= limit
        if not np.all(ok):
            raise invalid(owner, "bias_mant * 2**bias_exp", self.bias[~ok][:6],
                          f"must be in {-limit}..{limit}", cls=BuildError)


@njit(inline="always")
def lif_element(u, v, a_in, refractory_left, du, dv, vth_mant, refractory_steps, reset_value,
                reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, bias, extra, load,
                decay_bits, shift, half, limit):
    """One LIF soma update of one neuron (docs/chip.md sections 4.2 and 4.3).

    Parameters are the neuron's :class:`LifParams` fields as scalars, ``bias`` the effective
    bias, ``extra`` the summed contribution of its receptor elements (section 4.5; 0 without
    receptors), added to ``v`` like ``u`` and the bias, and ``load`` their conductances' load:
    when not 0 the step's change of ``v`` is scaled by ``phi(load)`` (exponential Euler,
    :mod:`.relaxation`; 0 leaves the update as it was). Returns ``(u, v, spiked, refractory_left, u before the wrap, v before saturation)``;
    the last two let callers detect overflow. Written without data-dependent branches (every
    choice is a select), so that compiled loops over neurons that share parameters vectorise;
    with the extensions 0 the compiler removes their arithmetic.
    """
    fire_above = (vth_mant << shift) - threshold_inclusive  # spike when v > fire_above
    reset_step = (vth_mant << shift) - reset_value  # what a reset by subtraction removes
    current_bias = bias * bias_to_current
    unwrapped = decay_element(u, du + 1, decay_bits) + (a_in << shift) + current_bias
    u_new = wrap_element(unwrapped, half)
    held = refractory_left > 0
    change = decay_element(v, dv, decay_bits) - v + u_new + (bias - current_bias) + extra
    integrated = v if held else v + relax_element(change, load)
    # A reset one step late: the neuron spiked in the last step iff v, left unreset, is above.
    # ``&`` rather than ``and``: a short-circuit is a branch, which keeps the loop from vectorising.
    pending = (reset_delay == 1) & (spiking == 1) & (not held) & (v > fire_above)
    integrated = (integrated - reset_step if reset_subtract == 1 else reset_value) if pending else integrated
    v_new = saturate_element(integrated, -limit, limit)
    spiked = (not held) & (spiking == 1) & (v_new > fire_above)
    reset = v_new - reset_step if reset_subtract == 1 else reset_value
    v_out = reset if spiked & (reset_delay == 0) else v_new
    refractory_new = refractory_steps if spiked else (refractory_left - 1 if held else min(refractory_left, 0))
    return u_new, v_out, spiked, refractory_new, unwrapped, integrated


@njit(inline="always")
def lif_fits_int32(half, decay_bits):
    """Whether :func:`lif_element32` equals :func:`lif_element` for a soma of these widths:
    ``state_bits <= 28`` (``half = 2**(state_bits - 1)``) and ``decay_bits <= 15``."""
    return half <= (1 << 27) and decay_bits <= 15


@njit(inline="always")
def lif_element32(u, v, a_in, refractory_left, du, dv, vth_mant, refractory_steps, reset_value,
                  reset_subtract, spiking, reset_delay, bias_to_current, threshold_inclusive, bias,
                  decay_bits, shift, half, limit):
    """:func:`lif_element` without receptor elements (``extra = load = 0``), computed in 32-bit
    lanes (:mod:`.lanes`): the same update, written so that a compiled loop over neurons runs
    8 or 16 neurons per vector instruction instead of 4 or 8. Returns ``(u, v, spiked,
    refractory_left)`` as int32 (and a bool).

    Exact (equal to :func:`lif_element`, tests/chip/test_lif32.py) when
    :func:`lif_fits_int32`: the registers hold ``state_bits <= 28`` bits, ``a_in`` the
    dendrite's ``state_bits - shift`` bits and the parameters pass :meth:`LifParams.check`,
    so every intermediate value is below ``5 * 2**27 < 2**31`` in magnitude (``integrated``:
    decayed ``v``, ``u``, bias and a pending reset's step, each below ``2 * half``), and the
    decay's products fit (:func:`~.numbers.decay_element32`). Callers choose it with
    :func:`lif_fits_int32` and fall back to :func:`lif_element` otherwise.
    """
    aligned = shl32(vth_mant, shift)
    fire_above = sub32(aligned, threshold_inclusive)  # spike when v > fire_above
    reset_step = sub32(aligned, reset_value)  # what a reset by subtraction removes
    current_bias = i32(bias * bias_to_current)
    keep_u = sub32(shl32(1, decay_bits), du + 1)
    keep_v = sub32(shl32(1, decay_bits), dv)
    half32, minus_half = i32(half), i32(-half)  # (numba's unary minus widens to int64)
    unwrapped = add32(add32(decay_element32(u, keep_u, decay_bits), shl32(a_in, shift)), current_bias)
    # wrap_element's single wrap-around, as selects on int32
    u_new = sub32(unwrapped, add32(half32, half32)) if unwrapped > half32 else (
        add32(unwrapped, add32(half32, half32)) if unwrapped <= minus_half else unwrapped)
    held = refractory_left > 0
    # v + (decay(v) - v + u + bias) of lif_element, without the round trip through v
    integrated = i32(v) if held else add32(add32(decay_element32(v, keep_v, decay_bits), u_new),
                                           sub32(bias, current_bias))
    pending = reset_delay == 1 and spiking == 1 and (not held) and v > fire_above
    if pending:
        integrated = sub32(integrated, reset_step) if reset_subtract == 1 else i32(reset_value)
    v_new = i32(min(max(integrated, i32(-limit)), i32(limit)))
    spiked = (not held) and spiking == 1 and v_new > fire_above
    reset = sub32(v_new, reset_step) if reset_subtract == 1 else i32(reset_value)
    v_out = reset if spiked and reset_delay == 0 else v_new
    left = i32(refractory_left)
    refractory_new = i32(refractory_steps) if spiked else (sub32(left, 1) if held else min(left, i32(0)))
    return u_new, v_out, spiked, refractory_new


@njit(inline="always")
def lif_row_element(u, v, a_in, refractory_left, table, row, bias, extra, load, decay_bits, shift, half, limit):
    """:func:`lif_element` with the parameters read from row ``row`` of a :data:`LIF_COLUMNS`
    table (``bias`` given apart: bias updates and run inputs change it)."""
    return lif_element(u, v, a_in, refractory_left, table[row, LIF_DU], table[row, LIF_DV],
                       table[row, LIF_VTH_MANT], table[row, LIF_REFRACTORY_STEPS],
                       table[row, LIF_RESET_VALUE], table[row, LIF_RESET_SUBTRACT],
                       table[row, LIF_SPIKING], table[row, LIF_RESET_DELAY], table[row, LIF_BIAS_TO_CURRENT],
                       table[row, LIF_THRESHOLD_INCLUSIVE], bias, extra, load, decay_bits, shift, half, limit)


class LifStepResult(NamedTuple):
    """State after one LIF step (int64 arrays) and the boolean spike vector."""

    u: np.ndarray
    v: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray


@njit
def _lif_loop(u, v, a_in, refractory_left, table, bias, extra, load, decay_bits, shift, half, limit,
              u_out, v_out, spiked_out, refractory_out, unwrapped_out, integrated_out):
    for k in range(u.size):
        (u_out[k], v_out[k], spiked_out[k], refractory_out[k], unwrapped_out[k],
         integrated_out[k]) = lif_row_element(u[k], v[k], a_in[k], refractory_left[k], table, k, bias[k],
                                              extra[k], load[k], decay_bits, shift, half, limit)


def lif_soma_step(u, v, a_in, params: LifParams, precision=LOIHI_PRECISION, *,
                  refractory_left=None, bias=None, extra=None, load=None, strict: bool = False, step: int = 0,
                  owner: str = "LIF", neuron_ids=None) -> LifStepResult:
    """One soma update of a LIF slice (docs/chip.md section 4.2).

    ``u``, ``v``: current and voltage, signed ``state_bits`` (24) LSBs. ``a_in``: this step's
    dendritic input (already read with :func:`~.dendrite.read_dendrite`), in units of
    ``2**-alignment_shift`` state LSBs. ``refractory_left``: steps each neuron is still held
    (``None`` = zeros). ``bias`` overrides ``params.bias`` (bias updates). ``extra``: the
    receptor elements' contribution per neuron (None = 0), ``load`` their conductance load
    (None = 0, :mod:`.relaxation`). ``step`` and ``neuron_ids`` only
    label overflow errors. Inputs are not modified.

    Order: ``u <- wrap(decay(u, du + 1) + (a_in << 6))``; unless refractory,
    ``v <- saturate(decay(v, dv) + u + bias)``; spike when not refractory, ``spiking`` and
    ``v > vth_mant << 6``; then reset (to ``reset_value``, or by subtraction) and start the
    refractory count. ``strict`` raises :class:`~.overflow.ChipOverflowError` when ``u``
    wraps or ``v`` saturates.
    """
    size = slice_length(params.size, u, v, a_in, refractory_left, bias, extra)
    return lif_table_step(u, v, a_in, table_rows(params.columns(), size), params.bias if bias is None else bias,
                          precision, refractory_left=refractory_left, extra=extra, load=load, strict=strict,
                          step=step, owner=owner, neuron_ids=neuron_ids)


def lif_table_step(u, v, a_in, table: np.ndarray, bias, precision=LOIHI_PRECISION, *, refractory_left=None,
                   extra=None, load=None, strict: bool = False, step: int = 0, owner: str = "LIF",
                   neuron_ids=None) -> LifStepResult:
    """:func:`lif_soma_step` with the parameters as a :data:`LIF_COLUMNS` table, one row per
    neuron (its bias column ignored: ``bias`` gives each neuron's effective bias)."""
    size = table.shape[0]
    u, v, a_in, bias = (writable_int64(x, (size,)) for x in (u, v, a_in, bias))
    extra = writable_int64(0 if extra is None else extra, (size,))
    load = writable_int64(0 if load is None else load, (size,))
    refractory_left = writable_int64(0 if refractory_left is None else refractory_left, (size,))
    u_new, v_new, refractory_new, unwrapped, integrated = (np.empty(size, dtype=np.int64) for _ in range(5))
    spiked = np.empty(size, dtype=np.bool_)
    _lif_loop(u, v, a_in, refractory_left, writable_int64(table, table.shape), bias, extra, load, precision.decay_bits,
              precision.alignment_shift_bits, precision.state_half, precision.saturation_limit,
              u_new, v_new, spiked, refractory_new, unwrapped, integrated)
    if strict:
        wrapped = u_new != unwrapped
        if wrapped.any():
            raise overflow_error(owner, step, neuron_ids, wrapped, "current u (before wrap)", unwrapped,
                                 f"wraps around the {precision.state_bits}-bit current register")
        limit = precision.saturation_limit
        check_range(integrated, -limit, limit, owner, step, neuron_ids, "voltage v")
    return LifStepResult(u_new, v_new, spiked, refractory_new)
