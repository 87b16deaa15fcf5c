"""Exponential integrate-and-fire neuron (Fourcaud-Trocme et al. 2003)."""
from __future__ import annotations

from .adex import AdEx, ExponentialSpikeCut
from .base import NeuronModel


class ExpIF(ExponentialSpikeCut, NeuronModel):
    r"""Exponential integrate-and-fire neuron with an exponential synaptic current.

    Units and names as :class:`~neurocompile.models.AdEx` (NEST/Brian2 habits)::

        C dV/dt           = -g_L (V - E_L) + g_L delta_T exp((V - V_T)/delta_T) + I_syn + I_e
        tau_syn dI_syn/dt = -I_syn                  I_syn += w_syn (pA) on each presynaptic spike

    When ``V`` reaches ``V_peak`` (the spike cut) the neuron spikes and ``V <- V_reset``; it is
    then clamped at ``V_reset`` for ``refractory`` ms. This is AdEx without adaptation, and the
    chip runs it on the same soma (docs/chip.md section 5) with the adaptation path switched
    off; the float reference is the AdEx integrator (RK4 sub-steps, spike cut) with ``w = 0``.

    Parameters (scalars, or 1-D arrays with one value per neuron):
        C: membrane capacitance, pF, > 0.
        g_L: leak conductance, nS, > 0.
        E_L: leak reversal potential, mV.
        V_T: threshold slope factor's midpoint (rheobase threshold), mV, < V_peak.
        delta_T: slope factor, mV, > 0.
        V_reset: reset potential, mV, < V_peak.
        V_peak: spike cut-off, mV.
        refractory: absolute refractory period, ms, >= 0 (multiple of dt), default 0.
        tau_syn: synaptic current time constant, ms, >= 0 (0 = instantaneous: V jumps by w_syn/C).
        I_e: constant injected current, pA, default 0.

    Like AdEx it accepts ``receptors=`` (conductance and current receptors) instead of ``tau_syn``.
    """

    #: AdEx's parameters without the adaptation (``a``, ``tau_w``, ``b``).
    parameters = {name: spec for name, spec in AdEx.parameters.items() if name not in ("a", "tau_w", "b")}
    state_variables = {"v": "mV", "I_syn": "pA"}
    current_unit = "pA"
    conductance_unit = "nS"
    spiking = True
    accepts_receptors = True

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: V at E_L, no input."""
        return self._receptor_defaults({"v": self.E_L, "I_syn": 0.0})

    def adex_parameters(self, params: dict) -> dict:
        """``params`` (this model's, resolved per neuron) completed with the AdEx parameters of
        no adaptation (``a = b = 0``; ``tau_w`` is then irrelevant, 1 ms), for the AdEx
        integrator and the chip's AdEx soma."""
        zeros = params["C"] * 0.0
        return dict(params, a=zeros, b=zeros, tau_w=zeros + 1.0)
