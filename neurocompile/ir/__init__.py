"""Graph IR: networks of populations (arrays) and projections (sparse matrices)."""
from .connectivity import AllToAll, Connectivity, Explicit, FixedInDegree, FixedProbability, OneToOne
from .distributions import Distribution, Normal, Uniform
from .inputs import PoissonSource, SpikeTrains, StepCurrent
from .network import CurrentInjection, Network, Probe
from .population import Population, PopulationView
from .projection import Projection

__all__ = [
    "AllToAll", "Connectivity", "CurrentInjection", "Distribution", "Explicit", "FixedInDegree",
    "FixedProbability", "Network", "Normal", "OneToOne", "PoissonSource", "Population",
    "PopulationView", "Probe", "Projection", "SpikeTrains", "StepCurrent", "Uniform",
]
