"""Checks a build can make before anything expensive runs: a network that cannot fit its
target, whatever the placer does, is told so before the float reference (which took 25 s for
a 300k-neuron network that then failed placement)."""
from __future__ import annotations

from ..errors import BuildError
from ..quantize.receptors import element_count
from ..quantize.plasticity import check_plastic_projections, synapse_entries


def slots_per_neuron(pop) -> int:
    """Neuron slots one neuron of ``pop`` takes at least (docs/chip.md 4.5): its soma and its
    receptor elements. Plasticity and NMDA gate state come on top (counted when compiling)."""
    return 1 + element_count(pop)


def check_before_reference(network, target) -> None:
    """Raise BuildError for a plastic projection the target cannot learn
    (:func:`check_plastic_projections`), a delay beyond
    the target's, or for neurons or synapses that need more cores than the target has (lower
    bounds; the placer may still need more)."""
    check_plastic_projections(network, target)
    limit = target.precision.max_delay_steps
    for proj in network.projections:
        if proj.max_delay_steps > limit:
            raise BuildError(
                f"Projection '{proj.name}': delay = {proj.max_delay_steps * network.dt:g} ms "
                f"({proj.max_delay_steps} steps at dt = {network.dt:g} ms) exceeds target '{target.name}''s "
                f"max_delay_steps = {limit}")
    slots = sum(pop.size * slots_per_neuron(pop) for pop in network.populations.values() if not pop.is_source)
    synapses = sum(synapse_entries(proj, target) for proj in network.projections if not proj.post.is_source)
    total = target.total_cores
    for amount, per_core, what, key in ((slots, target.core.neurons, "neuron slots", "core.neurons"),
                                        (synapses, target.core.synapse_entries, "synapses", "core.synapse_entries")):
        need = -(-amount // per_core)
        if need > total:
            raise BuildError(
                f"Network '{network.name}' does not fit on target '{target.name}' ({total} cores): {amount} "
                f"{what} need at least {need} cores of {per_core} ({key}); use a target with more chips, "
                f"or {key} >= {-(-amount // total)}")
