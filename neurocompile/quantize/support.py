"""Can a target run a network's models? The first check of every build and of quantize.

Spike sources (Poisson, explicit spike trains) are generated on the host for every back end, so
only neuron populations are checked, with their receptors (``receptors=``) and the short-term
plasticity (short-term, STDP) of projections; each is named in the target's ``[models]`` like a neuron model.
"""
from __future__ import annotations



def model_support(network, target) -> dict[str, str]:
    """Population name -> how ``target`` runs its model: ``"native"`` (on the chip's cores) or
    ``"custom_process"`` (as a back-end process, e.g. our Lava processes).

    Raises:
        BuildError: naming the first population whose model the target does not support, its
            model, the target and the models the target does support.
    """
    support = {}
    for pop in network.populations.values():
        if pop.is_source:
            continue
        support[pop.name] = target.require_model(type(pop.model).__name__, f"Population '{pop.name}'")
        if pop.model.has_receptors:
            for name, receptor in pop.model.receptors.items():
                target.require_model(type(receptor).__name__, f"Population '{pop.name}', receptor '{name}'")
    for proj in network.projections:
        for rule in (proj.stp, proj.plasticity):
            if rule is not None:
                target.require_model(type(rule).__name__, f"Projection '{proj.name}'")
    return support
