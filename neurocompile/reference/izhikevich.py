"""Izhikevich's simple model in float64, with the papers' own integration scheme.

One step of ``dt`` (see :class:`~neurocompile.models.Izhikevich` for why the reference uses the
papers' discretisation rather than an adaptive solver)::

    I_syn += arrivals                 (tau_syn > 0; with tau_syn = 0: v += arrivals)
    repeat substeps times, h = dt / substeps, while v < v_peak:
        v <- v + h (k2 v^2 + k1 v + k0 - u + I_syn + I_e + I_ext)
    u <- u + dt a (b (v - v_u) - u_leak u)          with the new v
    v >= v_peak:  spike, v <- c, u <- u + d
    I_syn <- I_syn exp(-dt / tau_syn)

The chip's integer update (docs/chip.md section 5.6) follows the same order of operations.
"""
from __future__ import annotations

import numpy as np

from .lif import synaptic_decay


class IzhikevichUpdater:
    """State and one-step update of an Izhikevich population (float64, vectorised)."""

    def __init__(self, params: dict, initial: dict, dt: float):
        self.p = params
        self.dt = dt
        self.v = initial["v"].astype(np.float64).copy()
        self.u = initial["u"].astype(np.float64).copy()
        self.I_syn = initial["I_syn"].astype(np.float64).copy()
        self.instantaneous = params["tau_syn"] == 0
        self.decay = synaptic_decay(params["tau_syn"], dt)
        self.substeps = np.rint(params["substeps"]).astype(np.int64)
        self.h = dt / self.substeps
        self.max_substeps = int(self.substeps.max()) if self.substeps.size else 1

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step; returns the indices of neurons that spiked."""
        p = self.p
        self.v = self.v + np.where(self.instantaneous, arrivals, 0.0)
        self.I_syn = self.I_syn + np.where(self.instantaneous, 0.0, arrivals)
        drive = p["k0"] + self.I_syn + p["I_e"] - self.u
        if external is not None:
            drive = drive + external
        v = self.v
        for sub in range(self.max_substeps):
            active = (sub < self.substeps) & (v < p["v_peak"])
            v = np.where(active, v + self.h * (p["k2"] * v * v + p["k1"] * v + drive), v)
        self.u = self.u + self.dt * p["a"] * (p["b"] * (v - p["v_u"]) - p["u_leak"] * self.u)
        spiked = v >= p["v_peak"]
        self.v = np.where(spiked, p["c"], v)
        self.u = np.where(spiked, self.u + p["d"], self.u)
        self.I_syn = self.I_syn * self.decay
        return np.flatnonzero(spiked)

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, variable)
