"""The step-by-step engine: the emulator's readable reference and its strict mode.

It runs the phases of :mod:`.phases` one call at a time, on the same layout and state as the
compiled kernel, except the soma phase: there it reads the dendrites and updates the somas
with the chip's array API (:func:`neurocompile.chip.dendrite.read_dendrite`,
:func:`~neurocompile.chip.lif.lif_table_step`, :func:`~neurocompile.chip.adex.adex_table_step`),
which in strict mode raise :class:`~neurocompile.chip.ChipOverflowError` naming the
population, neuron, step and register value instead of wrapping or saturating. Both engines
give identical spikes, traces and counters.
"""
from __future__ import annotations

import numpy as np

from ..chip import SOMAS
from ..chip.adex import adex_table_step
from ..chip.dendrite import read_dendrite
from ..chip.lif import lif_table_step
from .phases import (close_step, collect_host_spikes, collect_spikes, gather_floored_input, record_traces,
                     route_and_deliver, slot_base)
from .state import (FLAG_DENDRITE_SATURATED, FLAG_INPUT, FLAG_SPIKED, FLAG_STATE_SATURATED, SAT_ADEX_DENDRITE,
                    SAT_ADEX_STATE, SAT_LIF_DENDRITE, SAT_LIF_STATE)


class Stepper:
    """Steps one :class:`~.state.RunState` on a :class:`~.layout.ChipLayout`."""

    def __init__(self, layout, state, strict: bool):
        self.layout, self.state, self.strict = layout, state, strict
        batch = state.batch
        # One parameter row per neuron and sample (the kernel reads runs of shared rows instead).
        self.lif_rows = np.repeat(layout.lif.sets[layout.lif.set_of], batch, axis=0)
        self.adex_rows = np.repeat(layout.adex.sets[layout.adex.set_of], batch, axis=0)
        self.scratch = (np.zeros(layout.ring_length, dtype=np.int64), np.zeros(batch), np.zeros(batch))
        self.n_probed = int(state.recording.probed.sum())

    def run(self, first: int, stop: int, host) -> int:
        """Run steps ``first..stop-1`` (host spikes of the block in ``host``); returns ``stop``."""
        s, layout = self.state, self.layout
        dims, batch = s.dimensions, s.batch
        slot_start, longest, busiest = self.scratch
        for step in range(first, stop):
            if s.recording.n_recorded[0] + self.n_probed * batch > s.recording.ids.size:
                return step
            gather_floored_input(step, dims, layout.synapses, s.dendrites)
            self._somas(step)
            n_spiked = collect_spikes(s.lif.flags, dims.n_lif * batch, 0, batch, SAT_LIF_DENDRITE, SAT_LIF_STATE,
                                      layout.fabric.core_of, s.counters, s.fired, 0)
            n_spiked = collect_spikes(s.adex.flags, dims.n_adex * batch, dims.n_lif, batch, SAT_ADEX_DENDRITE,
                                      SAT_ADEX_STATE, layout.fabric.core_of, s.counters, s.fired, n_spiked)
            n_spiked = collect_host_spikes(step - first, batch, host, s.fired, n_spiked)
            route_and_deliver(step, n_spiked, dims, layout.synapses, layout.fabric, s.dendrites, s.fired,
                              s.recording, s.counters, slot_start, longest)
            close_step(step, dims, layout.fabric, s.counters, busiest)
            record_traces(step - first, dims, s.lif, s.adex, s.recording)
        return stop

    def _somas(self, step: int) -> None:
        """The soma phase: read and clear each bank's slot, update with the chip's array API."""
        s, layout = self.state, self.layout
        precision, batch = layout.precision, s.batch
        base = slot_base(step, s.dimensions)
        n_lif, n_adex = s.dimensions.n_lif * batch, s.dimensions.n_adex * batch
        if n_lif:
            slot = s.dendrites.ring[base:base + n_lif]
            a_in = self._read(slot, step, "LIF", 0)
            r = lif_table_step(*s.lif.registers, a_in, self.lif_rows, s.lif.bias, precision,
                               refractory_left=s.lif.refractory, strict=self.strict, step=step, owner="LIF",
                               neuron_ids=self._labels(0))
            self._store(s.lif, SOMAS["LIF"], r, a_in, slot)
        if n_adex:
            slot = s.dendrites.ring[base + n_lif:base + n_lif + n_adex]
            a_in = self._read(slot, step, "AdEx", s.dimensions.n_lif)
            r = adex_table_step(*s.adex.registers, a_in, self.adex_rows, s.adex.bias, layout.adex.exp_values,
                                precision, refractory_left=s.adex.refractory, strict=self.strict, step=step,
                                owner="AdEx", neuron_ids=self._labels(s.dimensions.n_lif))
            self._store(s.adex, SOMAS["AdEx"], r, a_in, slot)

    def _read(self, slot, step: int, bank: str, first_neuron: int) -> np.ndarray:
        return read_dendrite(slot, self.layout.precision, strict=self.strict, step=step,
                             owner=f"dendrite ({bank})", neuron_ids=self._labels(first_neuron))

    def _labels(self, first_neuron: int):
        """Position in a bank's flat arrays -> the neuron's name, for strict-mode errors."""
        batch = self.state.batch
        return lambda position: self.layout.label(first_neuron * batch + position, batch)

    def _store(self, bank, soma, result, a_in, slot) -> None:
        """Write a bank's new state back, clear its slot and set its flags (:mod:`.state`)."""
        limit = self.layout.precision.saturation_limit
        for k, register in enumerate(soma.registers):
            bank.registers[k] = getattr(result, register)
        bank.refractory[:] = result.refractory_left
        total = slot.astype(np.int64)
        slot[:] = 0
        saturated = np.abs(getattr(result, soma.counted_saturation)) == limit
        bank.flags[:total.size] = (result.spiked * FLAG_SPIKED | (a_in != 0) * FLAG_INPUT
                                   | (a_in != total) * FLAG_DENDRITE_SATURATED
                                   | saturated * FLAG_STATE_SATURATED).astype(np.uint8)
