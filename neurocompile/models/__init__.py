"""Neuron models: each class states its ODE, units and reset rule in its docstring."""
from .adex import AdEx
from .base import NeuronModel, Param
from .li import LI
from .lif import LIF

MODELS = {"LIF": LIF, "AdEx": AdEx, "LI": LI}

__all__ = ["AdEx", "LI", "LIF", "MODELS", "NeuronModel", "Param"]
