"""Neuron models: each class states its ODE, units and reset rule in its docstring."""
from .adex import AdEx
from .base import NeuronModel, Param
from .discrete import DiscreteLI, DiscreteLIF
from .expif import ExpIF
from .hh import HH
from .izhikevich import Izhikevich
from .li import LI
from .lif import LIF
from .plasticity import STDP
from .receptors import NMDA, CondDualExp, CondExp, CurrentExp, Receptor
from .short_term import TsodyksMarkram

MODELS = {"LIF": LIF, "AdEx": AdEx, "ExpIF": ExpIF, "Izhikevich": Izhikevich, "HH": HH, "LI": LI, "DiscreteLIF": DiscreteLIF,
          "DiscreteLI": DiscreteLI}

__all__ = ["AdEx", "CondDualExp", "CondExp", "CurrentExp", "DiscreteLI", "DiscreteLIF", "ExpIF", "HH", "Izhikevich", "LI", "LIF",
           "MODELS", "NMDA", "NeuronModel", "Param", "Receptor", "STDP", "TsodyksMarkram"]
