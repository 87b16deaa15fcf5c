"""Graph IR: networks of populations (arrays) and projections (sparse matrices)."""
import importlib

#: Public name -> its submodule, imported on first use (PEP 562): a compiled program's spike
#: sources (:mod:`.inputs`) load without the network graph (networkx) and scipy.
_EXPORTS = {
    "AllToAll": (".connectivity", "AllToAll"),
    "Connectivity": (".connectivity", "Connectivity"),
    "Explicit": (".connectivity", "Explicit"),
    "FixedInDegree": (".connectivity", "FixedInDegree"),
    "FixedProbability": (".connectivity", "FixedProbability"),
    "OneToOne": (".connectivity", "OneToOne"),
    "Distribution": (".distributions", "Distribution"),
    "Normal": (".distributions", "Normal"),
    "Uniform": (".distributions", "Uniform"),
    "PoissonSource": (".inputs", "PoissonSource"),
    "SpikeTrains": (".inputs", "SpikeTrains"),
    "StepCurrent": (".inputs", "StepCurrent"),
    "CurrentInjection": (".network", "CurrentInjection"),
    "Network": (".network", "Network"),
    "Probe": (".network", "Probe"),
    "Population": (".population", "Population"),
    "PopulationView": (".population", "PopulationView"),
    "Projection": (".projection", "Projection"),
}


def __getattr__(name: str):
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "AllToAll", "Connectivity", "CurrentInjection", "Distribution", "Explicit", "FixedInDegree",
    "FixedProbability", "Network", "Normal", "OneToOne", "PoissonSource", "Population",
    "PopulationView", "Probe", "Projection", "SpikeTrains", "StepCurrent", "Uniform",
]
