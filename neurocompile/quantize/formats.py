"""Fixed-point number formats shared by the quantizers: mantissa/exponent pairs and decays.

All functions are vectorised and return integers that fit the requested widths; none of them
clips silently: they report what they had to clip so the caller can warn (or raise under
``strict=True``).
"""
from __future__ import annotations

import math

import numpy as np

DECAY_UNITY_BITS = 12
#: Registers sized on calibration runs (``ranges=``) hold this many times the largest value
#: the runs reached.
RANGE_MARGIN = 2.0


def decay_constant(tau: np.ndarray, dt: float, bits: int = DECAY_UNITY_BITS, offset: int = 0):
    """Integer decay ``d`` such that the state is multiplied by ``(2^bits - d - offset)/2^bits``.

    ``tau = 0`` (instantaneous) gives full decay. Returns (d, effective_tau) where
    effective_tau is the time constant the integer decay realises, ms (inf if no decay).
    ``offset`` is Loihi's +1 on the current decay: the realised factor uses ``d + offset``.
    """
    unity = 1 << bits
    tau = np.asarray(tau, dtype=np.float64)
    with np.errstate(divide="ignore"):
        keep = np.where(tau > 0, np.exp(-dt / np.where(tau > 0, tau, 1.0)), 0.0)
    total = np.rint(unity * (1.0 - keep)).astype(np.int64)  # decay incl. offset
    total = np.clip(total, offset, unity)  # a decay slower than the offset allows is the offset
    d = total - offset
    realised = (unity - total) / unity
    with np.errstate(divide="ignore"):
        eff_tau = np.where(realised > 0, -dt / np.log(np.where(realised > 0, realised, 1.0)), 0.0)
    eff_tau = np.where(realised >= 1.0, np.inf, eff_tau)
    return d, eff_tau


def split_mantissa_exponent(values: np.ndarray, mant_bits: int, exp_min: int, exp_max: int):
    """Represent non-negative-or-signed integers ``values`` as ``mant << exp``.

    ``mant`` is signed with ``mant_bits`` bits including the sign; the exponent is the smallest
    in ``[exp_min, exp_max]`` that makes the mantissa fit. Returns (mant, exp, clipped) where
    ``clipped`` marks values that needed more than ``exp_max`` (they are clipped to the largest
    representable magnitude).
    """
    values = np.asarray(values, dtype=np.float64)
    limit = (1 << (mant_bits - 1)) - 1
    mag = np.abs(values)
    with np.errstate(divide="ignore"):
        exp = np.ceil(np.log2(np.maximum(mag, 1e-300) / limit))
    exp = np.maximum(exp, exp_min).astype(np.int64)
    exp += np.rint(mag / 2.0**exp) > limit  # rounding up can still overflow by one
    clipped = exp > exp_max
    exp = np.minimum(exp, exp_max)
    mant = np.clip(np.rint(values / 2.0**exp), -limit, limit).astype(np.int64)
    return mant, exp, clipped


def pow2_at_least(value: float) -> float:
    """The smallest power of two >= ``value`` (> 0): a register range whose LSB is a power of two."""
    return 2.0 ** math.ceil(math.log2(max(value, 1e-30)))


def relative_error(realised, wanted) -> float:
    """Largest ``|realised - wanted| / |wanted|`` (0 where ``wanted`` is 0)."""
    wanted = np.asarray(wanted, dtype=float)
    rel = np.abs(realised - wanted) / np.maximum(np.abs(wanted), 1e-12)
    rel = np.where(np.abs(wanted) < 1e-12, 0.0, rel)
    return float(rel.max()) if rel.size else 0.0
