"""Izhikevich's simple model (Izhikevich 2003, 2004)."""
from __future__ import annotations

import numpy as np

from ..errors import invalid
from .base import NeuronModel, Param
from .parameters import short_value

class Izhikevich(NeuronModel):
    r"""Izhikevich's simple spiking model, integrated as in the papers' own code.

    In the units of the papers (time in ms, ``v`` in mV, ``u`` and currents in mV/ms: the
    model's capacitance is 1)::

        dv/dt = k2 v^2 + k1 v + k0 - u + I_syn + I_e
        du/dt = a (b (v - v_u) - u_leak u)
        if v >= v_peak:  v <- c,  u <- u + d
        tau_syn dI_syn/dt = -I_syn                 I_syn += w on each presynaptic spike

    With the defaults ``k2 = 0.04, k1 = 5, k0 = 140, v_u = 0, u_leak = 1`` this is the model of
    Izhikevich (2003); Fig. 1 of Izhikevich (2004) also uses ``k1 = 4.1, k0 = 108`` (class 1
    excitability, integrator) and ``u_leak = 0, v_u = -65`` (accommodation).

    **Integration (the model is defined by it).** One step of ``dt`` is the scheme of the
    papers' MATLAB code: ``v`` advances by ``substeps`` forward-Euler sub-steps of
    ``dt / substeps`` with ``u`` and the input held; then ``u`` advances by one forward-Euler
    step of ``dt`` using the *new* ``v``; then a neuron with ``v >= v_peak`` spikes and is
    reset. ``substeps = 1`` is the 2004 paper's figure code (steps of 0.1-0.5 ms);
    ``substeps = 2`` with ``dt = 1`` ms is the 2003 paper's network code (two half-steps of
    ``v`` "for numerical stability"). Sub-steps stop once ``v`` reaches ``v_peak`` (the spike
    is decided; the quadratic term would only run away). The firing types the papers show
    depend on this discretisation (they were tuned with it), which is why the reference uses
    it rather than an adaptive solver: a smaller ``dt`` changes spike times, and at the
    papers' steps some features (e.g. accommodation, inhibition-induced bursting) belong to the
    discrete map. The chip (docs/chip.md section 5.8) implements the same scheme in integers.

    Synaptic input: ``I_syn`` decays exactly between steps; arrivals of a step are added at its
    start. With ``tau_syn = 0`` an arrival makes ``v`` jump by ``w`` (mV) instead (the 2003
    network's pulse of one 1 ms step, ``v += I dt``).

    Parameters (scalars, or 1-D arrays with one value per neuron):
        a: recovery rate of ``u``, 1/ms (may be negative, as in Fig. 1 S-T).
        b: sensitivity of ``u`` to ``v``, 1/ms.
        c: reset value of ``v``, mV, < v_peak.
        d: jump of ``u`` at a spike, mV/ms.
        v_peak: spike cut-off, mV, default 30.
        k2: quadratic coefficient, 1/(mV ms), > 0, default 0.04.
        k1: linear coefficient, 1/ms, default 5.
        k0: constant drive, mV/ms, default 140.
        v_u: voltage at which ``u`` has no drive, mV, default 0.
        u_leak: 1 (``u`` relaxes) or 0 (``u`` integrates ``b (v - v_u)``), default 1.
        substeps: forward-Euler sub-steps of ``v`` per step, an integer >= 1, default 1 (the
            chip runs at most 4).
        tau_syn: synaptic current time constant, ms, >= 0 (0 = ``v`` jumps by ``w``).
        I_e: constant injected current, mV/ms, default 0.
    """

    parameters = {
        "a": Param("1/ms", doc="recovery rate"),
        "b": Param("1/ms", doc="sensitivity of u to v"),
        "c": Param("mV", doc="reset value of v"),
        "d": Param("mV/ms", doc="jump of u at a spike"),
        "v_peak": Param("mV", default=30.0, doc="spike cut-off"),
        "k2": Param("1/(mV ms)", "positive", default=0.04, doc="quadratic coefficient"),
        "k1": Param("1/ms", default=5.0, doc="linear coefficient"),
        "k0": Param("mV/ms", default=140.0, doc="constant drive"),
        "v_u": Param("mV", default=0.0, doc="voltage at which u has no drive"),
        "u_leak": Param("", default=1.0, doc="1: u relaxes, 0: u integrates"),
        "substeps": Param("", "positive", default=1.0, doc="Euler sub-steps of v per step"),
        "tau_syn": Param("ms", "nonnegative", doc="synaptic current time constant"),
        "I_e": Param("mV/ms", default=0.0, doc="constant injected current"),
    }
    state_variables = {"v": "mV", "u": "mV/ms", "I_syn": "mV/ms"}
    current_unit = "mV/ms"
    spiking = True

    def _check_relations(self) -> None:
        self._require_less("c", "v_peak")
        leak = np.asarray(self._params["u_leak"])
        if np.any((leak != 0) & (leak != 1)):
            raise invalid("Izhikevich", "u_leak", self._params["u_leak"], "must be 0 or 1")
        sub = np.asarray(self._params["substeps"])
        if np.any(sub != np.rint(sub)):
            raise invalid("Izhikevich", "substeps", self._params["substeps"], "must be an integer >= 1")

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: ``v = c``, ``u = b (v - v_u)``."""
        v = np.asarray(self.c, dtype=np.float64)
        u = np.asarray(self.b) * (v - np.asarray(self.v_u))
        return {"v": self.c, "u": float(u) if u.ndim == 0 else u, "I_syn": 0.0}

    def __repr__(self):  # the defaults of the 2003 model are left out
        shown = {k: v for k, v in self._params.items()
                 if not (np.ndim(v) == 0 and k in _QUIET_DEFAULTS and v == _QUIET_DEFAULTS[k])}
        return "Izhikevich(" + ", ".join(f"{k}={short_value(v)}" for k, v in shown.items()) + ")"


_QUIET_DEFAULTS = {"v_peak": 30.0, "k2": 0.04, "k1": 5.0, "k0": 140.0, "v_u": 0.0, "u_leak": 1.0,
                   "substeps": 1.0, "I_e": 0.0}
