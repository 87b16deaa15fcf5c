"""Can a target run a network's neuron models? The first check of every build and of quantize.

Spike sources (Poisson, explicit spike trains) are generated on the host for every back end, so
only neuron populations are checked.
"""
from __future__ import annotations


def model_support(network, target) -> dict[str, str]:
    """Population name -> how ``target`` runs its model: ``"native"`` (on the chip's cores) or
    ``"custom_process"`` (as a back-end process, e.g. our Lava processes).

    Raises:
        BuildError: naming the first population whose model the target does not support, its
            model, the target and the models the target does support.
    """
    return {pop.name: target.require_model(type(pop.model).__name__, f"Population '{pop.name}'")
            for pop in network.populations.values() if not pop.is_source}
