"""The per-step update of :class:`~neurocompile.DiscreteLIF` / ``DiscreteLI`` in float64.

Exactly the difference equation of the model's docstring, in its order of operations, so that
a network trained in a framework that uses it (snnTorch's ``Leaky``/``Synaptic``) is
reproduced spike for spike (up to the framework's own float32 rounding)::

    I_syn <- alpha * I_syn + (arrivals + (bias + I_ext))       (bias 0 before bias_onset)
    v     <- v_rest + beta * (v - v_rest) + I_syn        then the reset, see the model
"""
from __future__ import annotations

import numpy as np


class DiscreteUpdater:
    """State and one-step update of a DiscreteLIF (``spiking``) or DiscreteLI population."""

    def __init__(self, params: dict, initial: dict, dt: float, spiking: bool):
        self.spiking = spiking
        self.step_index = 0
        self.bias_onset = np.rint(params["bias_onset"] / dt).astype(np.int64)  # in steps
        self.v = initial["v"].astype(np.float64).copy()
        self.I_syn = initial["I_syn"].astype(np.float64).copy()
        self.alpha = params["alpha"]
        self.beta = params["beta"]
        self.v_rest = params["v_rest"]
        self.bias = params["bias"]
        if spiking:
            self.threshold = params["threshold"]
            self.v_reset = params["v_reset"]
            self.reset = params["reset"]
            self.delayed = bool(np.all(params["reset_delay"]))
            self.strict = bool(np.all(params["strict"]))
            self.pending = np.zeros(self.v.shape, dtype=bool)  # spiked last step, reset now

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step with ``arrivals`` (summed weights) and ``external`` input.

        Returns the indices of the neurons that spiked (empty for DiscreteLI).
        """
        bias = np.where(self.step_index >= self.bias_onset, self.bias, 0.0)
        self.step_index += 1
        drive = bias if external is None else bias + external
        self.I_syn = self.alpha * self.I_syn + (arrivals + drive)
        v = self.v_rest + self.beta * (self.v - self.v_rest) + self.I_syn
        if not self.spiking:
            self.v = v
            return np.zeros(0, dtype=np.int64)
        if self.delayed:
            v = self._reset(v, self.pending)
        spiked = v > self.threshold if self.strict else v >= self.threshold
        if self.delayed:
            self.pending = spiked
        else:
            v = self._reset(v, spiked)
        self.v = v
        return np.flatnonzero(spiked)

    def _reset(self, v: np.ndarray, where: np.ndarray) -> np.ndarray:
        if self.reset == "subtract":
            return np.where(where, v - (self.threshold - self.v_reset), v)
        if self.reset == "zero":
            return np.where(where, self.v_reset, v)
        return v

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, variable)
