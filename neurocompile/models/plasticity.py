"""Long-term plasticity: pair-based spike-timing-dependent plasticity (STDP) with traces.

Given to a projection (``net.connect(..., plasticity=nc.STDP(...))``), it changes every
synapse's weight from the timing of its presynaptic and postsynaptic spikes (Song, Miller &
Abbott 2000; van Rossum, Bi & Turrigiano 2000). Each presynaptic neuron of the projection has a
trace ``x`` and each postsynaptic neuron a trace ``y``; per step of ``dt``, after the step's
neuron updates and spike delivery::

    x <- x exp(-dt / tau_plus),  y <- y exp(-dt / tau_minus)           (decay)
    each synapse of a presynaptic spike:   w <- w - dep(w) y            (depression)
    x <- x + 1 for the presynaptic neurons that spiked
    each synapse of a postsynaptic spike:  w <- w + pot(w) x            (potentiation)
    y <- y + 1 for the postsynaptic neurons that spiked
    w <- clip(w, w_min, w_max)

with ``pot(w) = A_plus w_max`` and ``dep(w) = A_minus w_max`` (``rule="additive"``, hard
bounds) or ``pot(w) = A_plus (w_max - w)`` and ``dep(w) = A_minus (w - w_min)``
(``rule="multiplicative"``, weight-dependent soft bounds). For one presynaptic spike at ``t_pre``
and one postsynaptic spike at ``t_post`` (emission times; axonal delays are not part of the
rule) the weight therefore changes by ``A_plus w_max exp(-(t_post - t_pre) / tau_plus)`` when
``t_post >= t_pre`` (simultaneous spikes potentiate) and by ``-A_minus w_max exp(-(t_pre -
t_post) / tau_minus)`` otherwise: the exponential window, summed over all pairs (the traces
add). A spike is delivered with the weight it finds; the changes it causes act from the next
step on.
"""
from __future__ import annotations

import numpy as np

from ..errors import NetworkError, invalid
from .parameters import Param, Parameterised


class STDP(Parameterised):
    """Pair-based STDP of one projection's synapses (module docstring).

    Parameters (scalars: one set per projection):
        tau_plus: decay time constant of the presynaptic trace (the potentiation window), ms, > 0.
        tau_minus: decay time constant of the postsynaptic trace (the depression window), ms, > 0.
        A_plus: potentiation per pairing, as a fraction of ``w_max`` (additive) or of the room
            left to ``w_max`` (multiplicative), >= 0.
        A_minus: depression per pairing, likewise of ``w_max`` or of ``w - w_min``, >= 0.
        w_max: upper weight bound, in the post model's weight unit, > 0.
        w_min: lower weight bound, >= 0 and < w_max, default 0.
        rule: ``"additive"`` (default; Song et al. 2000) or ``"multiplicative"``.

    Every initial weight of the projection must lie in ``w_min..w_max`` (weights are
    excitatory).
    """

    parameters = {
        "tau_plus": Param("ms", "positive", doc="presynaptic trace time constant"),
        "tau_minus": Param("ms", "positive", doc="postsynaptic trace time constant"),
        "A_plus": Param("", "nonnegative", doc="potentiation per pairing (fraction of w_max)"),
        "A_minus": Param("", "nonnegative", doc="depression per pairing (fraction of w_max)"),
        "w_max": Param("weight unit", "positive", doc="upper weight bound"),
        "w_min": Param("weight unit", "nonnegative", default=0.0, doc="lower weight bound"),
        "rule": Param("", "choice", default="additive", choices=("additive", "multiplicative"),
                      doc="additive (hard bounds) or multiplicative (soft bounds)"),
    }

    def _check_relations(self) -> None:
        for name, value in self._params.items():
            if not isinstance(value, str) and np.ndim(value) != 0:
                raise NetworkError(f"STDP: {name} must be a scalar (one value per projection), "
                                   f"got an array of shape {np.shape(value)}")
        if self._params["w_min"] >= self._params["w_max"]:
            raise invalid("STDP", "w_min", self._params["w_min"], f"must be < w_max = {self._params['w_max']:g}")

    def window(self, lag_ms):
        """The weight change (weight unit) of one pairing at ``lag = t_post - t_pre`` (ms), for
        additive STDP: the documented exponential window."""
        lag = np.asarray(lag_ms, dtype=np.float64)
        return np.where(lag >= 0, self.A_plus * self.w_max * np.exp(-np.abs(lag) / self.tau_plus),
                        -self.A_minus * self.w_max * np.exp(-np.abs(lag) / self.tau_minus))

    def check_weights(self, owner: str, weights: np.ndarray) -> None:
        """Every initial weight must lie in ``w_min..w_max``."""
        outside = (weights < self.w_min) | (weights > self.w_max)
        if np.any(outside):
            value = float(weights[outside][0])
            raise invalid(owner, "weight", value,
                          f"must lie in the STDP bounds w_min..w_max = {self.w_min:g}..{self.w_max:g} "
                          f"({int(outside.sum())} of {weights.size} synapses do not)")
