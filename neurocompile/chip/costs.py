"""Activity counters of a run and the energy and latency they cost (docs/chip.md sections 8, 9).

Counted per step (totals over the chip) and per core (totals over the run): neuron updates
(every neuron on a used core, every step; *active* ones received input or spiked), synaptic
operations (one per delivered synapse), spike messages (one per destination core of each spike)
and router hops (east-west, north-south, inter-chip links of each multicast tree). Energy and
latency follow from them with the target's ``[energy]`` and ``[time]`` constants.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jit import njit


@dataclass
class RunStats:
    """Counters of one run. Arrays ``*_per_step`` have shape (n_steps,), ``*_per_core`` (n_cores,).

    Energy in pJ and latency in ns come from the target's constants: energy sums every
    operation; the latency of a step is the busiest core's neuron and synapse time, plus the
    longest route of the step, plus the barrier over the tiles in use.
    ``updates_per_step``/``updates_per_core``: synapse updates of the learning rule (plastic
    projections; zeros without). ``saturations_per_population``: population -> register (``"dendritic input"``, ``"state v"``)
    -> how many times (neuron steps) that register saturated; populations and registers that
    never did are left out. :attr:`saturations` gives the same counts with one flat label each.
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
    saturations_per_population: dict
    updates_per_step: np.ndarray | None = None
    updates_per_core: np.ndarray | None = None

    @property
    def saturations(self) -> dict:
        """``"'population': register"`` -> saturations (neuron steps), e.g. ``"'exc': state v"``."""
        return {f"'{name}': {register}": count
                for name, registers in self.saturations_per_population.items()
                for register, count in registers.items()}

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
            "learning_updates": int(self.updates_per_step.sum()) if self.updates_per_step is not None else 0,
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


@njit(inline="always")
def core_time_ns(synops, active, neurons, synaptic_op_ns, active_ns, inactive_ns):
    """Time one core spends in a step: its synaptic operations and its neuron updates, ns."""
    return synops * synaptic_op_ns + active * active_ns + (neurons - active) * inactive_ns


def tiles_in_use(neurons_per_core: np.ndarray, target) -> int:
    """Tiles with at least one used core (at least 1): they take part in the step barrier."""
    used = np.flatnonzero(neurons_per_core > 0)
    return max(1, int(np.unique(used // target.chip.cores_per_tile).size))


def energy_and_latency(target, total_neurons: int, tiles: int, *, synops, active, messages, ew, ns, ic,
                       max_core_time_ns, max_route_ns, updates=0):
    """Energy (pJ) and latency (ns) per step from the step counters (arrays of any one shape,
    e.g. (n_steps,) for a run or (n_steps, B) for a batch), with the target's constants;
    ``updates``: synapse updates of the learning rule (``[learning] update_pj``)."""
    e = target.energy
    update_pj = target.learning.update_pj if target.learning is not None else 0.0
    energy = (synops * e.synaptic_op_pj + active * e.neuron_update_active_pj
              + (total_neurons - active) * e.neuron_update_inactive_pj
              + messages * e.spike_within_tile_pj + ew * e.hop_east_west_pj
              + ns * e.hop_north_south_pj + ic * e.hop_inter_chip_pj + updates * update_pj)
    latency = max_core_time_ns + max_route_ns + target.barrier_ns(tiles)
    return np.asarray(energy, dtype=float), latency
