"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005)."""
from __future__ import annotations

from .base import NeuronModel, Param


class ExponentialSpikeCut:
    """The rules AdEx and ExpIF share: ``V_T`` and ``V_reset`` below the spike cut ``V_peak``,
    and no conductance receptor whose reversal potential lies between ``V_reset`` and ``V_T``."""

    def _check_relations(self) -> None:
        self._require_less("V_T", "V_peak")
        self._require_less("V_reset", "V_peak")

    def _check_receptors(self) -> None:
        super()._check_receptors()
        self._check_reversal("V_reset", "V_T")


class AdEx(ExponentialSpikeCut, NeuronModel):
    r"""Adaptive exponential integrate-and-fire neuron with an exponential synaptic current.

    Parameter names follow Brette & Gerstner (2005) and units follow NEST/Brian2::

        C dV/dt           = -g_L (V - E_L) + g_L delta_T exp((V - V_T)/delta_T) - w + I_syn + I_e
        tau_w dw/dt       = a (V - E_L) - w
        tau_syn dI_syn/dt = -I_syn                  I_syn += w_syn (pA) on each presynaptic spike

    When ``V`` reaches ``V_peak`` (the spike cut) the neuron spikes: ``V <- V_reset`` and
    ``w <- w + b``. During the absolute refractory period ``V`` is clamped at ``V_reset`` while
    ``w`` and ``I_syn`` keep evolving (as NEST's ``aeif_psc_exp``).

    Parameters (scalars, or 1-D arrays with one value per neuron):
        C: membrane capacitance, pF, > 0.
        g_L: leak conductance, nS, > 0.
        E_L: leak reversal potential, mV.
        V_T: threshold slope factor's midpoint (rheobase threshold), mV.
        delta_T: slope factor, mV, > 0.
        a: subthreshold adaptation conductance, nS.
        tau_w: adaptation time constant, ms, > 0.
        b: spike-triggered adaptation increment, pA.
        V_reset: reset potential, mV, < V_peak.
        V_peak: spike cut-off, mV, > V_T.
        refractory: absolute refractory period, ms, >= 0 (multiple of dt), default 0.
        tau_syn: synaptic current time constant, ms, >= 0 (0 = instantaneous: V jumps by w_syn/C).
        I_e: constant injected current, pA, default 0.
    """

    parameters = {
        "C": Param("pF", "positive", doc="membrane capacitance"),
        "g_L": Param("nS", "positive", doc="leak conductance"),
        "E_L": Param("mV", doc="leak reversal potential"),
        "V_T": Param("mV", doc="exponential threshold"),
        "delta_T": Param("mV", "positive", doc="slope factor"),
        "a": Param("nS", doc="subthreshold adaptation"),
        "tau_w": Param("ms", "positive", doc="adaptation time constant"),
        "b": Param("pA", doc="spike-triggered adaptation"),
        "V_reset": Param("mV", doc="reset potential"),
        "V_peak": Param("mV", doc="spike cut-off"),
        "refractory": Param("ms", "nonnegative", default=0.0, doc="absolute refractory period"),
        "tau_syn": Param("ms", "nonnegative", doc="synaptic current time constant"),
        "I_e": Param("pA", default=0.0, doc="constant injected current"),
    }
    state_variables = {"v": "mV", "w": "pA", "I_syn": "pA"}
    current_unit = "pA"
    conductance_unit = "nS"
    spiking = True
    accepts_receptors = True

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: V at E_L, no adaptation or input."""
        return self._receptor_defaults({"v": self.E_L, "w": 0.0, "I_syn": 0.0})
