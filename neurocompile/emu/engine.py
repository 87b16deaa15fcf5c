"""The emulator's run loop: all cores in lock-step, one barrier per time step.

Order within step ``k`` (docs/chip.md): bias updates scheduled for ``k`` take effect; host
inputs emit their spikes of step ``k``; every bank reads its dendritic input for ``k`` and
updates its somas; the spikes of step ``k`` are routed (counted per the placement's
multicast trees) and their synapses add weight mantissas to the accumulators of step
``k + delay``. Nothing here loops over neurons, synapses or cores in Python.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..reference.simulator import steps_for
from ..result import Recorder, Result
from .arith import SomaFormat, read_dendrite
from .counters import CounterAccumulator
from .results import chip_result
from .dendrite import Ring
from .layout import Bank, merge_projections
from .soma import RUNNERS

HOST_BANK = "host"


class LoadedProgram:
    """A program laid out in emulator memory: banks, merged synapse tables, rings, routes."""

    def __init__(self, program):
        qnet = program.quantized
        self.program = program
        self.fmt = SomaFormat.from_precision(program.target.precision)
        self.banks: dict[str, Bank] = {}
        self.bank_of: dict[str, str] = {}
        for name, q in qnet.populations.items():
            kind = HOST_BANK if q.model == "source" else ("AdEx" if q.model == "AdEx" else "LIF")
            bank = self.banks.setdefault(kind, Bank(kind))
            bank.add(name, q.size)
            self.bank_of[name] = kind
        self.runners = {k: RUNNERS[k](b, qnet.populations, self.fmt)
                        for k, b in self.banks.items() if k != HOST_BANK}
        placement, routes = program.placement, program.routes
        self.core_of = {k: b.concat(placement.core_of) for k, b in self.banks.items()}
        self.routes = {k: SimpleNamespace(**{f: b.concat({n: getattr(routes[n], f) for n in b.members})
                                             for f in ("messages", "east_west", "north_south", "inter_chip",
                                                       "max_latency_ns")})
                       for k, b in self.banks.items()}
        self._build_synapses(qnet)

    def fresh(self) -> "LoadedProgram":
        """A copy in the initial state (soma state and rings reset; synapse tables shared)."""
        out = object.__new__(LoadedProgram)
        out.__dict__.update(self.__dict__)
        qnet = self.program.quantized
        out.runners = {k: RUNNERS[k](b, qnet.populations, self.fmt)
                       for k, b in self.banks.items() if k != HOST_BANK}
        rings = {}
        out.rings = {k: [rings.setdefault(id(r), r.fresh()) for r in rs] for k, rs in self.rings.items()}
        out.tables = {k: [(table, rings[id(ring)], post) for table, ring, post in ts]
                      for k, ts in self.tables.items()}
        return out

    def _build_synapses(self, qnet):
        merged: dict[tuple[str, str], list] = {}
        self.rings: dict[str, list[Ring]] = {k: [] for k in self.runners}
        self.tables: dict[str, list] = {k: [] for k in self.banks}  # pre bank -> [(table, ring, post bank)]
        shared_delay: dict[str, int] = {}
        separate = []
        for qp in qnet.projections:
            pre_bank, post_bank = self.bank_of[qp.pre], self.bank_of[qp.post]
            pre_off = self.banks[pre_bank].members[qp.pre][0]
            post_off = self.banks[post_bank].members[qp.post][0]
            pre = np.repeat(np.arange(qp.indptr.size - 1), np.diff(qp.indptr)) + pre_off
            post = qp.post_index.astype(np.int64) + post_off
            mant = qp.weight_mant.astype(np.int64)
            part = (pre, post, mant if qp.weight_exp < 0 else mant << qp.weight_exp, qp.delay_steps)
            if qp.weight_exp < 0:
                # The chip floors each (projection, delay) group's per-step sum separately
                # (docs/chip.md 3.1): one ring per delay value keeps those sums apart.
                for delay in np.unique(qp.delay_steps):
                    keep = qp.delay_steps == delay
                    separate.append((pre_bank, post_bank, qp.weight_exp,
                                     tuple(column[keep] for column in part)))
            else:
                merged.setdefault((pre_bank, post_bank), []).append(part)
                shared_delay[post_bank] = max(shared_delay.get(post_bank, 1), int(qp.delay_steps.max(initial=1)))
        shared = {k: Ring(d, self.banks[k].size) for k, d in shared_delay.items()}
        for k, ring in shared.items():
            self.rings[k].append(ring)
        for (pre_bank, post_bank), parts in merged.items():
            table = merge_projections(parts, self.banks[pre_bank].size)
            self.tables[pre_bank].append((table, shared[post_bank], post_bank))
        for pre_bank, post_bank, exponent, part in separate:
            table = merge_projections([part], self.banks[pre_bank].size)
            ring = Ring(int(part[3].max(initial=1)), self.banks[post_bank].size, exponent)
            self.rings[post_bank].append(ring)
            self.tables[pre_bank].append((table, ring, post_bank))


ENGINES = ("fast", "numpy")


def emulate(program, duration: float, strict: bool = False, *, inputs=None, engine: str = "fast"):
    """Run ``program`` for ``duration`` ms on the emulated chip; returns a :class:`Result`.

    ``inputs``: per-run inputs (see :mod:`neurocompile.emu.inputs`); with a leading batch axis
    the result is a list of one :class:`Result` per sample, each identical to a separate run
    with that sample's inputs. ``engine``: ``"fast"`` (default; the compiled kernel of
    :mod:`.kernel`, many steps per call) or ``"numpy"`` (the step-by-step reference path, one
    vectorised numpy pass per step). Both compute the same integers with the same scalar
    semantics of :mod:`.arith` and give identical spikes, traces and counters.

    ``strict=True`` raises :class:`~neurocompile.emu.arith.ChipOverflowError` naming the neuron
    and step on any register wrap or saturation instead of wrapping/saturating silently; strict
    runs use the numpy engine, which checks every step.
    """
    from ..errors import invalid
    from .inputs import prepare_inputs

    if engine not in ENGINES:
        raise invalid("emulate", "engine", engine, f"must be one of {', '.join(ENGINES)}")
    n_steps = steps_for(duration, program.quantized.dt, owner="Program.run")
    run_inputs = prepare_inputs(program, inputs, n_steps)
    if engine == "numpy" or strict:
        chip = LoadedProgram(program)
        results = [emulate_numpy(program, duration, strict, run_inputs, sample, chip)
                   for sample in range(run_inputs.samples)]
    else:
        from .fast import emulate_fast
        results = emulate_fast(program, n_steps, run_inputs)
    return results if run_inputs.batch is not None else results[0]


def emulate_numpy(program, duration: float, strict: bool = False, run_inputs=None, sample: int = 0,
                  chip: "LoadedProgram | None" = None) -> Result:
    """The step-by-step reference engine for one sample (see :func:`emulate`)."""
    qnet = program.quantized
    n_steps = steps_for(duration, qnet.dt, owner="Program.run")
    chip = LoadedProgram(program) if chip is None else chip.fresh()
    fmt = chip.fmt
    pops = qnet.populations
    host = chip.banks.get(HOST_BANK)
    rasters, biases = ({}, {}) if run_inputs is None or not (run_inputs.spikes or run_inputs.currents) \
        else run_inputs.sample(program, sample)
    for name, (mant, exp) in biases.items():
        chip.runners[chip.bank_of[name]].set_bias(name, mant, exp)
    sources = {name: (iter(np.flatnonzero(row) for row in rasters[name]) if name in rasters else
                      program.sources[name].iter_spikes(pops[name].size, n_steps, qnet.dt, qnet.seed, name))
               for name in (host.members if host else ())}
    updates: dict[int, list] = {}
    for upd in qnet.bias_updates:
        updates.setdefault(upd.step, []).append(upd)

    recorder = Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps)
    traced = list(recorder.trace_probes)
    counts = {k: np.zeros(b.size, dtype=np.int64) for k, b in chip.banks.items()}
    counters = CounterAccumulator(n_steps, program.placement.n_cores,
                                  program.placement.neurons_per_core(), program.target)

    for step in range(n_steps):
        for upd in updates.get(step, ()):
            chip.runners[chip.bank_of[upd.population]].set_bias(upd.population, upd.bias_mant, upd.bias_exp)
        fired = {}
        if host is not None:
            fired[HOST_BANK] = np.concatenate(
                [next(sources[name]) + host.members[name][0] for name in host.members])
        for kind, runner in chip.runners.items():
            rings = chip.rings[kind]
            total = rings[0].take(step) if rings else np.zeros(chip.banks[kind].size, dtype=np.int64)
            for ring in rings[1:]:
                total += ring.take(step)
            a_in = read_dendrite(total, fmt, strict=strict, step=step, owner=f"dendrite ({kind})")
            counters.saturated(f"{kind}: dendritic input", int(np.count_nonzero(a_in != total)))
            spiked, saturated = runner.step(a_in, step, strict)
            counters.saturated(f"{kind}: state", saturated)
            fired[kind] = np.flatnonzero(spiked)
            counters.active_neurons(chip.core_of[kind][np.flatnonzero((a_in != 0) | spiked)])
        for kind, idx in fired.items():
            if idx.size == 0:
                continue
            counts[kind][idx] += 1
            counters.spikes_sent(step, chip.routes[kind], idx)
            for table, ring, post_bank in chip.tables[kind]:
                targets = ring.add(step, table, idx)
                if targets.size:
                    counters.synapses(chip.core_of[post_bank][targets])
            for name, local in chip.banks[kind].split(idx):
                recorder.spikes(step, name, local)
        counters.end_step(step)
        for name, var in traced:
            recorder.trace(step, name, var, chip.runners[chip.bank_of[name]].read(name, var))

    per_pop = {}
    for kind, bank in chip.banks.items():
        for name, (offset, size) in bank.members.items():
            per_pop[name] = counts[kind][offset:offset + size]
    return chip_result(pops, recorder, per_pop, counters, qnet.dt, n_steps)
