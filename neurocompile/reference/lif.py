"""Exact integration of the linear LIF / LI subthreshold dynamics (float64, vectorised).

Between spikes the LIF equations are linear with constant coefficients, so one time step is
an exact matrix exponential ("exact integration", Rotter & Diesmann 1999, as NEST's
``iaf_psc_exp``). Spikes arriving in step ``k`` are applied at the start of the step, then the
step is integrated exactly::

    I      += arrivals                                   (tau_syn > 0)
    v      <- v_inf + (v - v_inf) P22 + I P21            v_inf = v_rest + bias + I_ext
    I      <- I P11

with ``P11 = exp(-dt/tau_syn)``, ``P22 = exp(-dt/tau_mem)`` and
``P21 = tau_syn/(tau_syn - tau_mem) (P11 - P22)`` (its limit ``dt/tau_mem P22`` when the time
constants are equal). With ``tau_syn = 0`` the arrivals jump ``v`` at the start of the step
and decay with it. Then refractory neurons are clamped at ``v_reset``, and neurons with
``v >= v_th`` spike and are reset. With ``tau_mem = inf`` (no leak; the model then requires
``tau_syn = 0`` and ``bias = 0``) ``P22 = 1`` and the update is exactly ``v <- v + arrivals``.
"""
from __future__ import annotations

import numpy as np


def lif_propagators(tau_mem: np.ndarray, tau_syn: np.ndarray, dt: float):
    """Return (P11, P21, P22) arrays for one step of ``dt`` ms (see module docstring)."""
    p22 = np.exp(-dt / tau_mem)
    instantaneous = tau_syn == 0
    safe_tau_syn = np.where(instantaneous, 1.0, tau_syn)
    p11 = np.where(instantaneous, 0.0, np.exp(-dt / safe_tau_syn))
    diff = safe_tau_syn - tau_mem
    # Near-equal time constants: use the analytic limit to avoid cancellation.
    close = np.abs(diff) < 1e-9 * np.maximum(safe_tau_syn, tau_mem)
    with np.errstate(divide="ignore", invalid="ignore"):
        general = safe_tau_syn / np.where(close, 1.0, diff) * (p11 - p22)
    p21 = np.where(close, dt / tau_mem * p22, general)
    p21 = np.where(instantaneous, 0.0, p21)
    return p11, p21, p22


class LifUpdater:
    """State and one-step update of a LIF (``spiking=True``) or LI (``spiking=False``) population."""

    def __init__(self, params: dict, initial: dict, dt: float, spiking: bool = True):
        self.spiking = spiking
        self.v = initial["v"].astype(np.float64).copy()
        self.I_syn = initial["I_syn"].astype(np.float64).copy()
        self.v_rest = params["v_rest"]
        self.bias = params["bias"]
        self.instantaneous = params["tau_syn"] == 0
        # Perfect integrators add their jumps exactly (no round trip through v_inf).
        self.no_leak = np.isinf(params["tau_mem"])
        self.p11, self.p21, self.p22 = lif_propagators(params["tau_mem"], params["tau_syn"], dt)
        if spiking:
            self.v_th = params["v_th"]
            self.v_reset = params["v_reset"]
            self.subtract = params["reset"] == "subtract"
            self.reset_step = self.v_th - self.v_reset
            self.refractory_steps = np.rint(params["refractory"] / dt).astype(np.int64)
            self.refractory_left = np.zeros(self.v.size, dtype=np.int64)

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step with ``arrivals`` (synaptic input this step) and ``external`` current.

        Returns the boolean spike vector (all False for LI).
        """
        v_inf = self.v_rest + self.bias
        if external is not None:
            v_inf = v_inf + external
        instant = np.where(self.instantaneous, arrivals, 0.0)
        self.I_syn += np.where(self.instantaneous, 0.0, arrivals)
        v = v_inf + (self.v + instant - v_inf) * self.p22 + self.I_syn * self.p21
        if self.no_leak.any():
            v = np.where(self.no_leak, self.v + instant, v)
        self.I_syn *= self.p11
        if not self.spiking:
            self.v = v
            return np.zeros(v.size, dtype=bool)
        refractory = self.refractory_left > 0
        v = np.where(refractory, self.v_reset, v)
        self.refractory_left -= refractory
        spiked = v >= self.v_th
        if spiked.any():
            v = np.where(spiked, np.where(self.subtract, v - self.reset_step, self.v_reset), v)
            self.refractory_left[spiked] = self.refractory_steps[spiked]
        self.v = v
        return spiked

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, variable)
