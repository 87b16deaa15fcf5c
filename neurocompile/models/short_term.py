"""Short-term synaptic plasticity: Tsodyks–Markram depression and facilitation.

Given to a projection (``net.connect(..., stp=nc.TsodyksMarkram(U=0.5, tau_rec=800.0))``), it
scales each spike's weights by an efficacy that depends on the presynaptic neuron's recent
spikes. Every presynaptic neuron of the projection has a utilisation ``u`` and a fraction of
available resources ``x`` (Tsodyks & Markram 1997; Markram, Wang & Tsodyks 1998)::

    between spikes:  tau_fac du/dt = -u           tau_rec dx/dt = 1 - x
    at a spike:      u <- u + U (1 - u)           (facilitation; with tau_fac = 0, u = U)
                     efficacy = u x               (the spike delivers weight x efficacy)
                     x <- x - u x                 (depression; with tau_rec = 0, x = 1)

Initially ``u = 0`` and ``x = 1``, so the first spike has efficacy ``U``: the recursion
``u_{n+1} = u_n e^{-D/tau_fac} + U (1 - u_n e^{-D/tau_fac})`` of Markram, Wang & Tsodyks
(1998). At a spike: relax over the interval since the last spike, facilitate, use, deplete.
"""
from __future__ import annotations

import numpy as np

from ..errors import NetworkError
from .parameters import Param, Parameterised


class TsodyksMarkram(Parameterised):
    """Tsodyks–Markram short-term plasticity of one projection (module docstring).

    Parameters (scalars: one set per projection):
        U: utilisation increment and resting utilisation, 0 < U <= 1.
        tau_rec: recovery time constant of the resources, ms, >= 0 (0: no depression).
        tau_fac: facilitation time constant, ms, >= 0 (0: no facilitation).
    """

    parameters = {
        "U": Param("", "positive", doc="utilisation increment and resting utilisation (0, 1]"),
        "tau_rec": Param("ms", "nonnegative", doc="recovery time constant (0 = no depression)"),
        "tau_fac": Param("ms", "nonnegative", default=0.0, doc="facilitation time constant (0 = none)"),
    }

    def _check_relations(self) -> None:
        for name, value in self._params.items():
            if np.ndim(value) != 0:
                raise NetworkError(f"TsodyksMarkram: {name} must be a scalar (one value per projection), "
                                   f"got an array of shape {np.shape(value)}")
        if not 0.0 < float(self._params["U"]) <= 1.0:
            raise NetworkError(f"TsodyksMarkram: U = {float(self._params['U']):g} must be in (0, 1]")

    @property
    def depresses(self) -> bool:
        return float(self.tau_rec) > 0

    @property
    def facilitates(self) -> bool:
        return float(self.tau_fac) > 0
