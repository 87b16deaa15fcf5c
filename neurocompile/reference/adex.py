"""Integration of the AdEx model: fixed-step RK4 sub-steps with a spike cut (float64).

Synaptic arrivals of step ``k`` are applied at its start (``I_syn += w``; with
``tau_syn = 0``, ``V += w / C``), as for LIF. Within the step ``(V, w)`` is integrated with
classic RK4 on ``n_sub`` equal sub-steps, the synaptic current taken from its exact
exponential decay (with ``receptors=``: every receptor's current or conductance from its
exact kinetics, a conductance adding ``g(t) (E_rev - V)``). The exponential term is evaluated at ``min(V, V_peak)``: the spike cut
makes the right-hand side bounded, which keeps RK4 stable through the upswing.

After every sub-step, neurons with ``V >= V_peak`` spike. The crossing time inside the
sub-step is found by linear interpolation, ``V <- V_reset`` and ``w <- w(t_cross) + b``.
Without a refractory period the neuron then integrates the rest of the sub-step from the
reset state, so no integration time is lost (losing it would delay every later spike and
the error would accumulate over a spike train). With ``refractory > 0`` it is held at
``V_reset`` for exactly ``refractory`` ms from the crossing, while ``w`` relaxes exactly
towards ``a (V_reset - E_L)`` (NEST ``aeif_psc_exp`` semantics), then integrates freely. A
neuron spikes at most once per step: a second crossing in the same step is deferred to the
next step (V is held at ``V_peak`` meanwhile), never dropped.
"""
from __future__ import annotations

import math

import numpy as np

from ..models.receptors import mg_block

#: Default upper bound on the RK4 sub-step, ms. Tested against an adaptive solver
#: (tests/reference/test_adex.py): spike times agree within one 0.1 ms step.
DEFAULT_MAX_SUBSTEP = 0.025


class AdexUpdater:
    """State and one-step update of an AdEx population.

    ``receptors`` (a :class:`~.receptors.ReceptorState`, for a model with ``receptors=``)
    replaces the one synaptic current: within the step every receptor follows its exact
    kinetics, currents add to the input and conductances add ``g(t) (E_rev - V)`` to the
    right-hand side at each RK4 point.
    """

    def __init__(self, params: dict, initial: dict, dt: float, max_substep: float = DEFAULT_MAX_SUBSTEP,
                 receptors=None):
        self.p = params
        self.receptors = receptors
        self.v = initial["v"].astype(np.float64).copy()
        self.w = initial["w"].astype(np.float64).copy()
        self.I_syn = initial["I_syn"].astype(np.float64).copy() if "I_syn" in initial else np.zeros(self.v.size)
        self.n_sub = max(1, math.ceil(dt / max_substep - 1e-9))
        self.dt = dt
        self.h = dt / self.n_sub
        tau_syn = params["tau_syn"]
        self.instantaneous = tau_syn == 0
        self.safe_tau_syn = np.where(self.instantaneous, 1.0, tau_syn)
        self._i_start = self.I_syn  # I_syn at the start of the step, after its arrivals
        # Held neurons: w relaxes exactly towards its value at V = V_reset.
        self.w_held = params["a"] * (params["V_reset"] - params["E_L"])
        # Refractory periods are multiples of dt (validated), hence of the sub-step h.
        self.refractory_substeps = np.rint(params["refractory"] / self.h).astype(np.int64)
        self.hold_left = np.zeros(self.v.size, dtype=np.int64)  # held sub-steps left
        self.release_theta = np.zeros(self.v.size)  # where in its sub-step the hold ends
        # Right-hand-side coefficients, computed once (the RK4 loop is overhead-bound).
        self._coefficients = {
            "leak": -params["g_L"] / params["C"], "inv_C": 1.0 / params["C"],
            "spike_gain": params["g_L"] * params["delta_T"] / params["C"],
            "inv_delta_T": 1.0 / params["delta_T"], "inv_tau_w": 1.0 / params["tau_w"],
            "V_peak": params["V_peak"], "V_T": params["V_T"], "E_L": params["E_L"], "a": params["a"],
        }

    def _decay(self, duration):
        """Factor by which I_syn decays over ``duration`` ms (0 for instantaneous synapses)."""
        # lif.synaptic_decay, with tau_syn's zeros masked once in __init__ (RK4's hot path)
        return np.where(self.instantaneous, 0.0, np.exp(-duration / self.safe_tau_syn))

    def _drive(self, t, constant):
        """Synaptic drive at time ``t`` (ms into the step; scalar or per neuron): (current,
        conductance, conductance x E_rev); the conductance terms are None without receptors."""
        if self.receptors is None:
            return constant + self._i_start * self._decay(t), None, None, ()
        current, total, reversal, blocked = self.receptors.at(t)
        return constant + current, total, reversal, blocked

    def _rhs(self, v, w, drive):
        c = self._coefficients
        current, total, reversal, blocked = drive
        if total is not None:
            current = current + reversal - total * v
        for g, e_rev, mg in blocked:  # magnesium block at this RK4 point's voltage
            current = current + g * mg_block(v, mg) * (e_rev - v)
        exp_term = c["spike_gain"] * np.exp((np.minimum(v, c["V_peak"]) - c["V_T"]) * c["inv_delta_T"])
        dv = (c["leak"] * (v - c["E_L"]) + exp_term + (current - w) * c["inv_C"])
        dw = (c["a"] * (v - c["E_L"]) - w) * c["inv_tau_w"]
        return dv, dw

    def _rk4(self, v, w, h, t, constant):
        """One classic RK4 step of length ``h`` from time ``t`` in the step (scalars or
        per-neuron arrays)."""
        start, mid, end = self._drive(t, constant), self._drive(t + 0.5 * h, constant), self._drive(t + h, constant)
        k1v, k1w = self._rhs(v, w, start)
        k2v, k2w = self._rhs(v + 0.5 * h * k1v, w + 0.5 * h * k1w, mid)
        k3v, k3w = self._rhs(v + 0.5 * h * k2v, w + 0.5 * h * k2w, mid)
        k4v, k4w = self._rhs(v + h * k3v, w + h * k3w, end)
        return v + h / 6.0 * (k1v + 2 * k2v + 2 * k3v + k4v), w + h / 6.0 * (k1w + 2 * k2w + 2 * k3w + k4w)

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step (``n_sub`` RK4 sub-steps); returns the indices of neurons that spiked."""
        p = self.p
        if self.receptors is None:
            self.v = self.v + np.where(self.instantaneous, arrivals / p["C"], 0.0)
            self._i_start = self.I_syn + np.where(self.instantaneous, 0.0, arrivals)
        else:
            jump = self.receptors.receive(arrivals)
            if jump is not None:
                self.v = self.v + jump / p["C"]
        constant = p["I_e"] if external is None else p["I_e"] + external
        spiked = np.zeros(self.v.size, dtype=bool)
        v, w, h = self.v, self.w, self.h
        for sub in range(self.n_sub):
            t = sub * h
            held = self.hold_left > 0
            v_new, w_new = self._rk4(v, w, h, t, constant)
            if held.any():
                v_new = np.where(held, p["V_reset"], v_new)
                w_new = np.where(held, self._held_w(w, h), w_new)
                # The hold ends inside this sub-step, at the fraction where the spike was.
                release = held & (self.hold_left == 1)
                if release.any():
                    theta = self.release_theta
                    v_free, w_free = self._free_rest(theta, self._held_w(w, theta * h), constant, t)
                    v_new = np.where(release, v_free, v_new)
                    w_new = np.where(release, w_free, w_new)
                self.hold_left -= held
            crossing = (v_new >= p["V_peak"]) & ~held
            if crossing.any():
                again = crossing & spiked  # at most one spike per step: defer to the next step
                v_new = np.where(again, p["V_peak"], v_new)
                crossing &= ~spiked
                v_new, w_new = self._reset(crossing, v, v_new, w, w_new, constant, t)
                spiked |= crossing
            v, w = v_new, w_new
        self.v, self.w = v, w
        if self.receptors is None:
            self.I_syn = self._i_start * self._decay(self.dt)
        else:
            self.receptors.advance()
        return np.flatnonzero(spiked)

    def _held_w(self, w, duration):
        """w after ``duration`` ms with V clamped at V_reset (exact: linear in w)."""
        return self.w_held + (w - self.w_held) * np.exp(-duration / self.p["tau_w"])

    def _free_rest(self, theta, w_start, constant, t):
        """Integrate from (V_reset, w_start) over the last (1 - theta) of the sub-step that
        starts at ``t``."""
        h = self.h
        rest = (1.0 - theta) * h
        v_reset = np.broadcast_to(self.p["V_reset"], w_start.shape)
        return self._rk4(v_reset, w_start, rest, t + theta * h, constant)

    def _reset(self, crossing, v0, v1, w0, w1, constant, t):
        """Reset the neurons that crossed V_peak during the sub-step from (v0, w0) to (v1, w1)."""
        p, h = self.p, self.h
        # Fraction of the sub-step at which V reached V_peak (linear interpolation).
        span = np.where(crossing & (v1 > v0), v1 - v0, 1.0)
        theta = np.clip(np.where(crossing, (p["V_peak"] - v0) / span, 0.0), 0.0, 1.0)
        w_cross = w0 + theta * (w1 - w0) + p["b"]
        refractory = self.refractory_substeps > 0
        v_out = np.where(crossing, p["V_reset"], v1)
        w_out = np.where(crossing & refractory, self._held_w(w_cross, (1.0 - theta) * h), w1)
        free = crossing & ~refractory
        if free.any():
            v_free, w_free = self._free_rest(theta, w_cross, constant, t)
            v_out = np.where(free, v_free, v_out)
            w_out = np.where(free, w_free, w_out)
        self.hold_left[crossing] = self.refractory_substeps[crossing]
        self.release_theta = np.where(crossing, theta, self.release_theta)
        return v_out, w_out

    def read(self, variable: str) -> np.ndarray:
        if self.receptors is not None and variable in self.receptors.variables:
            return self.receptors.variables[variable]
        return getattr(self, variable)
