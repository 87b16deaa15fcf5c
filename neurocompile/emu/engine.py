"""The emulator's run loop: all cores in lock-step, one barrier per time step.

Order within step ``k`` (docs/chip.md): bias updates scheduled for ``k`` take effect; host
inputs emit their spikes of step ``k``; every population reads its dendritic input for ``k``
and updates its somas; the spikes of step ``k`` are routed (counted per the placement's
multicast trees) and their synapses add weight mantissas to the accumulators of step
``k + delay``. Nothing here loops over neurons, synapses or cores in Python.
"""
from __future__ import annotations

import numpy as np

from ..reference.simulator import steps_for
from ..result import Recorder, Result
from .arith import SomaFormat, read_dendrite
from .counters import CounterAccumulator
from .dendrite import ProjectionAccumulator
from .soma import make_runner


def emulate(program, duration: float, strict: bool = False) -> Result:
    """Run ``program`` for ``duration`` ms on the emulated chip; returns a :class:`Result`.

    ``strict=True`` raises :class:`~neurocompile.emu.arith.ChipOverflowError` naming the neuron
    and step on any register wrap or saturation instead of wrapping/saturating silently.
    """
    qnet = program.quantized
    n_steps = steps_for(duration, qnet.dt, owner="Program.run")
    fmt = SomaFormat.from_precision(program.target.precision)
    pops = qnet.populations
    runners = {name: make_runner(q, fmt) for name, q in pops.items() if q.model != "source"}
    incoming: dict[str, list[ProjectionAccumulator]] = {name: [] for name in runners}
    outgoing: dict[str, list[tuple[ProjectionAccumulator, np.ndarray]]] = {name: [] for name in pops}
    core_of = program.placement.core_of
    for qproj in qnet.projections:
        acc = ProjectionAccumulator(qproj, pops[qproj.post].size)
        incoming[qproj.post].append(acc)
        outgoing[qproj.pre].append((acc, core_of[qproj.post]))
    sources = {name: model.iter_spikes(pops[name].size, n_steps, qnet.dt, qnet.seed, name)
               for name, model in program.sources.items()}
    updates: dict[int, list] = {}
    for upd in qnet.bias_updates:
        updates.setdefault(upd.step, []).append(upd)

    recorder = Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps)
    traced = list(recorder.trace_probes)
    counts = {name: np.zeros(q.size, dtype=np.int64) for name, q in pops.items()}
    neurons_per_core = program.placement.neurons_per_core()
    counters = CounterAccumulator(n_steps, program.placement.n_cores, neurons_per_core, program.target)
    routes = program.routes

    for step in range(n_steps):
        for upd in updates.get(step, ()):
            runners[upd.population].set_bias(upd.bias_mant, upd.bias_exp)
        fired = {name: next(stream) for name, stream in sources.items()}
        for name, runner in runners.items():
            total = np.zeros(pops[name].size, dtype=np.int64)
            for acc in incoming[name]:
                total += acc.take(step)
            a_in = read_dendrite(total, fmt, strict=strict, step=step, owner=f"dendrite of '{name}'")
            counters.saturated(f"{name}: dendritic input", int(np.count_nonzero(a_in != total)))
            spiked, saturated = runner.step(a_in, step, strict)
            counters.saturated(f"{name}: state", saturated)
            idx = np.flatnonzero(spiked)
            fired[name] = idx
            counters.active_neurons(core_of[name][np.flatnonzero((a_in != 0) | spiked)])
        for name, idx in fired.items():
            if idx.size == 0:
                continue
            counts[name][idx] += 1
            counters.spikes_sent(step, routes[name], idx)
            for acc, post_cores in outgoing[name]:
                targets = acc.deliver(step, idx)
                if targets.size:
                    counters.synapses(post_cores[targets])
            recorder.spikes(step, name, idx)
        counters.end_step(step)
        for name, var in traced:
            recorder.trace(step, name, var, runners[name].read(var))

    to_physical = {}
    for (name, var), indices in recorder.trace_probes.items():
        scale, offset = pops[name].to_physical[var]
        to_physical[(name, var)] = (np.broadcast_to(scale, (pops[name].size,))[indices],
                                    np.broadcast_to(offset, (pops[name].size,))[indices])
    return Result(backend="emu", dt=qnet.dt, n_steps=n_steps, counts=counts, recorder=recorder,
                  stats=counters.finish(), to_physical=to_physical)
