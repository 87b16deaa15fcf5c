"""Results of quantization: integer populations and projections, with what was changed.

Every discretization decision is recorded on the object it changed (effective time
constants, relative errors, clipped values) so that the report can explain it later.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class QuantIssue:
    """Something quantization had to give up: ``count`` values of ``what`` in ``where``."""

    where: str
    what: str
    count: int
    detail: str

    def __str__(self):
        return f"{self.where}: {self.what}: {self.count} value(s): {self.detail}"


@dataclass(frozen=True)
class QuantizedPopulation:
    """Integer parameters and initial state of one population on the chip.

    Attributes:
        model: ``"LIF"``, ``"LI"``, ``"AdEx"`` or ``"source"``.
        params: integer parameter arrays (size,) in the chip's units (docs/chip.md).
        state: initial integer state arrays (size,).
        to_physical: state variable -> (scale, offset): physical = integer * scale + offset
            (scale and offset are floats or per-neuron arrays), e.g. ``"v"`` in mV.
        input_gain: per neuron, dendritic input LSBs (before the alignment shift) per unit
            of physical weight (mV for LIF/LI, pA for AdEx); weights are quantized with it.
        bias_per_unit: per neuron, integer bias per unit of physical injected current;
            step currents become bias updates with it.
        bias_drive: per neuron, the constant drive the bias encodes, in physical current
            units (so the bias with an extra current I is ``bias_per_unit * (bias_drive + I)``).
        report: numbers for the quantization report (effective time constants, errors).
        issues: what had to be clipped or approximated beyond the usual rounding.
    """

    name: str
    model: str
    size: int
    params: dict
    state: dict
    to_physical: dict
    input_gain: np.ndarray | None
    bias_per_unit: np.ndarray | None
    bias_drive: np.ndarray | None
    report: dict = field(default_factory=dict)
    issues: tuple = ()


@dataclass(frozen=True)
class QuantizedProjection:
    """Integer synapses of one projection: signed mantissas with one shared exponent.

    The dendrite sums the mantissas of the spikes arriving in a step, then shifts the sum by
    ``weight_exp`` (left if positive, arithmetic right if negative), as Lava's Dense does.

    Attributes:
        indptr, post: CSR over presynaptic neurons (int64 / int32).
        weight_mant: int16 mantissas aligned with ``post``.
        delay_steps: int16 delays (>= 1) aligned with ``post``.
        weight_exp: the shared exponent.
        sign_mode: ``"excitatory"``, ``"inhibitory"`` or ``"mixed"`` (mixed uses even mantissas).
    """

    name: str
    pre: str
    post: str
    indptr: np.ndarray
    post_index: np.ndarray
    weight_mant: np.ndarray
    delay_steps: np.ndarray
    weight_exp: int
    sign_mode: str
    report: dict = field(default_factory=dict)
    issues: tuple = ()

    @property
    def n_synapses(self) -> int:
        return int(self.post_index.size)
