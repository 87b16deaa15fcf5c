"""Activity counters of an emulated run and the energy and latency estimates derived from them.

Counted per step (totals over the chip) and per core (totals over the run), following
docs/chip.md: neuron updates (every neuron on a used core, every step; *active* ones are those
that received input or spiked), synaptic operations (one per delivered synapse), spike
messages (one per destination core of each spike) and router hops (east-west, north-south,
inter-chip links of each multicast tree).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class RunStats:
    """Counters of one run. Arrays ``*_per_step`` have shape (n_steps,), ``*_per_core`` (n_cores,).

    Energy in pJ and latency in ns come from the target's constants: energy sums every
    operation; the latency of a step is the busiest core's neuron and synapse time, plus the
    longest route of the step, plus the barrier over the tiles in use.
    """

    synops_per_step: np.ndarray
    messages_per_step: np.ndarray
    hops_east_west_per_step: np.ndarray
    hops_north_south_per_step: np.ndarray
    hops_inter_chip_per_step: np.ndarray
    active_updates_per_step: np.ndarray
    spikes_per_step: np.ndarray
    synops_per_core: np.ndarray
    active_updates_per_core: np.ndarray
    neurons_per_core: np.ndarray
    energy_per_step_pj: np.ndarray
    latency_per_step_ns: np.ndarray
    saturations: dict

    @property
    def n_steps(self) -> int:
        return int(self.synops_per_step.size)

    def totals(self) -> dict:
        """Whole-run totals and means, for reports."""
        n = max(self.n_steps, 1)
        return {
            "steps": self.n_steps,
            "spikes": int(self.spikes_per_step.sum()),
            "synaptic_ops": int(self.synops_per_step.sum()),
            "spike_messages": int(self.messages_per_step.sum()),
            "hops_east_west": int(self.hops_east_west_per_step.sum()),
            "hops_north_south": int(self.hops_north_south_per_step.sum()),
            "hops_inter_chip": int(self.hops_inter_chip_per_step.sum()),
            "energy_uJ": float(self.energy_per_step_pj.sum() * 1e-6),
            "energy_per_step_nJ": float(self.energy_per_step_pj.sum() / n * 1e-3),
            "latency_per_step_us_mean": float(self.latency_per_step_ns.mean() * 1e-3) if self.n_steps else 0.0,
            "latency_per_step_us_max": float(self.latency_per_step_ns.max() * 1e-3) if self.n_steps else 0.0,
            "saturations": dict(self.saturations),
        }


def tiles_in_use(neurons_per_core: np.ndarray, target) -> int:
    """Tiles with at least one used core (at least 1): they take part in the step barrier."""
    used = np.flatnonzero(neurons_per_core > 0)
    return max(1, int(np.unique(used // target.chip.cores_per_tile).size))


def energy_and_latency(target, total_neurons: int, tiles: int, *, synops, active, messages, ew, ns, ic,
                       max_core_time_ns, max_route_ns):
    """Energy (pJ) and latency (ns) per step from the step counters (arrays of any one shape,
    e.g. (n_steps,) for a run or (n_steps, B) for a batch), with the target's constants."""
    e = target.energy
    energy = (synops * e.synaptic_op_pj + active * e.neuron_update_active_pj
              + (total_neurons - active) * e.neuron_update_inactive_pj
              + messages * e.spike_within_tile_pj + ew * e.hop_east_west_pj
              + ns * e.hop_north_south_pj + ic * e.hop_inter_chip_pj)
    latency = max_core_time_ns + max_route_ns + target.barrier_ns(tiles)
    return np.asarray(energy, dtype=float), latency


class CounterAccumulator:
    """Collects counters during a run; :meth:`finish` converts them to :class:`RunStats`."""

    def __init__(self, n_steps: int, n_cores: int, neurons_per_core: np.ndarray, target):
        self.n_cores = n_cores
        self.target = target
        self.neurons_per_core = neurons_per_core
        zeros = lambda: np.zeros(n_steps, dtype=np.int64)  # noqa: E731
        self.synops, self.messages, self.spikes = zeros(), zeros(), zeros()
        self.ew, self.ns, self.ic, self.active = zeros(), zeros(), zeros(), zeros()
        self.max_core_time_ns = np.zeros(n_steps)
        self.max_route_ns = np.zeros(n_steps)
        self.synops_per_core = np.zeros(n_cores, dtype=np.int64)
        self.active_per_core = np.zeros(n_cores, dtype=np.int64)
        self.step_synops_core = np.zeros(n_cores, dtype=np.int64)
        self.step_active_core = np.zeros(n_cores, dtype=np.int64)
        self.saturations: dict[str, int] = {}
        self.used = neurons_per_core > 0
        self.tiles_in_use = tiles_in_use(neurons_per_core, target)

    def synapses(self, cores_of_targets: np.ndarray) -> None:
        """Synaptic operations of this step, one per delivered synapse, on the target's core."""
        self.step_synops_core += np.bincount(cores_of_targets, minlength=self.n_cores)

    def active_neurons(self, cores_of_active: np.ndarray) -> None:
        self.step_active_core += np.bincount(cores_of_active, minlength=self.n_cores)

    def spikes_sent(self, step: int, routes, neurons: np.ndarray) -> None:
        """Spike messages and hops of the neurons (of one population) that spiked."""
        self.spikes[step] += neurons.size
        self.messages[step] += int(routes.messages[neurons].sum())
        ew = routes.east_west[neurons]
        ns = routes.north_south[neurons]
        ic = routes.inter_chip[neurons]
        self.ew[step] += int(ew.sum())
        self.ns[step] += int(ns.sum())
        self.ic[step] += int(ic.sum())
        if neurons.size:
            longest = float(routes.max_latency_ns[neurons].max())
            self.max_route_ns[step] = max(self.max_route_ns[step], longest)

    def saturated(self, what: str, count: int) -> None:
        if count:
            self.saturations[what] = self.saturations.get(what, 0) + int(count)

    def end_step(self, step: int) -> None:
        t = self.target.time
        syn, act = self.step_synops_core, self.step_active_core
        inactive = self.neurons_per_core - act
        core_time = (syn * t.synaptic_op_ns + act * t.neuron_update_active_ns
                     + inactive * t.neuron_update_inactive_ns)
        self.max_core_time_ns[step] = float(core_time[self.used].max()) if self.used.any() else 0.0
        self.synops[step] = int(syn.sum())
        self.active[step] = int(act.sum())
        self.synops_per_core += syn
        self.active_per_core += act
        syn[:] = 0
        act[:] = 0

    def finish(self) -> RunStats:
        energy, latency = energy_and_latency(
            self.target, int(self.neurons_per_core.sum()), self.tiles_in_use, synops=self.synops,
            active=self.active, messages=self.messages, ew=self.ew, ns=self.ns, ic=self.ic,
            max_core_time_ns=self.max_core_time_ns, max_route_ns=self.max_route_ns)
        return RunStats(self.synops, self.messages, self.ew, self.ns, self.ic, self.active, self.spikes,
                        self.synops_per_core, self.active_per_core, self.neurons_per_core,
                        energy, latency, self.saturations)
