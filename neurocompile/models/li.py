"""Non-spiking leaky integrator, the usual readout of a spiking network."""
from __future__ import annotations

from .base import NeuronModel, Param


class LI(NeuronModel):
    r"""Leaky integrator: a LIF neuron without threshold, used for readout layers.

    Dynamics (currents in mV, as for :class:`LIF`)::

        tau_mem dv/dt     = -(v - v_rest) + I_syn + bias
        tau_syn dI_syn/dt = -I_syn                  I_syn += w on each presynaptic spike

    ``tau_mem = inf`` makes a perfect integrator (NIR's ``I``): ``v`` keeps every synaptic
    jump; it then needs ``tau_syn = 0`` and ``bias = 0`` (see :class:`LIF`).

    Parameters:
        tau_mem: membrane time constant, ms, > 0, or inf (no leak).
        tau_syn: synaptic time constant, ms, >= 0 (0 = instantaneous: v jumps by w).
        v_rest: resting potential, mV, default 0.
        bias: constant input current, mV, default 0.
    """

    parameters = {
        "tau_mem": Param("ms", "positive_or_inf", doc="membrane time constant (inf = no leak)"),
        "tau_syn": Param("ms", "nonnegative", doc="synaptic current time constant"),
        "v_rest": Param("mV", default=0.0, doc="resting potential"),
        "bias": Param("mV", default=0.0, doc="constant input current"),
    }
    state_variables = {"v": "mV", "I_syn": "mV"}
    current_unit = "mV"
    conductance_unit = "g_L"
    spiking = False
    accepts_receptors = True

    def _check_relations(self) -> None:
        self._require_no_leak_rules()

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: at rest, no synaptic current."""
        return self._receptor_defaults({"v": self.v_rest, "I_syn": 0.0})
