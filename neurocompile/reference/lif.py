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

from ..jit import njit


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


# The two helpers below take and return scalars, not the arrays: numba 0.66-0.68 keeps a
# reference-count call per array argument of a helper inside the loop (measured: the CUBA
# float reference 5.6x slower, 2.05 s vs 0.37 s per simulated second), numba 0.65 did not.
@njit(inline="always")
def threshold_and_reset(x, refractory_left, v_th, v_reset, subtract, reset_step, refractory_steps):
    """A neuron's membrane value (mV) after the refractory clamp, the threshold and the reset
    of the module docstring, from its new value ``x`` and its remaining refractory steps;
    returns ``(x, spiked, refractory_left)``. Shared by the LIF step here and the receptor LIF step."""
    if refractory_left > 0:
        x = v_reset
        refractory_left -= 1
    spiked = x >= v_th
    if spiked:
        x = x - reset_step if subtract else v_reset
        refractory_left = refractory_steps
    return x, spiked, refractory_left


@njit(inline="always")
def widened(low, high, x):
    """The running extremes ``(low, high)`` extended to include ``x``."""
    if x < low:
        low = x
    if x > high:
        high = x
    return low, high


@njit(nogil=True)
def _lif_step(v, i_syn, arrivals, external, has_external, v_inf_base, p11, p21, p22, instantaneous, any_instantaneous,
              no_leak, spiking, v_th, v_reset, subtract, reset_step, refractory_steps, refractory_left, fired,
              low_v, high_v, low_i, high_i):
    """One step of every neuron of a LIF/LI population (module docstring), in place: the
    subthreshold update, refractory clamp, threshold and reset, and the running extremes of
    ``v`` and ``I_syn`` after the step; returns the number of spikes written to ``fired``
    (ascending). The same float64 operations in the same order as the numpy form it replaced
    (numba does not reassociate or fuse them), one pass over the neurons instead of a dozen."""
    n_fired = 0
    for k in range(v.size):
        previous = v[k]
        arriving = arrivals[k]
        v_inf = v_inf_base[k] + external[k] if has_external else v_inf_base[k]
        x = previous
        current = i_syn[k]
        if any_instantaneous:
            if instantaneous[k]:
                x = previous + arriving
                current = current + 0.0
            else:
                x = previous + 0.0
                current = current + arriving
        else:
            current = current + arriving
        x = x - v_inf
        x = x * p22[k]
        x = x + v_inf
        x = x + current * p21[k]
        if no_leak[k]:  # perfect integrators: v plus the instantaneous jump, exactly
            x = previous + (arriving if any_instantaneous and instantaneous[k] else 0.0)
        current = current * p11[k]
        i_syn[k] = current
        if spiking:
            x, spiked, refractory_left[k] = threshold_and_reset(x, refractory_left[k], v_th[k], v_reset[k], subtract[k],
                                                                reset_step[k], refractory_steps[k])
            if spiked:
                fired[n_fired] = k
                n_fired += 1
        v[k] = x
        low_v[k], high_v[k] = widened(low_v[k], high_v[k], x)
        low_i[k], high_i[k] = widened(low_i[k], high_i[k], current)
    return n_fired


class LifUpdater:
    """State and one-step update of a LIF (``spiking=True``) or LI (``spiking=False``) population.

    The update works in place on preallocated arrays, one compiled pass per step
    (:func:`_lif_step`: per-step numpy calls cost more than the arithmetic on a 4000-neuron
    population, measured on CUBA). The arithmetic is that of the module docstring, in the same
    order of operations.
    """

    def __init__(self, params: dict, initial: dict, dt: float, spiking: bool = True):
        self.spiking = spiking
        self.v = initial["v"].astype(np.float64).copy()
        self.I_syn = initial["I_syn"].astype(np.float64).copy()
        size = self.v.size

        def full(value, dtype=np.float64):  # one contiguous value per neuron, for the compiled step
            return np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=dtype), (size,)))

        self.instantaneous = full(params["tau_syn"] == 0, np.bool_)
        self.any_instantaneous = bool(self.instantaneous.any())
        # Perfect integrators add their jumps exactly (no round trip through v_inf).
        self.no_leak = full(np.isinf(params["tau_mem"]), np.bool_)
        self.p11, self.p21, self.p22 = (full(p) for p in lif_propagators(params["tau_mem"], params["tau_syn"], dt))
        self.v_inf_base = full(np.asarray(params["v_rest"]) + params["bias"])
        self._no_external = np.zeros(1)
        self._fired = np.zeros(size, dtype=np.int64)
        # the running extremes of v and I_syn, kept by the step (track_extremes) or here
        self._extremes = [np.full(size, np.inf), np.full(size, -np.inf), np.full(size, np.inf),
                          np.full(size, -np.inf)]
        if spiking:
            self.v_th = full(params["v_th"])
            self.v_reset = full(params["v_reset"])
            self.subtract = full(np.asarray(params["reset"]) == "subtract", np.bool_)
            self.reset_step = self.v_th - self.v_reset
            self.refractory_steps = full(np.rint(np.asarray(params["refractory"]) / dt).astype(np.int64), np.int64)
        else:  # unused by an LI population's step
            self.v_th = self.v_reset = self.reset_step = np.zeros(size)
            self.subtract = np.zeros(size, dtype=np.bool_)
            self.refractory_steps = np.zeros(size, dtype=np.int64)
        self.refractory_left = np.zeros(size, dtype=np.int64)

    def track_extremes(self, extremes: dict) -> set:
        """Keep the running minimum and maximum of ``v`` and ``I_syn`` after each step in the
        arrays ``extremes[variable] = [low, high]`` (updated in place by :meth:`step`); returns
        the variables tracked, which the caller then need not read every step."""
        tracked = {var for var in ("v", "I_syn") if var in extremes}
        if "v" in tracked:
            self._extremes[0], self._extremes[1] = extremes["v"]
        if "I_syn" in tracked:
            self._extremes[2], self._extremes[3] = extremes["I_syn"]
        return tracked

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step with ``arrivals`` (synaptic input this step) and ``external`` current.

        Returns the indices of the neurons that spiked (empty for LI).
        """
        has_external = external is not None
        if has_external:
            external = np.ascontiguousarray(np.broadcast_to(np.asarray(external, dtype=np.float64), self.v.shape))
        low_v, high_v, low_i, high_i = self._extremes
        n_fired = _lif_step(self.v, self.I_syn, np.ascontiguousarray(arrivals, dtype=np.float64),
                            external if has_external else self._no_external, has_external, self.v_inf_base,
                            self.p11, self.p21, self.p22, self.instantaneous, self.any_instantaneous,
                            self.no_leak, self.spiking, self.v_th, self.v_reset, self.subtract, self.reset_step,
                            self.refractory_steps, self.refractory_left, self._fired, low_v, high_v, low_i, high_i)
        return self._fired[:n_fired].copy()

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, variable)
