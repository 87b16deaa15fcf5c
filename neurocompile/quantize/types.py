"""Results of quantization: integer populations, projections and bias updates, with what changed.

Every discretization decision is recorded on the object it changed (effective time
constants, relative errors, clipped values) so that the report can explain it later. The
integer parameters are the chip's own records (:class:`~neurocompile.chip.LifParams`,
:class:`~neurocompile.chip.AdexParams`): every back end reads them as they are.
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
        params: the chip's parameter record (:class:`~neurocompile.chip.LifParams` or
            :class:`~neurocompile.chip.AdexParams`; None for a spike source).
        state: initial integer state, register name -> (size,) array, in the order of the
            model's :attr:`neurocompile.chip.Soma.registers`.
        to_physical: probe variable -> (scale, offset): physical = integer * scale + offset
            (scale and offset are floats or per-neuron arrays), e.g. ``"v"`` in mV.
        input_gain: per neuron, dendritic input LSBs (before the alignment shift) per unit
            of physical weight (mV for LIF/LI, pA for AdEx); weights are quantized with it.
        bias_per_unit: per neuron, integer bias per unit of physical injected current;
            step currents become bias updates with it.
        bias_drive: per neuron, the constant drive the bias encodes, in physical current
            units (so the bias with an extra current I is ``bias_per_unit * (bias_drive + I)``).
        report: numbers for the quantization report (effective time constants, errors).
        issues: what had to be clipped or approximated beyond the usual rounding.
        receptors: the receptor elements (:class:`~.receptors.QuantizedReceptors`) of a model
            with ``receptors=``, else None.
    """

    name: str
    model: str
    size: int
    params: object
    state: dict
    to_physical: dict
    input_gain: np.ndarray | None
    bias_per_unit: np.ndarray | None
    bias_drive: np.ndarray | None
    report: dict = field(default_factory=dict)
    issues: tuple = ()
    receptors: object = None

    @property
    def is_source(self) -> bool:
        return self.model == "source"

    def channel(self, receptor: str) -> str:
        """The input a projection onto ``receptor`` feeds: that receptor's elements, or ""
        (the soma's own input) for a population without ``receptors=``."""
        return receptor if self.receptors is not None else ""

    def channel_gain(self, receptor: str) -> np.ndarray:
        """Dendritic input LSBs per unit of weight into ``receptor`` ("" = the soma)."""
        if not receptor:
            return self.input_gain
        return self.receptors.input_gain[self.receptors.index(receptor)]


@dataclass(frozen=True)
class QuantizedProjection:
    """Integer synapses of one projection: signed mantissas with one shared exponent.

    The dendrite sums the mantissas of the spikes arriving in a step, then shifts the sum by
    ``weight_exp`` (left if positive, arithmetic right if negative), as Lava's Dense does.

    Attributes:
        indptr, post_index: CSR over presynaptic neurons (int64 / int32).
        weight_mant: int16 mantissas aligned with ``post_index``.
        delay_steps: int16 delays (>= 1) aligned with ``post_index``.
        weight_exp: the shared exponent.
        sign_mode: ``"excitatory"``, ``"inhibitory"`` or ``"mixed"`` (mixed uses even mantissas).
        source: the network projection it comes from (itself, unless a projection was written
            as several parts: :mod:`~neurocompile.quantize.precise_weights`).
        receptor: the post population's receptor element it feeds ("" = the soma's own input).
        stp: its short-term plasticity as the chip's parameter row
            (:data:`~neurocompile.chip.short_term.STP_COLUMNS`, int64), or None.
        gate: onto an NMDA receptor, its presynaptic gates' row
            (:data:`~neurocompile.chip.nmda.GATE_COLUMNS`, int64), or None.
        learning: a plastic projection's STDP row
            (:data:`~neurocompile.chip.learning.LEARNING_COLUMNS`, int64), or None.
        plastic_weight: a plastic projection's initial weight registers ``W`` (int32, aligned
            with ``post_index``; ``weight_mant`` holds what they deliver), or None.
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
    source: str = ""
    receptor: str = ""
    stp: np.ndarray | None = None
    gate: np.ndarray | None = None
    learning: np.ndarray | None = None
    plastic_weight: np.ndarray | None = None

    @property
    def plastic(self) -> bool:
        """True for a projection whose weights the learning rule changes."""
        return self.learning is not None

    @property
    def n_synapses(self) -> int:
        return int(self.post_index.size)

    @property
    def pre_index(self) -> np.ndarray:
        """The presynaptic neuron of every synapse (int64, aligned with ``post_index``)."""
        return np.repeat(np.arange(self.indptr.size - 1, dtype=np.int64), np.diff(self.indptr))


@dataclass(frozen=True)
class BiasUpdate:
    """From ``step`` on, population ``population`` has biases ``bias_mant << bias_exp``."""

    step: int
    population: str
    bias_mant: np.ndarray
    bias_exp: np.ndarray


@dataclass(frozen=True)
class QuantizedNetwork:
    """Integer form of a network. Immutable; the compiled program is built on it.

    ``exp_table``: the AdEx exponential table every core holds (None without AdEx or ExpIF
    neurons); ``gate_tables``: the HH gate tables every core holds
    (:class:`~neurocompile.chip.hh.GateTables`; None without HH neurons).
    """

    name: str
    dt: float
    seed: int
    populations: dict
    projections: tuple
    bias_updates: tuple
    issues: tuple
    exp_table: object = None
    gate_tables: object = None

    def physical_scales(self, trace_probes: dict) -> dict:
        """(population, variable) -> (scale, offset) over the probed neurons: integer -> unit.

        ``trace_probes``: (population, variable) -> probed neuron indices.
        """
        out = {}
        for (name, var), indices in trace_probes.items():
            q = self.populations[name]
            if q.receptors is not None and var in q.receptors.to_physical:
                scale, offset = q.receptors.to_physical[var][2], 0.0
            else:
                scale, offset = q.to_physical[var]
            out[(name, var)] = (np.broadcast_to(scale, (q.size,))[indices],
                                np.broadcast_to(offset, (q.size,))[indices])
        return out
