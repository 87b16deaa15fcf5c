"""The chip's integer arithmetic: the one place where the soma and dendrite semantics live.

Everything here follows ``docs/chip.md`` bit for bit; the section numbers in the docstrings
refer to it. The semantics are written once, as scalar functions compiled with numba
(``*_element``, ``shift_by_exponent``, ...): the public functions below apply them to whole
arrays (1-D integer arrays, computed in int64) in compiled loops, and the emulator's fused
kernel (:mod:`.kernel`) calls the very same scalar functions, so the two cannot drift apart.

LIF is Loihi/Lava compatible: :func:`lif_soma_step` with the extensions unused gives the same
``u``, ``v`` and spikes as Lava's ``PyLifModelBitAcc`` (lava-nc 0.10). AdEx is the chip's own
fixed-point design; :func:`adex_integer_parameters` converts float parameters into it and
:func:`adex_shadow_step` is the same discretised update in float64, to measure the error of the
integers.

Overflow: state registers wrap (LIF current ``u``) or saturate (everything else). With
``strict=True`` every wrap or saturation raises :class:`ChipOverflowError` naming the neuron and
the step instead.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields
from typing import Mapping, NamedTuple

import numpy as np

from ..errors import BuildError, NeurocompileError, invalid
from ..jit import njit

__all__ = [
    "ADEX_COEFFICIENT_BITS",
    "ADEX_TABLE_INDEX_FRACTION_BITS",
    "AdexIntParams",
    "AdexQuantized",
    "AdexShadowResult",
    "AdexStepResult",
    "ChipOverflowError",
    "ExpTable",
    "FixedCoefficient",
    "LifIntParams",
    "LOIHI_FORMAT",
    "LifStepResult",
    "SomaFormat",
    "adex_exp_term",
    "adex_integer_parameters",
    "adex_shadow_step",
    "adex_soma_step",
    "build_exp_lut",
    "lif_decay",
    "lif_soma_step",
    "quantize_coefficient",
    "read_dendrite",
    "scale_by_exponent",
    "wrap_current",
]

#: Width of the AdEx soma's multiplier coefficients (signed, incl. sign). An architectural
#: constant of the chip (docs/chip.md section 5.2), not a target-file key.
ADEX_COEFFICIENT_BITS = 16
#: Largest right shift that follows an AdEx multiplication.
ADEX_MAX_SHIFT = 62
#: Fractional bits of the exp-table position (the linear-interpolation weight), section 5.3.
ADEX_TABLE_INDEX_FRACTION_BITS = 8


class ChipOverflowError(NeurocompileError, OverflowError):
    """A state register wrapped or saturated while the emulator runs in strict mode."""


# --------------------------------------------------------------------------------------------
# Number format of the soma


@dataclass(frozen=True)
class SomaFormat:
    """Bit widths of the soma (docs/chip.md section 2); defaults are Loihi/Lava's.

    * ``state_bits``: signed width of current, voltage, adaptation and synaptic current.
    * ``decay_bits``: LIF decay constants are in units of ``2**-decay_bits``.
    * ``alignment_shift_bits``: left shift of dendritic input and of the LIF threshold mantissa.
    * ``refractory_counter_bits``: the refractory period is at most ``2**bits - 1`` steps.
    """

    state_bits: int = 24
    decay_bits: int = 12
    alignment_shift_bits: int = 6
    refractory_counter_bits: int = 6

    @classmethod
    def from_precision(cls, precision) -> "SomaFormat":
        """The format of a target's ``[precision]`` section (:class:`neurocompile.target.Precision`)."""
        return cls(state_bits=precision.state_bits, decay_bits=precision.decay_bits,
                   alignment_shift_bits=precision.alignment_shift_bits,
                   refractory_counter_bits=precision.refractory_counter_bits)

    @property
    def state_half(self) -> int:
        """``2**(state_bits - 1)``."""
        return 1 << (self.state_bits - 1)

    @property
    def saturation_limit(self) -> int:
        """Saturating registers hold ``-limit..limit`` (symmetric, as Lava's voltage)."""
        return self.state_half - 1

    @property
    def dendrite_range(self) -> tuple[int, int]:
        """Range of ``a_in`` as read by the soma: ``state_bits - alignment_shift_bits`` bits, signed."""
        half = 1 << (self.state_bits - self.alignment_shift_bits - 1)
        return -half, half - 1

    @property
    def max_refractory_steps(self) -> int:
        return (1 << self.refractory_counter_bits) - 1


LOIHI_FORMAT = SomaFormat()


# --------------------------------------------------------------------------------------------
# Overflow reporting


def _ids(neuron_ids, count: int) -> np.ndarray:
    return np.arange(count) if neuron_ids is None else np.asarray(neuron_ids)


def _overflow(owner: str, step: int, neuron_ids, mask: np.ndarray, variable: str,
              values: np.ndarray, rule: str) -> ChipOverflowError:
    """Error naming the first offending neuron, its value and how many others overflowed."""
    where = np.flatnonzero(mask)
    first = int(where[0])
    ids = _ids(neuron_ids, mask.size)
    others = f" (and {where.size - 1} other neuron(s))" if where.size > 1 else ""
    return ChipOverflowError(
        f"{owner}: neuron {int(ids[first])} at step {step}: {variable} = {int(values[first])} "
        f"{rule}{others}; strict mode forbids wrap-around and saturation"
    )


def _check_range(values: np.ndarray, low: int, high: int, owner: str, step: int, neuron_ids,
                 variable: str, allowed: np.ndarray | None = None) -> None:
    """Strict mode: raise unless every value is in ``low..high`` (or its neuron is ``allowed``)."""
    outside = (values < low) | (values > high)
    bad = outside if allowed is None else outside & ~allowed
    if bad.any():
        raise _overflow(owner, step, neuron_ids, bad, variable, values,
                        f"saturates to the range {low}..{high}")


# --------------------------------------------------------------------------------------------
# Scalar semantics (compiled). Every rule of the integer arithmetic is written here once; the
# array functions below and the emulator's fused kernel both call these.


@njit(inline="always")
def shift_by_exponent(mantissa, exponent):
    """``mantissa * 2**exponent``; a negative exponent is an arithmetic (floor) right shift."""
    if exponent >= 0:
        return mantissa << exponent
    return mantissa >> -exponent


@njit(inline="always")
def decay_element(x, decay, decay_bits):
    """``x * (2**decay_bits - decay) >> decay_bits`` rounded toward zero (see :func:`lif_decay`)."""
    product = x * ((1 << decay_bits) - decay)
    # Branch-free sign * (|product| >> decay_bits): the sign of a neuron's state is
    # unpredictable, and a mispredicted branch costs more than the whole update.
    sign = product >> 63
    magnitude = (product ^ sign) - sign
    return ((magnitude >> decay_bits) ^ sign) - sign


@njit(inline="always")
def wrap_element(u, half):
    """One wrap of the LIF current into ``-half + 1 .. half`` (see :func:`wrap_current`)."""
    if u > half:
        return u - 2 * half
    if u <= -half:
        return u + 2 * half
    return u


@njit(inline="always")
def saturate_element(x, low, high):
    """Clamp to ``low..high`` (saturating registers and the dendrite read-out)."""
    return min(max(x, low), high)


@njit(inline="always")
def coefficient_element(x, mant, shift):
    """``round(x * mant / 2**shift)``: ``(x * mant + 2**(shift-1)) >> shift`` (round half up)."""
    return (x * mant + ((1 << shift) >> 1)) >> shift


# Array forms of the scalar rules (int64, any shape after broadcasting).


@njit
def _shift_loop(mantissa, exponent, out):
    for k in range(out.size):
        out[k] = shift_by_exponent(mantissa[k], exponent[k])


@njit
def _decay_loop(x, decay, decay_bits, out):
    for k in range(out.size):
        out[k] = decay_element(x[k], decay[k], decay_bits)


@njit
def _wrap_loop(u, half, out):
    for k in range(out.size):
        out[k] = wrap_element(u[k], half)


@njit
def _saturate_loop(x, low, high, out):
    for k in range(out.size):
        out[k] = saturate_element(x[k], low, high)


@njit
def _coefficient_loop(x, mant, shift, out):
    for k in range(out.size):
        out[k] = coefficient_element(x[k], mant[k], shift[k])


def _writable_int64(value, shape) -> np.ndarray:
    """``value`` as a C-contiguous, writable int64 array of ``shape`` (copied only if needed).

    The compiled loops take writable arrays only, so that each is compiled once.
    """
    array = np.asarray(value, dtype=np.int64)
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = np.array(array, dtype=np.int64, order="C")
    return array


def _flat_int64(*values):
    """Broadcast to one shape; return (shape, contiguous writable int64 1-D arrays)."""
    arrays = [np.asarray(v, dtype=np.int64) for v in values]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return shape, [_writable_int64(a, shape).reshape(-1) for a in arrays]


def _apply(loop, values, *scalars) -> np.ndarray:
    shape, flat = _flat_int64(*values)
    out = np.empty(flat[0].size, dtype=np.int64)
    loop(*flat, *scalars, out)
    return out.reshape(shape)


def _saturate(values: np.ndarray, low: int, high: int, strict: bool, owner: str, step: int,
              neuron_ids, variable: str, allowed: np.ndarray | None = None) -> np.ndarray:
    """Clamp to ``low..high``; under ``strict`` raise unless the neuron is in ``allowed``."""
    if strict:
        _check_range(np.asarray(values, dtype=np.int64), low, high, owner, step, neuron_ids,
                     variable, allowed)
    return _apply(_saturate_loop, (values,), np.int64(low), np.int64(high))


# --------------------------------------------------------------------------------------------
# Shared integer primitives


def scale_by_exponent(mantissa, exponent) -> np.ndarray:
    """``mantissa * 2**exponent`` with an arithmetic (floor) right shift for negative exponents.

    This is how Lava scales a Dense projection's per-step sum of weight mantissas by
    ``weight_exp`` and a bias mantissa by ``bias_exp``; ``exponent`` may be an array.
    """
    return _apply(_shift_loop, (mantissa, exponent))


def lif_decay(x, decay, decay_bits: int = 12) -> np.ndarray:
    """``x * (2**decay_bits - decay) / 2**decay_bits`` rounded toward zero (Lava's rounding).

    Computed as ``sign(p) * (|p| >> decay_bits)`` with ``p = x * (2**decay_bits - decay)`` in
    int64. ``decay`` is the *effective* decay constant, ``0..2**decay_bits``: the current uses
    ``du + 1`` (Loihi's offset), the voltage ``dv``.
    """
    return _apply(_decay_loop, (x, decay), np.int64(decay_bits))


def wrap_current(u, fmt: SomaFormat = LOIHI_FORMAT) -> np.ndarray:
    """Lava's single wrap-around of the current into ``-(2**(B-1)) + 1 .. 2**(B-1)``.

    ``u > 2**(B-1)`` loses ``2**B``; ``u <= -2**(B-1)`` gains ``2**B``. A value of exactly
    ``+2**(B-1)`` stays (Lava's convention, kept for bit-exactness). One correction suffices
    because the soma's inputs are bounded (docs/chip.md section 4.2).
    """
    return _apply(_wrap_loop, (u,), np.int64(fmt.state_half))


def read_dendrite(accumulated, fmt: SomaFormat = LOIHI_FORMAT, *, strict: bool = False,
                  step: int = 0, owner: str = "dendrite", neuron_ids=None) -> np.ndarray:
    """The soma's input ``a_in`` from a dendritic accumulator slot (docs/chip.md section 3.3).

    The slot holds the exact sum of the scaled contributions that arrive this step; it is read
    as a signed ``state_bits - alignment_shift_bits``-bit value, saturating (so that
    ``a_in << alignment_shift_bits`` fits the state). Lava does not bound this sum, so the two
    agree exactly when no saturation happens; strict mode raises when it would.
    """
    low, high = fmt.dendrite_range
    return _saturate(np.asarray(accumulated, dtype=np.int64), low, high, strict, owner, step,
                     neuron_ids, "dendritic input a_in")


def _int_array(obj: str, name: str, value, size: int | None) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise invalid(obj, name, value, "must be integers (quantize before building the chip parameters)",
                      cls=BuildError)
    if arr.ndim > 1:
        raise invalid(obj, name, value, "must be a scalar or a 1-D array with one value per neuron",
                      cls=BuildError)
    if size is not None:
        if arr.ndim == 1 and arr.shape[0] != size:
            raise invalid(obj, name, value, f"has {arr.shape[0]} values but the slice has {size} neurons",
                          cls=BuildError)
        arr = np.broadcast_to(arr, (size,))
    out = arr.astype(np.int64, copy=True)
    out.setflags(write=False)
    return out


def _slice_size(obj: str, values: dict) -> int:
    sizes = {np.asarray(v).shape[0] for v in values.values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise BuildError(f"{obj}: per-neuron arrays have different lengths {sorted(sizes)}")
    return sizes.pop() if sizes else 1


# --------------------------------------------------------------------------------------------
# LIF


@dataclass(frozen=True)
class LifIntParams:
    """Integer LIF parameters of one population slice (int64 arrays, one value per neuron).

    Lava-compatible fields (units are LSBs of the 24-bit state unless said otherwise):

    * ``du``, ``dv``: decay constants, ``0..2**decay_bits - 1``; the current decays by
      ``(du + 1) / 2**decay_bits`` per step, the voltage by ``dv / 2**decay_bits``.
    * ``vth_mant``: threshold mantissa, ``>= 0``; spike when ``v > vth_mant << alignment_shift``.
    * ``bias_mant``, ``bias_exp``: bias ``bias_mant * 2**bias_exp`` added to ``v`` every step
      (floor shift for negative exponents).

    Extensions (their defaults give exactly Lava's LIF):

    * ``refractory_steps``: after a spike ``v`` is held for this many steps (``u`` keeps
      evolving, no spike); 0 = none.
    * ``reset_value``: ``v`` after a spike (Lava: 0).
    * ``reset_subtract``: 1 = reset by subtraction, ``v <- v - (vth_eff - reset_value)``.
    * ``spiking``: 0 = never spikes (LI readout); 1 = LIF.

    Scalars broadcast to the slice size.
    """

    du: np.ndarray
    dv: np.ndarray
    vth_mant: np.ndarray
    bias_mant: np.ndarray
    bias_exp: np.ndarray
    refractory_steps: np.ndarray = 0
    reset_value: np.ndarray = 0
    reset_subtract: np.ndarray = 0
    spiking: np.ndarray = 1

    def __post_init__(self):
        raw = {f.name: getattr(self, f.name) for f in fields(self)}
        size = _slice_size("LifIntParams", raw)
        for name, value in raw.items():
            object.__setattr__(self, name, _int_array("LifIntParams", name, value, size))

    @property
    def size(self) -> int:
        return int(self.du.shape[0])

    @functools.cached_property
    def bias(self) -> np.ndarray:
        """The effective bias ``bias_mant * 2**bias_exp`` (computed once; fields are immutable)."""
        return scale_by_exponent(self.bias_mant, self.bias_exp)

    @functools.cached_property
    def packed(self) -> np.ndarray:
        """(size, 8) int64 table in the column order of :data:`LIF_COLUMNS` (effective bias)."""
        return np.ascontiguousarray(np.column_stack(
            [self.bias if name == "bias" else getattr(self, name) for name in LIF_COLUMNS]))

    def check(self, fmt: SomaFormat = LOIHI_FORMAT, owner: str = "LIF") -> None:
        """Raise :class:`BuildError` if a field is outside what the soma can hold."""
        unity = 1 << fmt.decay_bits
        limit = fmt.saturation_limit
        vth_max = (fmt.state_half - 1) >> fmt.alignment_shift_bits
        rules = [
            ("du", (self.du >= 0) & (self.du < unity), f"must be in 0..{unity - 1}"),
            ("dv", (self.dv >= 0) & (self.dv < unity), f"must be in 0..{unity - 1}"),
            ("vth_mant", (self.vth_mant >= 0) & (self.vth_mant <= vth_max), f"must be in 0..{vth_max}"),
            ("refractory_steps", (self.refractory_steps >= 0)
             & (self.refractory_steps <= fmt.max_refractory_steps),
             f"must be in 0..{fmt.max_refractory_steps}"),
            ("reset_value", np.abs(self.reset_value) <= limit, f"must be in {-limit}..{limit}"),
            ("reset_subtract", np.isin(self.reset_subtract, (0, 1)), "must be 0 or 1"),
            ("spiking", np.isin(self.spiking, (0, 1)), "must be 0 or 1"),
        ]
        for name, ok, rule in rules:
            if not np.all(ok):
                value = getattr(self, name)
                raise invalid(owner, name, value[~ok][:6], rule, cls=BuildError)
        bias = scale_by_exponent(self.bias_mant, self.bias_exp)
        ok = np.abs(bias) <= limit
        if not np.all(ok):
            raise invalid(owner, "bias_mant * 2**bias_exp", bias[~ok][:6],
                          f"must be in {-limit}..{limit}", cls=BuildError)


#: Columns of :attr:`LifIntParams.packed`, the per-neuron table the compiled loops read.
LIF_COLUMNS = ("du", "dv", "vth_mant", "bias", "refractory_steps", "reset_value", "reset_subtract",
               "spiking")


class LifStepResult(NamedTuple):
    """State after one LIF step (int64 arrays) and the boolean spike vector."""

    u: np.ndarray
    v: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray


@njit(inline="always")
def lif_element(u, v, a_in, refractory_left, du, dv, vth_mant, refractory_steps, reset_value,
                reset_subtract, spiking, bias, decay_bits, shift, half, limit):
    """One LIF soma update of one neuron (docs/chip.md section 4.2).

    Parameters are the neuron's :class:`LifIntParams` fields as scalars, ``bias`` the effective
    bias. Returns ``(u, v, spiked, refractory_left, u before the wrap, v before saturation)``;
    the last two let callers detect overflow. Written without data-dependent branches (every
    choice is a select), so that compiled loops over neurons that share parameters vectorise.
    """
    unwrapped = decay_element(u, du + 1, decay_bits) + (a_in << shift)
    u_new = wrap_element(unwrapped, half)
    held = refractory_left > 0
    integrated = v if held else decay_element(v, dv, decay_bits) + u_new + bias
    v_new = saturate_element(integrated, -limit, limit)
    threshold = vth_mant << shift
    spiked = (not held) and spiking == 1 and v_new > threshold
    reset = v_new - (threshold - reset_value) if reset_subtract == 1 else reset_value
    v_out = reset if spiked else v_new
    refractory_new = refractory_steps if spiked else (refractory_left - 1 if held else min(refractory_left, 0))
    return u_new, v_out, spiked, refractory_new, unwrapped, integrated


@njit
def _lif_loop(u, v, a_in, refractory_left, packed, decay_bits, shift, half, limit,
              u_out, v_out, spiked_out, refractory_out, unwrapped_out, integrated_out):
    for k in range(u.size):
        (u_out[k], v_out[k], spiked_out[k], refractory_out[k], unwrapped_out[k],
         integrated_out[k]) = lif_element(u[k], v[k], a_in[k], refractory_left[k], packed[k, 0],
                                          packed[k, 1], packed[k, 2], packed[k, 4], packed[k, 5],
                                          packed[k, 6], packed[k, 7], packed[k, 3], decay_bits, shift,
                                          half, limit)


def _state(value, size: int) -> np.ndarray:
    """A neuron state or input as a contiguous writable int64 array of ``size``."""
    return _writable_int64(value, (size,))


def _slice_length(params_size: int, *values) -> int:
    """Neurons in a step: parameters and states broadcast (scalar parameters apply to all)."""
    return int(np.broadcast_shapes((params_size,), *(np.shape(v) for v in values if v is not None))[0])


def _rows(packed: np.ndarray, size: int) -> np.ndarray:
    """The packed parameter table with one row per neuron (a single row is repeated)."""
    return packed if packed.shape[0] == size else np.repeat(packed, size, axis=0)


def lif_soma_step(u, v, a_in, params: LifIntParams, fmt: SomaFormat = LOIHI_FORMAT, *,
                  refractory_left=None, strict: bool = False, step: int = 0,
                  owner: str = "LIF", neuron_ids=None) -> LifStepResult:
    """One soma update of a LIF slice (docs/chip.md section 4.2).

    ``u``, ``v``: current and voltage, signed ``state_bits`` (24) LSBs. ``a_in``: this step's
    dendritic input (already read with :func:`read_dendrite`), in units of ``2**-alignment_shift``
    state LSBs. ``refractory_left``: steps each neuron is still held (``None`` = zeros).
    ``step`` and ``neuron_ids`` only label overflow errors. Inputs are not modified.

    Order: ``u <- wrap(decay(u, du + 1) + (a_in << 6))``; unless refractory,
    ``v <- saturate(decay(v, dv) + u + bias)``; spike when not refractory, ``spiking`` and
    ``v > vth_mant << 6``; then reset (to ``reset_value``, or by subtraction) and start the
    refractory count. ``strict`` raises :class:`ChipOverflowError` when ``u`` wraps or ``v``
    saturates.
    """
    size = _slice_length(params.size, u, v, a_in, refractory_left)
    u, v, a_in = _state(u, size), _state(v, size), _state(a_in, size)
    refractory_left = _state(0 if refractory_left is None else refractory_left, size)
    u_new, v_new, refractory_new, unwrapped, integrated = (np.empty(size, dtype=np.int64)
                                                           for _ in range(5))
    spiked = np.empty(size, dtype=np.bool_)
    _lif_loop(u, v, a_in, refractory_left, _rows(params.packed, size), fmt.decay_bits, fmt.alignment_shift_bits,
              fmt.state_half, fmt.saturation_limit, u_new, v_new, spiked, refractory_new,
              unwrapped, integrated)
    if strict:
        wrapped = u_new != unwrapped
        if wrapped.any():
            raise _overflow(owner, step, neuron_ids, wrapped, "current u (before wrap)", unwrapped,
                            f"wraps around the {fmt.state_bits}-bit current register")
        limit = fmt.saturation_limit
        _check_range(integrated, -limit, limit, owner, step, neuron_ids, "voltage v")
    return LifStepResult(u_new, v_new, spiked, refractory_new)


# --------------------------------------------------------------------------------------------
# AdEx: fixed-point coefficients and the exp table


@dataclass(frozen=True)
class FixedCoefficient:
    """A real multiplier ``c ~= mant / 2**shift`` (int64 arrays, one per neuron).

    ``apply(x)`` returns ``round(x * c)`` as ``(x * mant + 2**(shift-1)) >> shift`` (round half
    up, arithmetic shift); ``mant`` is signed with :data:`ADEX_COEFFICIENT_BITS` bits.
    """

    mant: np.ndarray
    shift: np.ndarray

    def apply(self, x) -> np.ndarray:
        return _apply(_coefficient_loop, (x, self.mant, self.shift))

    def value(self) -> np.ndarray:
        """The real numbers represented (float64)."""
        return self.mant / np.exp2(self.shift.astype(np.float64))


def quantize_coefficient(c, bits: int = ADEX_COEFFICIENT_BITS, obj: str = "AdEx",
                         name: str = "coefficient") -> FixedCoefficient:
    """Nearest ``mant / 2**shift`` to each real ``c`` with ``|mant| < 2**(bits-1)``, largest precision.

    The shift is chosen per value so that the mantissa uses all ``bits - 1`` magnitude bits
    (relative error <= ``2**-(bits-1)``). Raises :class:`BuildError` if ``|c|`` is too large
    for a non-negative shift or so small that it would round to zero at the largest shift.
    """
    c = np.atleast_1d(np.asarray(c, dtype=np.float64))
    limit = (1 << (bits - 1)) - 1
    nonzero = c != 0
    with np.errstate(divide="ignore"):
        exponent = np.where(nonzero, np.floor(np.log2(np.where(nonzero, np.abs(c), 1.0))), 0)
    shift = (bits - 2 - exponent).astype(np.int64)
    if np.any(nonzero & (shift < 0)):
        raise invalid(obj, name, c[nonzero & (shift < 0)],
                      f"is too large for a {bits}-bit coefficient (must be < {2 ** (bits - 2)})",
                      cls=BuildError)
    shift = np.clip(shift, 0, ADEX_MAX_SHIFT)
    mant = np.rint(c * np.exp2(shift)).astype(np.int64)
    # Rounding up to 2**(bits-1) does not fit: use one bit less of precision.
    over = np.abs(mant) > limit
    shift = np.where(over, shift - 1, shift)
    mant = np.where(over, np.rint(c * np.exp2(shift)).astype(np.int64), mant)
    if np.any(nonzero & (mant == 0)):
        raise invalid(obj, name, c[nonzero & (mant == 0)],
                      f"is too small for a {bits}-bit coefficient with a shift of at most "
                      f"{ADEX_MAX_SHIFT}", cls=BuildError)
    mant.setflags(write=False)
    shift.setflags(write=False)
    return FixedCoefficient(mant, shift)


@dataclass(frozen=True)
class ExpTable:
    """The per-core table of ``exp(x)`` (docs/chip.md section 5.3).

    ``values[k] = round(exp(input_min + k * step) * 2**fraction_bits)``, unsigned, at most
    ``state_bits - 1`` bits; ``step = (input_max - input_min) / (entries - 1)``. The table is
    the same for every neuron (its input ``x = (V - V_T) / delta_T`` is dimensionless); the
    per-neuron scaling lives in :class:`AdexIntParams`.
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


def build_exp_lut(entries: int, input_min: float, input_max: float,
                  fmt: SomaFormat = LOIHI_FORMAT) -> ExpTable:
    """The exp table of a target's ``[adex]`` section (``exp_table_entries``, ``exp_input_min/max``).

    ``fraction_bits`` is the largest that keeps ``exp(input_max)`` within ``state_bits - 1`` bits.
    """
    if entries < 2 or not input_min < input_max:
        raise invalid("exp table", "entries/input range", (entries, input_min, input_max),
                      "needs >= 2 entries and input_min < input_max", cls=BuildError)
    top = (1 << (fmt.state_bits - 1)) - 1
    fraction_bits = int(math.floor(math.log2(top / math.exp(input_max))))
    if fraction_bits < 0:
        raise invalid("exp table", "input_max", input_max,
                      f"makes exp(input_max) exceed the {fmt.state_bits - 1}-bit table entries",
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
def _exp_term_loop(x, values, index_mant, index_shift, origin, scale_mant, scale_shift, runaway, out):
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
    shape, (x, index_mant, index_shift, origin, scale_mant, scale_shift) = _flat_int64(
        x, index_scale.mant, index_scale.shift, origin, exp_scale.mant, exp_scale.shift)
    out = np.empty(x.size, dtype=np.int64)
    _exp_term_loop(x, _table_values(table), index_mant, index_shift, origin, scale_mant,
                   scale_shift, np.int64(runaway), out)
    return out.reshape(shape)


def _table_values(table: ExpTable) -> np.ndarray:
    return _writable_int64(table.values, table.values.shape)


# --------------------------------------------------------------------------------------------
# AdEx: parameters, integer step, float shadow


@dataclass(frozen=True)
class AdexIntParams:
    """Integer AdEx parameters of one population slice (docs/chip.md section 5).

    State units: ``x`` = (V - E_L) in voltage LSBs, ``w`` and ``i_syn`` in current LSBs.
    Coefficients (:class:`FixedCoefficient`, per step of ``dt``):

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
    and ``refractory_steps``.
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

    @property
    def size(self) -> int:
        return int(self.x_peak.shape[0])

    @functools.cached_property
    def packed(self) -> np.ndarray:
        """(size, 21) int64 table in the column order of :data:`ADEX_COLUMNS`."""
        columns = []
        for name in ADEX_COLUMNS:
            base, _, part = name.partition(".")
            value = getattr(self, base)
            columns.append(getattr(value, part) if part else value)
        return np.ascontiguousarray(np.column_stack(
            [np.broadcast_to(np.asarray(c, dtype=np.int64), (self.size,)) for c in columns]))


@dataclass(frozen=True)
class AdexQuantized:
    """Result of :func:`adex_integer_parameters`: the integer parameters, the table, the LSBs.

    ``v_lsb_mV`` and ``i_lsb_pA`` are the value of one state LSB; one unit of dendritic input
    ``a_in`` is worth ``input_lsb_pA = i_lsb_pA * 2**alignment_shift_bits``.
    """

    params: AdexIntParams
    table: ExpTable
    v_lsb_mV: float
    i_lsb_pA: float
    input_lsb_pA: float
    E_L: np.ndarray = field(repr=False)

    def state_to_int(self, v, w, i_syn):
        """Float state (mV, pA, pA) -> integer (x, w, i_syn), rounded to nearest."""
        x = np.rint((np.asarray(v, dtype=np.float64) - self.E_L) / self.v_lsb_mV).astype(np.int64)
        w = np.rint(np.asarray(w, dtype=np.float64) / self.i_lsb_pA).astype(np.int64)
        i = np.rint(np.asarray(i_syn, dtype=np.float64) / self.i_lsb_pA).astype(np.int64)
        return x, w, i

    def state_to_float(self, x, w, i_syn):
        """Integer state -> float (V mV, w pA, I_syn pA)."""
        return (self.E_L + np.asarray(x) * self.v_lsb_mV, np.asarray(w) * self.i_lsb_pA,
                np.asarray(i_syn) * self.i_lsb_pA)


_ADEX_KEYS = ("C", "g_L", "E_L", "V_T", "delta_T", "a", "tau_w", "b", "V_reset", "V_peak",
              "refractory", "tau_syn", "I_e")


def _pow2_at_least(value: float) -> float:
    return 2.0 ** math.ceil(math.log2(value))


def adex_integer_parameters(params: Mapping[str, object], dt: float, fmt: SomaFormat = LOIHI_FORMAT,
                            table: ExpTable | None = None, *, exp_table=None,
                            voltage_range_mV: float | None = None,
                            current_range_pA: float | None = None,
                            coefficient_bits: int = ADEX_COEFFICIENT_BITS,
                            owner: str = "AdEx") -> AdexQuantized:
    """Convert float AdEx parameters into the chip's integer parameter set.

    ``params``: the :class:`~neurocompile.models.AdEx` parameters (scalars or per-neuron arrays,
    e.g. ``model.resolve(n, name)``), units pF, nS, mV, pA, ms. ``dt``: step, ms. ``fmt``: the
    soma format (:meth:`SomaFormat.from_precision`). The exp table is ``table``, or is built from
    ``exp_table`` (a target's ``[adex]`` section, :class:`~neurocompile.target.AdExTable`).

    LSBs are powers of two shared by the slice: ``v_lsb = R / 2**(state_bits-1)`` with ``R`` the
    smallest power of two >= ``voltage_range_mV``, by default ``2 * max |V - E_L|`` over
    ``V_peak``, ``V_reset`` and the table's lowest input. ``i_lsb`` likewise from
    ``current_range_pA``, by default ``4 * max(|I_e| + 2|b| + |a| * span, 250 pA)``; pass a
    larger range if synaptic input can drive currents beyond that.
    """
    missing = [k for k in _ADEX_KEYS if k not in params]
    if missing:
        raise BuildError(f"{owner}: adex_integer_parameters needs parameters {', '.join(missing)}")
    if table is None:
        if exp_table is None:
            raise BuildError(f"{owner}: adex_integer_parameters needs table or exp_table")
        table = build_exp_lut(exp_table.exp_table_entries, exp_table.exp_input_min,
                              exp_table.exp_input_max, fmt)
    if not (dt > 0 and math.isfinite(dt)):
        raise invalid(owner, "dt", dt, "must be > 0 ms", cls=BuildError)
    size = _slice_size(owner, {k: params[k] for k in _ADEX_KEYS})
    p = {k: np.broadcast_to(np.asarray(params[k], dtype=np.float64), (size,)) for k in _ADEX_KEYS}
    half = fmt.state_half

    span = np.max(np.maximum.reduce([
        np.abs(p["V_peak"] - p["E_L"]), np.abs(p["V_reset"] - p["E_L"]),
        np.abs(p["V_T"] + table.input_min * p["delta_T"] - p["E_L"]), np.ones(size)]))
    v_range = _pow2_at_least(voltage_range_mV if voltage_range_mV is not None else 2.0 * span)
    if voltage_range_mV is not None and voltage_range_mV < span:
        raise invalid(owner, "voltage_range_mV", voltage_range_mV,
                      f"must cover max |V - E_L| = {span:g} mV", cls=BuildError)
    v_lsb = v_range / half
    drive = np.max(np.abs(p["I_e"]) + 2.0 * np.abs(p["b"]) + np.abs(p["a"]) * span)
    i_range = _pow2_at_least(current_range_pA if current_range_pA is not None
                             else 4.0 * max(drive, 250.0))
    i_lsb = i_range / half

    def coef(c, name):
        return quantize_coefficient(c, coefficient_bits, owner, name)

    instant = p["tau_syn"] == 0
    safe_tau_syn = np.where(instant, 1.0, p["tau_syn"])
    x_t = (p["V_T"] - p["E_L"]) / v_lsb
    refractory = p["refractory"] / dt
    if np.any(np.abs(refractory - np.rint(refractory)) > 1e-6):
        raise invalid(owner, "refractory", p["refractory"], f"must be a multiple of dt = {dt:g} ms",
                      cls=BuildError)
    refractory = np.rint(refractory).astype(np.int64)
    if np.any(refractory > fmt.max_refractory_steps):
        raise invalid(owner, "refractory", p["refractory"],
                      f"must be at most {fmt.max_refractory_steps} steps of {dt:g} ms", cls=BuildError)
    ints = {
        "exp_origin": np.rint(x_t + table.input_min * p["delta_T"] / v_lsb),
        "x_peak": np.rint((p["V_peak"] - p["E_L"]) / v_lsb),
        "x_reset": np.rint((p["V_reset"] - p["E_L"]) / v_lsb),
        "b": np.rint(p["b"] / i_lsb),
        "bias": np.rint(p["I_e"] / i_lsb),
    }
    for name, key in (("b", "b"), ("I_e", "bias")):
        if np.any(np.abs(ints[key]) > fmt.saturation_limit):
            raise invalid(owner, name, p[name], f"exceeds the current range +-{i_range:g} pA",
                          cls=BuildError)
    ints = {k: v.astype(np.int64) for k, v in ints.items()}
    ints["refractory_steps"] = refractory
    for arr in ints.values():
        arr.setflags(write=False)
    int_params = AdexIntParams(
        leak=coef(dt * p["g_L"] / p["C"], "dt*g_L/C"),
        gain=coef(dt * i_lsb / (p["C"] * v_lsb), "dt*I_lsb/(C*V_lsb)"),
        jump=coef(np.where(instant, i_lsb / (p["C"] * v_lsb), 0.0), "I_lsb/(C*V_lsb)"),
        coupling=coef(dt * p["a"] * v_lsb / (p["tau_w"] * i_lsb), "dt*a*V_lsb/(tau_w*I_lsb)"),
        adaptation=coef(dt / p["tau_w"], "dt/tau_w"),
        synapse=coef(np.where(instant, 1.0, -np.expm1(-dt / safe_tau_syn)), "1-exp(-dt/tau_syn)"),
        exp_index=coef(v_lsb * 2.0**ADEX_TABLE_INDEX_FRACTION_BITS / (p["delta_T"] * table.input_step),
                       "V_lsb*2**F/(delta_T*table step)"),
        exp_scale=coef(dt * p["g_L"] * p["delta_T"] / (p["C"] * v_lsb * 2.0**table.fraction_bits),
                       "dt*g_L*delta_T/(C*V_lsb*2**table_fraction_bits)"),
        **ints,
    )
    e_l = p["E_L"].copy()
    e_l.setflags(write=False)
    return AdexQuantized(int_params, table, v_lsb, i_lsb, i_lsb * 2.0**fmt.alignment_shift_bits, e_l)


#: Columns of :attr:`AdexIntParams.packed`: coefficient mantissas and shifts, then integers.
ADEX_COLUMNS = ("leak.mant", "leak.shift", "gain.mant", "gain.shift", "jump.mant", "jump.shift",
                "coupling.mant", "coupling.shift", "adaptation.mant", "adaptation.shift",
                "synapse.mant", "synapse.shift", "exp_index.mant", "exp_index.shift",
                "exp_scale.mant", "exp_scale.shift", "exp_origin", "x_peak", "x_reset", "b",
                "refractory_steps")


class AdexStepResult(NamedTuple):
    """State after one AdEx step (int64 arrays) and the boolean spike vector."""

    x: np.ndarray
    w: np.ndarray
    i_syn: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray


#: Bits of the overflow code returned by :func:`adex_element` (which register saturated).
ADEX_OVERFLOW_I, ADEX_OVERFLOW_X0, ADEX_OVERFLOW_X1, ADEX_OVERFLOW_W = 1, 2, 4, 8


@njit(inline="always")
def adex_element(x, w, i_syn, a_in, refractory_left, table, row, bias, values, align, limit):
    """One AdEx soma update of one neuron (docs/chip.md section 5.4); ``table[row]``: its parameters.

    Returns ``(x, w, i_syn, spiked, refractory_left, overflow)``; ``overflow`` has the
    ``ADEX_OVERFLOW_*`` bits of the registers that saturated (the voltage of the spike step
    itself excluded, see :func:`adex_soma_step`).
    """
    q = a_in << align
    instant = table[row, 4] != 0
    overflow = 0
    i = i_syn if instant else i_syn + q
    if i < -limit or i > limit:
        overflow |= ADEX_OVERFLOW_I
        i = saturate_element(i, -limit, limit)
    x0 = x + coefficient_element(q, table[row, 4], table[row, 5])
    if x0 < -limit or x0 > limit:
        overflow |= ADEX_OVERFLOW_X0
        x0 = saturate_element(x0, -limit, limit)
    exp_term = exp_term_element(x0, values, table[row, 12], table[row, 13], table[row, 16], table[row, 14], table[row, 15], limit)
    x1 = x0 - coefficient_element(x0, table[row, 0], table[row, 1]) + exp_term + coefficient_element(i - w + bias, table[row, 2], table[row, 3])
    w1 = w + coefficient_element(x0, table[row, 6], table[row, 7]) - coefficient_element(w, table[row, 8], table[row, 9])
    i_next = i - coefficient_element(i, table[row, 10], table[row, 11])
    held = refractory_left > 0
    if held:
        x1 = table[row, 18]
    spiked = (not held) and x1 >= table[row, 17]
    if (x1 < -limit or x1 > limit) and not spiked:
        overflow |= ADEX_OVERFLOW_X1
    x1 = saturate_element(x1, -limit, limit)
    if spiked:
        w1 = w1 + table[row, 19]
    if w1 < -limit or w1 > limit:
        overflow |= ADEX_OVERFLOW_W
        w1 = saturate_element(w1, -limit, limit)
    if spiked:
        x1 = table[row, 18]
        refractory_new = table[row, 20]
    else:
        refractory_new = refractory_left - 1 if refractory_left > 0 else 0
    return x1, w1, i_next, spiked, refractory_new, overflow


@njit
def _adex_loop(x, w, i_syn, a_in, refractory_left, packed, bias, values, align, limit,
               x_out, w_out, i_out, spiked_out, refractory_out, overflow_out, i_raw, x0_raw, x1_raw,
               w_raw):
    for k in range(x.size):
        (x_out[k], w_out[k], i_out[k], spiked_out[k], refractory_out[k],
         overflow_out[k]) = adex_element(x[k], w[k], i_syn[k], a_in[k], refractory_left[k], packed, k,
                                         bias[k], values, align, limit)
        if overflow_out[k] != 0:  # the unsaturated values, for the strict-mode message
            _adex_raw(x[k], w[k], i_syn[k], a_in[k], refractory_left[k], packed, k, bias[k], values,
                      align, limit, k, i_raw, x0_raw, x1_raw, w_raw)


@njit
def _adex_raw(x, w, i_syn, a_in, refractory_left, table, row, bias, values, align, limit, k, i_raw, x0_raw,
              x1_raw, w_raw):
    """The register values before saturation (as the message of a strict-mode error shows)."""
    q = a_in << align
    i = i_syn if table[row, 4] != 0 else i_syn + q
    i_raw[k] = i
    i = saturate_element(i, -limit, limit)
    x0 = x + coefficient_element(q, table[row, 4], table[row, 5])
    x0_raw[k] = x0
    x0 = saturate_element(x0, -limit, limit)
    exp_term = exp_term_element(x0, values, table[row, 12], table[row, 13], table[row, 16], table[row, 14], table[row, 15], limit)
    x1 = x0 - coefficient_element(x0, table[row, 0], table[row, 1]) + exp_term + coefficient_element(i - w + bias, table[row, 2], table[row, 3])
    w1 = w + coefficient_element(x0, table[row, 6], table[row, 7]) - coefficient_element(w, table[row, 8], table[row, 9])
    if refractory_left > 0:
        x1 = table[row, 18]
    spiked = refractory_left <= 0 and x1 >= table[row, 17]
    x1_raw[k] = x1
    w_raw[k] = w1 + table[row, 19] if spiked else w1


def adex_soma_step(x, w, i_syn, a_in, params: AdexIntParams, table: ExpTable,
                   fmt: SomaFormat = LOIHI_FORMAT, *, bias=None, refractory_left=None,
                   strict: bool = False, step: int = 0, owner: str = "AdEx",
                   neuron_ids=None) -> AdexStepResult:
    """One soma update of an AdEx slice (docs/chip.md section 5.4).

    ``x``: (V - E_L) in voltage LSBs; ``w``, ``i_syn``: current LSBs; ``a_in``: dendritic input
    (units of ``2**alignment_shift`` current LSBs); ``bias`` overrides ``params.bias`` (step
    currents). With ``q = a_in << alignment_shift``, R(.) the rounding multiply::

        i   = sat(i_syn + q)                      (tau_syn > 0)
        x0  = sat(x + R(q * jump))                (tau_syn = 0: V += w/C)
        x1  = x0 - R(x0 * leak) + E(x0) + R((i - w + bias) * gain)
        w1  = w + R(x0 * coupling) - R(w * adaptation)
        i'  = i - R(i * synapse)
        refractory: x1 = x_reset, no spike; else spike if x1 >= x_peak:
        x1 = x_reset, w1 = sat(w1 + b), refractory_left = refractory_steps

    All registers saturate at ``+-(2**(state_bits-1) - 1)``. Strict mode raises on saturation
    of ``i_syn``, ``w``, or ``x`` in a step where the neuron does not spike (the overshoot of
    the spike step itself is discarded by the reset and is not an error).
    """
    size = _slice_length(params.size, x, w, i_syn, a_in, bias, refractory_left)
    limit = fmt.saturation_limit
    x, w, i_syn, a_in = (_state(value, size) for value in (x, w, i_syn, a_in))
    bias = _state(params.bias if bias is None else bias, size)
    refractory_left = _state(0 if refractory_left is None else refractory_left, size)
    x_new, w_new, i_new, refractory_new, overflow, i_raw, x0_raw, x1_raw, w_raw = (
        np.zeros(size, dtype=np.int64) for _ in range(9))
    spiked = np.empty(size, dtype=np.bool_)
    _adex_loop(x, w, i_syn, a_in, refractory_left, _rows(params.packed, size), bias, _table_values(table),
               fmt.alignment_shift_bits, limit, x_new, w_new, i_new, spiked, refractory_new,
               overflow, i_raw, x0_raw, x1_raw, w_raw)
    if strict and overflow.any():
        for bit, variable, raw in ((ADEX_OVERFLOW_I, "synaptic current i_syn", i_raw),
                                   (ADEX_OVERFLOW_X0, "voltage x", x0_raw),
                                   (ADEX_OVERFLOW_X1, "voltage x", x1_raw),
                                   (ADEX_OVERFLOW_W, "adaptation w", w_raw)):
            bad = (overflow & bit) != 0
            if bad.any():
                raise _overflow(owner, step, neuron_ids, bad, variable, raw,
                                f"saturates to the range {-limit}..{limit}")
    return AdexStepResult(x_new, w_new, i_new, spiked, refractory_new)


class AdexShadowResult(NamedTuple):
    """State after one float shadow step (float64 arrays, mV and pA) and the spike vector."""

    v: np.ndarray
    w: np.ndarray
    i_syn: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray


def adex_shadow_step(v, w, i_syn, input_pA, params: Mapping[str, object], dt: float, *,
                     I_e=None, refractory_left=None) -> AdexShadowResult:
    """The update of :func:`adex_soma_step` in float64, without rounding, table or saturation.

    Forward Euler for V and w, exact decay for I_syn, same order as the integer step, the
    exponential evaluated exactly at ``min(V, V_peak)``. ``input_pA``: summed synaptic
    weights arriving this step (pA); ``I_e`` overrides ``params["I_e"]`` (step currents).
    Used to measure the error of the integer model and as the quantizer's target.
    """
    p = {k: np.asarray(params[k], dtype=np.float64) for k in _ADEX_KEYS}
    v = np.asarray(v, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    input_pA = np.asarray(input_pA, dtype=np.float64)
    if refractory_left is None:
        refractory_left = np.zeros(v.shape, dtype=np.int64)
    refractory_left = np.asarray(refractory_left, dtype=np.int64)
    drive = p["I_e"] if I_e is None else np.asarray(I_e, dtype=np.float64)
    instant = p["tau_syn"] == 0
    i = np.asarray(i_syn, dtype=np.float64) + np.where(instant, 0.0, input_pA)
    v0 = v + np.where(instant, input_pA / p["C"], 0.0)
    exp_term = p["g_L"] * p["delta_T"] * np.exp((np.minimum(v0, p["V_peak"]) - p["V_T"]) / p["delta_T"])
    v1 = v0 + dt / p["C"] * (-p["g_L"] * (v0 - p["E_L"]) + exp_term - w + i + drive)
    w1 = w + dt / p["tau_w"] * (p["a"] * (v0 - p["E_L"]) - w)
    safe_tau_syn = np.where(instant, 1.0, p["tau_syn"])
    i_next = np.where(instant, 0.0, i * np.exp(-dt / safe_tau_syn))
    held = refractory_left > 0
    v1 = np.where(held, p["V_reset"], v1)
    spiked = ~held & (v1 >= p["V_peak"])
    v1 = np.where(spiked, p["V_reset"], v1)
    w1 = np.where(spiked, w1 + p["b"], w1)
    steps = np.rint(p["refractory"] / dt).astype(np.int64)
    refractory_new = np.where(spiked, steps, np.maximum(refractory_left - 1, 0))
    return AdexShadowResult(v1, w1, i_next, spiked, refractory_new)
