"""Current-based leaky integrate-and-fire neuron with an exponential synaptic current."""
from __future__ import annotations

from .base import NeuronModel, Param


class LIF(NeuronModel):
    r"""Leaky integrate-and-fire neuron, current based, exponential synaptic current.

    Dynamics (Brian2 CUBA convention: currents are expressed in mV, i.e. already multiplied
    by the membrane resistance)::

        tau_mem dv/dt     = -(v - v_rest) + I_syn + bias
        tau_syn dI_syn/dt = -I_syn                  I_syn += w on each presynaptic spike

    A weight ``w`` is therefore the jump of ``I_syn`` in mV; with ``tau_syn = 0`` synapses are
    instantaneous and ``v`` itself jumps by ``w``. When ``v >= v_th`` the neuron spikes and is
    reset: to ``v_reset`` (``reset="value"``) or by subtracting ``v_th - v_reset``
    (``reset="subtract"``, which keeps the overshoot). After a spike ``v`` is clamped at
    ``v_reset`` for ``refractory`` ms (absolute refractory period; ``I_syn`` keeps evolving).

    ``tau_mem = inf`` makes a perfect integrator (no leak, NIR's ``IF``): ``v`` keeps every
    synaptic jump until it spikes. A current in mV acts only through the leak, so such neurons
    need ``tau_syn = 0`` and ``bias = 0`` (and ignore injected currents).

    Parameters (scalars, or 1-D arrays with one value per neuron):
        tau_mem: membrane time constant, ms, > 0, or inf (no leak; see above).
        tau_syn: synaptic current time constant, ms, >= 0 (0 = instantaneous synapse).
        v_rest: resting potential, mV.
        v_reset: reset potential, mV, < v_th.
        v_th: firing threshold, mV.
        refractory: absolute refractory period, ms, >= 0; a multiple of the network's dt.
        bias: constant input current, mV (same unit as ``I_syn``), default 0.
        reset: ``"value"`` (default) or ``"subtract"``.
    """

    parameters = {
        "tau_mem": Param("ms", "positive_or_inf", doc="membrane time constant (inf = no leak)"),
        "tau_syn": Param("ms", "nonnegative", doc="synaptic current time constant (0 = instantaneous)"),
        "v_rest": Param("mV", doc="resting potential"),
        "v_reset": Param("mV", doc="reset potential"),
        "v_th": Param("mV", doc="firing threshold"),
        "refractory": Param("ms", "nonnegative", default=0.0, doc="absolute refractory period"),
        "bias": Param("mV", default=0.0, doc="constant input current"),
        "reset": Param("", "choice", default="value", choices=("value", "subtract"),
                       doc="reset to v_reset, or subtract v_th - v_reset"),
    }
    state_variables = {"v": "mV", "I_syn": "mV"}
    current_unit = "mV"
    conductance_unit = "g_L"
    spiking = True
    accepts_receptors = True

    def _check_relations(self) -> None:
        self._require_less("v_reset", "v_th")
        self._require_no_leak_rules()

    def _check_receptors(self) -> None:
        super()._check_receptors()
        self._check_reversal("v_reset", "v_th")

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: at rest, no synaptic current."""
        return self._receptor_defaults({"v": self.v_rest, "I_syn": 0.0})
