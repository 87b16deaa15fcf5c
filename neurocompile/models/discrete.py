"""Neurons defined by their update per time step: the form trained spiking networks use.

snnTorch's ``Leaky``/``Synaptic``, Norse's discretised LIF, Sinabs' ``IAF`` and Loihi's integer
``u``/``v`` neuron are all one difference equation per step rather than an ODE: the decay
factors ``alpha``, ``beta`` are per step, an arriving input counts in full in its own step,
and the reset rule (subtract, zero, none; at the spike or one step later) is part of the model.
These classes state that equation; the float reference and the chip compute it as written.
"""
from __future__ import annotations

import numpy as np

from ..errors import invalid
from .base import NeuronModel, Param

_RESETS = ("subtract", "zero", "none")


class _Discrete(NeuronModel):
    """Shared parameters and validation of :class:`DiscreteLIF` and :class:`DiscreteLI`."""

    state_variables = {"v": "mV", "I_syn": "mV"}
    current_unit = "mV"

    def _check_relations(self) -> None:
        for name in ("beta", "alpha"):
            value = np.asarray(self._params[name])
            if np.any((value < 0) | (value > 1)):
                raise invalid(type(self).__name__, name, self._params[name],
                              "must be a decay factor per step in 0..1 (1 = no decay)")
        if np.any(np.asarray(self._params["alpha"]) >= 1):
            raise invalid(type(self).__name__, "alpha", self._params["alpha"],
                          "must be < 1: a synaptic current that never decays would grow without bound")

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: at rest, no synaptic current."""
        return {"v": self.v_rest, "I_syn": 0.0}


class DiscreteLIF(_Discrete):
    r"""Leaky integrate-and-fire neuron given by its update per time step.

    With ``x[t]`` the sum of the weights of the spikes that arrive in step ``t`` (and ``I[t]``
    an injected current, like ``bias`` a constant input per step)::

        I_syn[t] = alpha * I_syn[t-1] + x[t] + bias + I[t]
        v[t]     = v_rest + beta * (v[t-1] - v_rest) + I_syn[t] - R[t]
        spike[t] = v[t] > threshold          (v[t] >= threshold with strict=False)

    ``R[t]`` is the reset: ``reset="subtract"`` removes ``threshold - v_reset`` (snnTorch's
    default, keeps the overshoot), ``"zero"`` sets ``v[t]`` to ``v_reset``, ``"none"`` does
    nothing. With ``reset_delay=False`` the reset acts in the step of the spike, after the
    spike is decided; with ``reset_delay=True`` (snnTorch's default) it acts in the next step,
    on the updated value: ``v[t] = v_rest + beta (v[t-1] - v_rest) + I_syn[t] - (threshold -
    v_reset)`` after a spike in ``t - 1`` (subtract), or ``v[t] = v_reset`` (zero; that step's
    input is lost, as in snnTorch).

    ``bias_onset`` delays the bias: it acts from that time on (0 before). A network imported
    from a framework whose connections take no time runs one step later per layer here (a
    spike needs a step to cross a synapse), so its layers' biases must start as late as their
    first input does for the layer to compute what the framework computed (``read_nir`` sets it).

    ``alpha = 0`` (default) is a neuron without synaptic memory (snnTorch's ``Leaky``: the
    input goes straight into ``v``); ``alpha > 0`` is snnTorch's ``Synaptic`` (``syn``). This is
    Loihi's ``u``/``v`` update, which the chip runs without compensation.

    Units: ``v``, ``I_syn``, weights, ``bias``, ``threshold``, ``v_rest`` and ``v_reset`` share
    one unit, mV here (a framework's dimensionless values map one to one); ``beta`` and
    ``alpha`` are dimensionless factors per step of the network's ``dt``.

    Parameters (scalars, or 1-D arrays with one value per neuron):
        beta: membrane decay factor per step, 0..1 (1 = no leak).
        alpha: synaptic current decay factor per step, 0 <= alpha < 1, default 0.
        threshold: firing threshold, mV, > v_rest.
        bias: constant input per step, mV (added to ``I_syn``), default 0.
        bias_onset: time from which the bias acts, ms, >= 0, a multiple of dt, default 0.
        v_rest: the value ``v`` decays to, mV, default 0.
        v_reset: reset value (``"zero"``) and reference of the subtraction, mV, default 0.
        reset: ``"subtract"`` (default), ``"zero"`` or ``"none"``.
        reset_delay: 1 = reset one step after the spike (snnTorch); 0 (default) = at once.
        strict: 1 (default) = spike when ``v > threshold``; 0 = when ``v >= threshold``.
    """

    parameters = {
        "beta": Param("", doc="membrane decay factor per step"),
        "alpha": Param("", "nonnegative", default=0.0, doc="synaptic decay factor per step"),
        "threshold": Param("mV", doc="firing threshold"),
        "bias": Param("mV", default=0.0, doc="constant input per step"),
        "bias_onset": Param("ms", "nonnegative", default=0.0, doc="time from which the bias acts"),
        "v_rest": Param("mV", default=0.0, doc="value v decays to"),
        "v_reset": Param("mV", default=0.0, doc="reset value / reference of the subtraction"),
        "reset": Param("", "choice", default="subtract", choices=_RESETS, doc="reset rule"),
        "reset_delay": Param("", "choice", default=0, choices=(0, 1, False, True),
                             doc="1: reset one step after the spike"),
        "strict": Param("", "choice", default=1, choices=(0, 1, False, True), doc="1: v > threshold"),
    }
    spiking = True

    def _check_relations(self) -> None:
        super()._check_relations()
        self._require_less("v_rest", "threshold")
        if self._params["reset"] == "subtract":
            self._require_less("v_reset", "threshold")


class DiscreteLI(_Discrete):
    r"""A :class:`DiscreteLIF` without threshold: the readout of a trained network::

        I_syn[t] = alpha * I_syn[t-1] + x[t] + bias + I[t]
        v[t]     = v_rest + beta * (v[t-1] - v_rest) + I_syn[t]

    Parameters: ``beta``, ``alpha`` (default 0), ``bias`` (default 0), ``bias_onset`` (ms,
    default 0), ``v_rest`` (default 0), as for :class:`DiscreteLIF`.
    """

    parameters = {
        "beta": Param("", doc="membrane decay factor per step"),
        "alpha": Param("", "nonnegative", default=0.0, doc="synaptic decay factor per step"),
        "bias": Param("mV", default=0.0, doc="constant input per step"),
        "bias_onset": Param("ms", "nonnegative", default=0.0, doc="time from which the bias acts"),
        "v_rest": Param("mV", default=0.0, doc="value v decays to"),
    }
    spiking = False
