"""Injected currents as bias registers: step currents become bias updates (docs/chip.md section 7).

The bias register of a neuron encodes its constant drive; an injected current adds to it. Both
the compiler (step currents of the network) and the emulator (per-run input currents) convert
a physical current into register values here, so the two agree bit for bit.
"""
from __future__ import annotations

import numpy as np

from ..chip import SOMAS
from ..errors import BuildError
from .formats import split_mantissa_exponent
from .types import BiasUpdate


def bias_registers(q, external, precision, where: str):
    """Bias registers ``(bias_mant, bias_exp)`` of population ``q`` with an added current.

    ``external``: injected current per neuron (scalar, (size,), or (samples, size) for a batch),
    in the model's current unit (mV for LIF/LI, pA for AdEx), on top of the constant drive the
    bias already encodes. The registers have the shape of ``external`` (at least (size,)).
    ``where`` names the input in the error raised when the bias does not fit the register.
    """
    target_bias = q.bias_per_unit * (q.bias_drive + external)
    if SOMAS[q.model].bank == "AdEx":  # the AdEx bank's bias register is a full-width integer
        mant = np.rint(target_bias).astype(np.int64)
        exp = np.zeros(np.shape(mant), dtype=np.int64)
        clipped = np.abs(mant) > precision.saturation_limit
    else:
        mant, exp, clipped = split_mantissa_exponent(
            target_bias, precision.bias_mantissa_bits, precision.bias_exponent_min,
            precision.bias_exponent_max)
    if clipped.any():
        raise BuildError(
            f"{where}: the resulting bias exceeds the chip's bias range for {int(clipped.sum())} "
            f"neuron(s) (max {np.abs(target_bias).max():.4g} LSB); reduce the amplitude")
    shape = np.broadcast_shapes(np.shape(target_bias), (q.size,))
    return np.broadcast_to(mant, shape).astype(np.int64), np.broadcast_to(exp, shape).astype(np.int64)


def bias_updates(network, pops: dict, precision, onsets: dict | None = None):
    """The network's step currents as bias updates: the full bias vector of a population at each change.

    ``onsets``: population -> [(step, per-neuron drive that starts then)], the delayed biases
    of discrete-time models (``bias_onset``), which change the bias like a step current.
    """
    by_pop: dict[str, dict[int, list]] = {}
    for name, starts in (onsets or {}).items():
        for step, drive in starts:
            by_pop.setdefault(name, {}).setdefault(int(step), []).append((np.arange(drive.size), drive))
    for inj in network.currents:
        changes = by_pop.setdefault(inj.population.name, {})
        previous = 0.0
        for step, amplitude in zip(inj.steps, inj.current.amplitudes):
            changes.setdefault(int(step), []).append((inj.indices, amplitude - previous))
            previous = amplitude
    for name, changes in by_pop.items():
        q = pops[name]
        external = np.zeros(q.size)
        for step in sorted(changes):
            for indices, delta in changes[step]:
                np.add.at(external, indices, delta)
            mant, exp = bias_registers(q, external, precision, f"Step current into '{name}' at step {step}")
            yield BiasUpdate(step, name, mant, exp)
