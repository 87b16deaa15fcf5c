"""The step-by-step engine: the emulator's readable reference and its strict mode.

It runs the compiled loop of :mod:`.kernel` one step at a time, on the same layout and state
as a fast run, except the soma phase: between the kernel's ``GATHER`` and ``ROUTE`` sections
it reads the dendrites and updates the somas itself with the chip's array API (:func:`neurocompile.chip.dendrite.read_dendrite`,
:func:`~neurocompile.chip.lif.lif_table_step`, :func:`~neurocompile.chip.adex.adex_table_step`),
which in strict mode raise :class:`~neurocompile.chip.ChipOverflowError` naming the
population, neuron, step and register value instead of wrapping or saturating. Both engines
give identical spikes, traces and counters.
"""
from __future__ import annotations

import numpy as np

from ..chip import SOMAS
from ..chip.adex import ADEX_I, ADEX_W, ADEX_X, adex_table_step
from ..chip.dendrite import read_dendrite
from ..chip.lif import LIF_V, lif_table_step
from ..chip.overflow import overflow_error
from ..chip.receptors import (RECEPTOR_OVERFLOW_C, RECEPTOR_OVERFLOW_R0, RECEPTOR_OVERFLOW_R1,
                              add_contributions, owner_loads, receptor_step)
from .kernel import CLOSE, GATHER, ROUTE
from .state import HostSpikes, soma_flags_array


class Stepper:
    """Steps one :class:`~.state.RunState` on a :class:`~.layout.ChipLayout`."""

    def __init__(self, layout, state, strict: bool, kernel):
        self.layout, self.state, self.strict, self.kernel = layout, state, strict, kernel
        batch = state.batch
        # One parameter row per neuron and sample (the kernel reads runs of shared rows instead).
        self.lif_rows = np.repeat(layout.lif.sets[layout.lif.set_of], batch, axis=0)
        self.adex_rows = np.repeat(layout.adex.sets[layout.adex.set_of], batch, axis=0)
        table = layout.receptors
        self.element_rows = np.repeat(table.sets[table.set_of], batch, axis=0) if layout.n_elements else None
        # flat (element, sample) -> flat (owner neuron, sample)
        self.element_owner = (np.repeat(table.owner, batch) * batch
                              + np.tile(np.arange(batch), table.owner.size)) if layout.n_elements else None

    def run(self, first: int, stop: int, host) -> int:
        """Run steps ``first..stop-1`` (host spikes and traces indexed from ``first``); returns
        the step after the last one run (earlier when the spike record is full)."""
        s = self.state
        for step in range(first, stop):
            k = step - first
            step_host = HostSpikes(host.ptr[k:], host.ids)
            recording = s.recording._replace(traces=s.recording.traces[k:])
            self._kernel(step, GATHER, step_host, recording)
            self._somas(step)
            if self._kernel(step, ROUTE | CLOSE, step_host, recording) == step:
                return step
        return stop

    def _kernel(self, step: int, sections: int, host, recording) -> int:
        layout, s = self.layout, self.state
        return self.kernel(step, step + 1, sections, s.dimensions, layout.registers, layout.lif, layout.adex,
                           s.synapses, layout.fabric, s.lif, s.adex, s.dendrites, host, s.fired, recording,
                           s.counters, s.elements, s.short_term, s.gates, s.learning)

    def _somas(self, step: int) -> None:
        """The soma phase: read and clear each bank's slot, update with the chip's array API."""
        s, layout = self.state, self.layout
        precision, batch = layout.precision, s.batch
        base = (step % s.dimensions.ring_length) * s.dimensions.n_slots * batch
        n_lif, n_adex = s.dimensions.n_lif * batch, s.dimensions.n_adex * batch
        extra, load = self._elements(step, base + n_lif + n_adex) if layout.n_elements else (None, None)
        if n_lif:
            slot = s.dendrites.ring[base:base + n_lif]
            a_in = self._read(slot, step, "LIF", 0)
            r = lif_table_step(*s.lif.registers, a_in, self.lif_rows, s.lif.bias, precision,
                               refractory_left=s.lif.refractory, strict=self.strict, step=step, owner="LIF",
                               neuron_ids=self._labels(0), extra=None if extra is None else extra[:n_lif],
                               load=None if load is None else load[:n_lif])
            self._store(s.lif, layout.bank_registers["LIF"], getattr(r, SOMAS["LIF"].counted_saturation), r, a_in,
                        slot)
        if n_adex:
            slot = s.dendrites.ring[base + n_lif:base + n_lif + n_adex]
            a_in = self._read(slot, step, "AdEx", s.dimensions.n_lif)
            registers = s.adex.registers
            gates = tuple(registers[ADEX_I + 1:]) if registers.shape[0] > ADEX_I + 1 else None  # HH rows' m, h, n
            r = adex_table_step(registers[ADEX_X], registers[ADEX_W], registers[ADEX_I], a_in, self.adex_rows,
                                s.adex.bias, layout.adex.exp_values, precision, refractory_left=s.adex.refractory,
                                gates=gates, strict=self.strict, step=step, owner="nonlinear soma",
                                neuron_ids=self._labels(s.dimensions.n_lif), extra=None if extra is None else extra[n_lif:])
            # an HH row's counted state saturation is a step outside its gate tables
            self._store(s.adex, layout.bank_registers["AdEx"], np.where(r.outside, precision.saturation_limit, r.w),
                        r, a_in, slot)

    def _elements(self, step: int, start: int) -> np.ndarray:
        """The receptor elements' update (docs/chip.md section 4.5) from their accumulators at
        ``start`` of the ring; returns the summed contributions and conductance loads per neuron
        and sample. Counts
        what the kernel counts; strict mode raises on any saturation."""
        s, layout = self.state, self.layout
        precision, batch = layout.precision, s.batch
        e = s.elements
        size = e.r0.size
        slot = s.dendrites.ring[start:start + size]
        total = slot.astype(np.int64)
        a_in = read_dendrite(slot, precision, strict=self.strict, step=step, owner="dendrite (receptor element)",
                             neuron_ids=self._element_label)
        owner = self.element_owner
        v = np.concatenate([s.lif.registers[LIF_V], s.adex.registers[ADEX_X]]).astype(np.int64)[owner]
        r0, r1, c, overflow, r0_raw, r1_raw, c_raw, load = receptor_step(e.r0, e.r1, a_in, v, self.element_rows,
                                                                         e.lut, precision)
        if self.strict and overflow.any():
            for bit, name, raw in ((RECEPTOR_OVERFLOW_R0, "r0", r0_raw), (RECEPTOR_OVERFLOW_R1, "r1", r1_raw),
                                   (RECEPTOR_OVERFLOW_C, "contribution", c_raw)):
                mask = (overflow & bit) != 0
                if mask.any():
                    raise overflow_error("receptor element", step, self._element_label, mask, name, raw,
                                         f"outside +-{precision.saturation_limit}")
        e.r0[:] = r0
        e.r1[:] = r1
        slot[:] = 0
        neurons = (s.dimensions.n_lif + s.dimensions.n_adex) * batch
        extra = np.zeros(neurons, dtype=np.int64)
        add_contributions(c, owner, extra, precision.saturation_limit)
        pops = layout.synapses.pop_of[owner // batch]
        samples = owner % batch
        saturations = s.counters.saturations
        np.add.at(saturations, (pops, 0, samples), (a_in != total).astype(np.int64))
        np.add.at(saturations, (pops, 1, samples), (overflow != 0).astype(np.int64))
        cores = layout.fabric.core_of[owner // batch] * batch + samples
        np.add.at(s.counters.step_active, cores, (a_in != 0).astype(np.int64))
        return extra, owner_loads(load, owner, neurons)

    def _element_label(self, position: int) -> str:
        """An element's flat position named for a user: population, neuron and receptor."""
        layout, batch = self.layout, self.state.batch
        k, b = divmod(int(position), batch)
        for (name, receptor), first in layout.element_offset.items():
            if first <= k < first + layout.size[name]:
                return f"'{name}'[{k - first}] receptor '{receptor}'" + (f" (sample {b})" if batch > 1 else "")
        return str(position)

    def _read(self, slot, step: int, bank: str, first_neuron: int) -> np.ndarray:
        return read_dendrite(slot, self.layout.precision, strict=self.strict, step=step,
                             owner=f"dendrite ({bank})", neuron_ids=self._labels(first_neuron))

    def _labels(self, first_neuron: int):
        """Position in a bank's flat arrays -> the neuron's name, for strict-mode errors."""
        batch = self.state.batch
        return lambda position: self.layout.label(first_neuron * batch + position, batch)

    def _store(self, bank, registers, counted, result, a_in, slot) -> None:
        """Write a bank's new state back (its ``registers``, in order), clear its slot and set its
        flags (:mod:`.state`); ``counted``: the values whose saturation the flags count."""
        limit = self.layout.precision.saturation_limit
        for k, register in enumerate(registers):
            bank.registers[k] = getattr(result, register)
        bank.refractory[:] = result.refractory_left
        total = slot.astype(np.int64)
        slot[:] = 0
        soma_flags_array(result.spiked, a_in, total, np.asarray(counted, dtype=np.int64), limit, bank.flags)
