"""Graph IR: networks of populations (arrays) and projections (sparse matrices)."""
from ..lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, globals(), _EXPORTS)


__all__ = [
    "AllToAll", "Connectivity", "CurrentInjection", "Distribution", "Explicit", "FixedInDegree",
    "FixedProbability", "Network", "Normal", "OneToOne", "PoissonSource", "Population",
    "PopulationView", "Probe", "Projection", "SpikeTrains", "StepCurrent", "Uniform",
]
