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


def synaptic_decay(tau_syn, duration):
    """Factor by which an exponential synaptic current decays over ``duration`` ms:
    ``exp(-duration / tau_syn)``, and 0 for instantaneous synapses (``tau_syn = 0``)."""
    tau_syn = np.asarray(tau_syn)
    instantaneous = tau_syn == 0
    return np.where(instantaneous, 0.0, np.exp(-duration / np.where(instantaneous, 1.0, tau_syn)))


def lif_propagators(tau_mem: np.ndarray, tau_syn: np.ndarray, dt: float):
    """Return (P11, P21, P22) arrays for one step of ``dt`` ms (see module docstring)."""
    p22 = np.exp(-dt / tau_mem)
    instantaneous = tau_syn == 0
    safe_tau_syn = np.where(instantaneous, 1.0, tau_syn)
    p11 = synaptic_decay(tau_syn, dt)
    diff = safe_tau_syn - tau_mem
    # Near-equal time constants: use the analytic limit to avoid cancellation.
    close = np.abs(diff) < 1e-9 * np.maximum(safe_tau_syn, tau_mem)
    with np.errstate(divide="ignore", invalid="ignore"):
        general = safe_tau_syn / np.where(close, 1.0, diff) * (p11 - p22)
    p21 = np.where(close, dt / tau_mem * p22, general)
    p21 = np.where(instantaneous, 0.0, p21)
    return p11, p21, p22


class LifUpdater:
    """State and one-step update of a LIF (``spiking=True``) or LI (``spiking=False``) population.

    The update works in place on preallocated arrays and skips the branches no neuron of the
    population needs (instantaneous synapses, perfect integrators, refractoriness): a step of
    a 4000-neuron population is a handful of numpy calls. The arithmetic is that of the module
    docstring, in the same order of operations.
    """

    def __init__(self, params: dict, initial: dict, dt: float, spiking: bool = True):
        self.spiking = spiking
        self.v = initial["v"].astype(np.float64).copy()
        self.I_syn = initial["I_syn"].astype(np.float64).copy()
        self.v_rest = params["v_rest"]
        self.bias = params["bias"]
        self.instantaneous = params["tau_syn"] == 0
        self.any_instantaneous = bool(self.instantaneous.any())
        # Perfect integrators add their jumps exactly (no round trip through v_inf).
        self.no_leak = np.isinf(params["tau_mem"])
        self.any_no_leak = bool(self.no_leak.any())
        self.p11, self.p21, self.p22 = lif_propagators(params["tau_mem"], params["tau_syn"], dt)
        self.v_inf_base = np.broadcast_to(self.v_rest + self.bias, self.v.shape).astype(np.float64)
        self._scratch = np.empty_like(self.v)
        if spiking:
            self.v_th = np.broadcast_to(params["v_th"], self.v.shape)
            self.v_reset = np.broadcast_to(params["v_reset"], self.v.shape)
            self.subtract = np.broadcast_to(params["reset"] == "subtract", self.v.shape)
            self.reset_step = self.v_th - self.v_reset
            self.refractory_steps = np.broadcast_to(
                np.rint(params["refractory"] / dt).astype(np.int64), self.v.shape)
            self.refractory_left = np.zeros(self.v.size, dtype=np.int64)
            self.n_refractory = 0  # neurons with refractory_left > 0

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step with ``arrivals`` (synaptic input this step) and ``external`` current.

        Returns the indices of the neurons that spiked (empty for LI).
        """
        self._integrate(arrivals, external)
        if not self.spiking:
            return np.zeros(0, dtype=np.int64)
        return self._fire(self.v)

    def _integrate(self, arrivals: np.ndarray, external: np.ndarray | None) -> None:
        """The subthreshold step of the module docstring (``self.v`` becomes the new voltage)."""
        v_inf = self.v_inf_base if external is None else self.v_inf_base + external
        previous = self.v
        v = self._scratch  # becomes self.v; the old array is the next step's scratch
        if self.any_instantaneous:
            instant = np.where(self.instantaneous, arrivals, 0.0)
            self.I_syn += np.where(self.instantaneous, 0.0, arrivals)
            np.add(previous, instant, out=v)
        else:
            self.I_syn += arrivals
            v[:] = previous
        # v = v_inf + (v + instant - v_inf) * P22 + I_syn * P21
        v -= v_inf
        v *= self.p22
        v += v_inf
        v += self.I_syn * self.p21
        if self.any_no_leak:
            np.copyto(v, previous + (instant if self.any_instantaneous else 0.0), where=self.no_leak)
        self.I_syn *= self.p11
        self._scratch, self.v = previous, v

    def _fire(self, v: np.ndarray) -> np.ndarray:
        """Clamp refractory neurons, find the spikes (``v >= v_th``) and reset them, in place."""
        if self.n_refractory:
            refractory = self.refractory_left > 0
            np.copyto(v, self.v_reset, where=refractory)
            self.refractory_left -= refractory
            self.n_refractory = int(np.count_nonzero(self.refractory_left))
        fired = np.flatnonzero(v >= self.v_th)
        if fired.size:
            v[fired] = np.where(self.subtract[fired], v[fired] - self.reset_step[fired], self.v_reset[fired])
            steps = self.refractory_steps[fired]
            self.refractory_left[fired] = steps
            self.n_refractory += int(np.count_nonzero(steps))
        return fired

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, variable)
