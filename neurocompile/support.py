"""Can a target run a network's neuron models? The first check of every build.

Spike sources (Poisson, explicit spike trains) are generated on the host for every back end, so
only neuron populations are checked.
"""
from __future__ import annotations


def check_model_support(network, target) -> dict[str, str]:
    """Map each neuron population to how ``target`` runs its model.

    Returns population name -> ``"native"`` (runs on the chip's cores) or ``"custom_process"``
    (runs as a back-end process, e.g. a Lava Python process, not on the cores).

    Raises:
        BuildError: naming the first population whose model the target does not support, its
            model, the target and the models the target does support.
    """
    support: dict[str, str] = {}
    for pop in network.populations.values():
        if pop.is_source:
            continue
        support[pop.name] = target.require_model(type(pop.model).__name__,
                                                 f"Population '{pop.name}'")
    return support
