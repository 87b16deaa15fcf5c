"""The float reference simulator: clock-driven at ``dt``, float64, vectorised per population.

This is the ground truth every chip result is compared with. Order within step ``k``:

1. spike sources emit their spikes of step ``k``;
2. each neuron population reads its synaptic arrivals for step ``k`` from its ring buffer,
   adds injected currents active at step ``k`` and advances one step (see
   :mod:`.lif` and :mod:`.adex`), producing its spikes of step ``k``;
3. the spikes of step ``k`` (sources and neurons) are delivered through the projections to
   arrive at step ``k + delay``;
4. probes record spikes and end-of-step state.
"""
from __future__ import annotations

import numpy as np

from .. import progress
from ..errors import NetworkError, invalid
from ..ir.run_inputs import RunInputs, prepare_inputs
from ..memory import reference_estimate
from ..resources import check_memory
from ..models import HH, AdEx, DiscreteLI, DiscreteLIF, ExpIF, Izhikevich, LI, LIF
from ..result import Recorder, Result
from .adex import AdexUpdater
from .hh import HHUpdater
from .izhikevich import IzhikevichUpdater
from .delivery import DelayedDelivery
from .plasticity import PlasticSynapses
from .discrete import DiscreteUpdater
from .lif import LifUpdater
from .receptors import LifReceptorUpdater, ReceptorState


def steps_for(duration: float, dt: float, owner: str = "simulate") -> int:
    """Number of steps in ``duration`` ms; it must be a positive multiple of ``dt``."""
    if isinstance(duration, (str, bytes, bool)) or duration is None or not np.isfinite(duration) \
            or duration <= 0:
        raise invalid(owner, "duration", duration, "must be a finite time > 0 ms")
    n = int(np.rint(duration / dt))
    if n < 1 or abs(n * dt - duration) > 1e-9 * max(1.0, duration):
        raise invalid(owner, "duration", duration, f"ms is not a multiple of dt = {dt:g} ms")
    return n


def probe_specs(network) -> list[tuple[str, np.ndarray, str]]:
    """The network's probes as (population name, indices, variable) tuples."""
    return [(p.population.name, p.indices, p.variable) for p in network.probes]


def make_updater(pop, dt: float):
    """The float updater of a population's model."""
    model = pop.model
    if isinstance(model, (LIF, LI)) and model.has_receptors:
        return LifReceptorUpdater(pop, dt, spiking=model.spiking)
    if isinstance(model, LIF):
        return LifUpdater(pop.params, pop.initial, dt, spiking=True)
    if isinstance(model, LI):
        return LifUpdater(pop.params, pop.initial, dt, spiking=False)
    if isinstance(model, AdEx):
        return AdexUpdater(pop.params, pop.initial, dt,
                           receptors=ReceptorState(pop, dt) if model.has_receptors else None)
    if isinstance(model, ExpIF):  # AdEx without adaptation: w stays 0
        return AdexUpdater(model.adex_parameters(pop.params), dict(pop.initial, w=np.zeros(pop.size)), dt,
                           receptors=ReceptorState(pop, dt) if model.has_receptors else None)
    if isinstance(model, Izhikevich):
        return IzhikevichUpdater(pop.params, pop.initial, dt)
    if isinstance(model, HH):
        return HHUpdater(pop.params, pop.initial, dt)
    if isinstance(model, (DiscreteLIF, DiscreteLI)):
        return DiscreteUpdater(pop.params, pop.initial, dt, spiking=model.spiking)
    raise NetworkError(f"Population '{pop.name}': the reference simulator has no model "
                       f"'{type(model).__name__}'")


class CurrentSchedule:
    """Piecewise-constant injected currents per population, updated only at change steps."""

    def __init__(self, network, constant: dict | None = None):
        """``constant``: population -> (size,) currents added for the whole run (run inputs)."""
        self.current = {name: np.array(value, dtype=np.float64) for name, value in (constant or {}).items()}
        self.changes: dict[int, list] = {}
        for inj in network.currents:
            name = inj.population.name
            self.current.setdefault(name, np.zeros(inj.population.size))
            previous = 0.0
            for step, amplitude in zip(inj.steps, inj.current.amplitudes):
                self.changes.setdefault(int(step), []).append((name, inj.indices, amplitude - previous))
                previous = amplitude

    def apply(self, step: int) -> None:
        for name, indices, delta in self.changes.get(step, ()):
            np.add.at(self.current[name], indices, delta)

    def get(self, name: str):
        return self.current.get(name)


def simulate(network, duration: float, *, inputs=None):
    """Simulate ``network`` in float64 for ``duration`` ms and return a :class:`Result`.

    ``inputs`` (optional): population name -> array, the run's own inputs, as for
    :meth:`neurocompile.Program.run` (:mod:`neurocompile.ir.run_inputs`): a boolean spike
    raster ``(n_steps, size)`` replaces a spike source's spikes; a current ``(size,)`` (the
    model's current unit) is added to a neuron population's drive for the whole run. With a
    leading batch axis on every array the B samples run on the one network and the result is
    a list of B Results, each identical to ``simulate(network, duration, inputs=sample)``.

    Raises :class:`~neurocompile.errors.MemoryBudgetError` before anything is allocated when
    the run's estimated peak memory (:func:`neurocompile.memory.reference_estimate`: synapse
    copies, state, the recordings of every sample) exceeds the available memory
    (:mod:`neurocompile.resources`).
    """
    network.validate()
    n_steps = steps_for(duration, network.dt)
    pops = network.populations.values()
    run_inputs = prepare_inputs(
        f"simulate('{network.name}')", inputs, n_steps, {p.name: p.size for p in pops},
        {p.name for p in pops if p.is_source}, {inj.population.name for inj in network.currents},
        {p.name: p.model.current_unit for p in pops if not p.is_source})
    # before any state or recording is allocated
    check_memory(f"simulate('{network.name}')", reference_estimate(network, duration, run_inputs.samples))
    samples = run_inputs.samples
    with progress.stage("float reference" + (f", {samples} samples" if samples > 1 else ""),
                        total=n_steps * samples, unit="steps") as task:
        results = [_simulate_one(network, n_steps, run_inputs.sample(k) if run_inputs.batch is not None
                                 else run_inputs, task) for k in range(samples)]
    return results if run_inputs.batch is not None else results[0]


def _simulate_one(network, n_steps: int, run_inputs: RunInputs, task=None) -> Result:
    """One run of ``n_steps`` with the inputs of one sample; ``task`` (a
    :func:`neurocompile.progress.stage`) is advanced by one every step."""
    dt = network.dt
    pops = list(network.populations.values())
    neurons = [p for p in pops if not p.is_source]
    sources = [p for p in pops if p.is_source]

    updaters = {p.name: make_updater(p, dt) for p in neurons}
    incoming_delay = {p.name: 1 for p in neurons}
    for proj in network.projections:
        incoming_delay[proj.post.name] = max(incoming_delay[proj.post.name], proj.max_delay_steps)
    # One ring per (population, receptor): rings[name][r] is (slots, size).
    receptor_index = {p.name: {r: k for k, r in enumerate(p.model.receptors)} for p in neurons}
    rings = {name: np.zeros((len(receptor_index[name]), d + 1, network.populations[name].size))
             for name, d in incoming_delay.items()}
    outgoing: dict[str, list[DelayedDelivery]] = {p.name: [] for p in pops}
    plastic: list[tuple] = []  # (projection, its PlasticSynapses)
    for proj in network.projections:
        ring = rings[proj.post.name][receptor_index[proj.post.name][proj.receptor]]
        delivery = DelayedDelivery(proj, ring)
        outgoing[proj.pre.name].append(delivery)
        if proj.plasticity is not None:
            plastic.append((proj, PlasticSynapses(proj, delivery.weight, network.weight_probes.get(proj.name),
                                                  n_steps)))
    several = {p.name: p.model.has_receptors for p in neurons}  # updaters that take (R, size)
    gated = {name: [d for d in deliveries if d.gate is not None] for name, deliveries in outgoing.items()}
    source_streams = {
        p.name: (iter(np.flatnonzero(row) for row in run_inputs.spikes[p.name][0]) if p.name in run_inputs.spikes
                 else p.model.iter_spikes(p.size, n_steps, dt, network.seed, p.name))
        for p in sources
    }
    currents = CurrentSchedule(network, {name: c[0] for name, c in run_inputs.currents.items()})
    recorder = Recorder(probe_specs(network), {p.name: p.size for p in pops}, n_steps)
    counts = {p.name: np.zeros(p.size, dtype=np.int64) for p in pops}
    traced = [(name, var) for (name, var) in recorder.trace_probes]
    # Every neuron's lowest and highest state, for sizing a chip's registers (quantize's ranges=).
    extremes = {(p.name, var): [np.full(p.size, np.inf), np.full(p.size, -np.inf)]
                for p in neurons for var in p.model.state_variables}
    # updaters that keep some extremes themselves (the compiled LIF step) are not read for them
    read_extremes = dict(extremes)
    for p in neurons:
        track = getattr(updaters[p.name], "track_extremes", None)
        if track is not None:
            for var in track({var: extremes[(p.name, var)] for var in p.model.state_variables}):
                del read_extremes[(p.name, var)]

    for step in range(n_steps):
        currents.apply(step)
        fired = {}
        for pop in sources:
            fired[pop.name] = next(source_streams[pop.name])
        for pop in neurons:
            ring = rings[pop.name]
            slot = step % ring.shape[1]
            arrivals = ring[:, slot] if several[pop.name] else ring[0, slot]
            fired[pop.name] = updaters[pop.name].step(arrivals, currents.get(pop.name))
            ring[:, slot] = 0.0
        for name, idx in fired.items():
            if idx.size:
                counts[name][idx] += 1
                for delivery in outgoing[name]:
                    if delivery.gate is None:
                        delivery.deliver(step, idx)
                recorder.spikes(step, name, idx)
            for delivery in gated[name]:  # NMDA gates rise and deliver every step
                delivery.deliver(step, idx)
        for proj, synapses in plastic:  # after delivery: a spike carries the weight it found
            synapses.step(fired[proj.pre.name], fired[proj.post.name], step)
        for name, var in traced:
            recorder.trace(step, name, var, updaters[name].read(var))
        for (name, var), (low, high) in read_extremes.items():
            value = updaters[name].read(var)
            np.minimum(low, value, out=low)
            np.maximum(high, value, out=high)
        if task is not None:
            task.advance()

    import scipy.sparse as sp

    learned = {proj.name: sp.csr_matrix((synapses.weight, proj.weights.indices, proj.weights.indptr),
                                        shape=proj.weights.shape) for proj, synapses in plastic}
    weight_traces = {proj.name: (synapses.probed, synapses.record) for proj, synapses in plastic if synapses.probed.size}
    return Result(backend="reference", dt=dt, n_steps=n_steps, counts=counts, recorder=recorder,
                  extremes={key: tuple(pair) for key, pair in extremes.items()}, weights=learned,
                  weight_traces=weight_traces)
