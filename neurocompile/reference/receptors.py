"""Neurons with several receptors (``receptors=``) in float64: their kinetics and the LIF step.

Each receptor's kinetics are linear, so one step of them is exact. What couples them to the
membrane, per step ``k`` (spikes of step ``k`` apply at its start, as everywhere):

1. jumps: a current receptor ``I += w`` (``tau = 0``: ``v += w``), a conductance ``g += w``
   (:class:`~neurocompile.CondDualExp`: ``h += w norm``);
2. the conductances are replaced by their exact mean over the step, ``G_c = (1/dt) int g_c``,
   held for the step ("exponential Euler", as Brian2 integrates COBA); a magnesium-blocked
   one is scaled by its block ``B(v)`` at the voltage of the step's start; currents keep
   their exact exponential decay;
3. the LIF membrane ``tau dv/dt = -(1 + G) v + v_rest + bias + I_ext + sum G_c E_c + sum I_r(t)``
   (``G = sum G_c``, in units of the leak conductance) is linear with constant coefficients
   over the step and is integrated exactly::

       v <- v_inf + (v - v_inf) P22' + sum_r P21'_r I_r
       P22' = exp(-dt (1 + G) / tau),   v_inf = (v_rest + bias + I_ext + sum G_c E_c) / (1 + G)
       P21'_r = (exp(-dt/tau_r) - P22') / (1 + G - tau/tau_r)

   which without conductances is exactly :mod:`.lif`'s step (``P21'`` = ``P21``);
4. the receptor states decay over the step (dual exponential: ``g <- g Pd + h K``,
   ``h <- h Pr`` with ``K = (Pd - Pr) / (1/tau_rise - 1/tau_decay)``).

The error of holding the conductance at its mean is second order in ``dt``; against
``scipy.integrate.solve_ivp`` a single PSP peaks within 0.1 % at dt = 0.1 ms
(``tests/reference/test_receptors.py``).
"""
from __future__ import annotations

import numpy as np

from ..models.receptors import conductance_params, dual_exp_norm, mg_block
from .lif import LifUpdater

CURRENT, COND_EXP, COND_DUAL = "current", "cond_exp", "cond_dual"


def receptor_kind(receptor) -> str:
    """``"current"``, ``"cond_exp"`` or ``"cond_dual"``."""
    name = type(receptor).__name__
    # NMDA: its postsynaptic conductance is an exponential one fed by the presynaptic gates
    return {"CurrentExp": CURRENT, "CondExp": COND_EXP, "CondDualExp": COND_DUAL, "NMDA": COND_EXP}[name]


class ReceptorState:
    """The receptor states of one population, with their exact one-step kinetics.

    ``variables`` maps each probe-able state variable (``I_exc``, ``g_ampa``, ``h_ampa``) to
    its array; the arrays are updated in place.
    """

    def __init__(self, pop, dt: float):
        self.dt = dt
        self.entries = []
        self.variables: dict[str, np.ndarray] = {}
        for name, receptor in pop.model.receptors.items():
            p = conductance_params(receptor, pop.receptor_params[name])
            kind = receptor_kind(receptor)
            entry = {"name": name, "kind": kind}
            if kind == CURRENT:
                tau = p["tau"]
                instant = tau == 0
                safe = np.where(instant, 1.0, tau)
                entry.update(I=self._state(pop, f"I_{name}"), tau=tau, instant=instant,
                             any_instant=bool(instant.any()), p11=np.where(instant, 0.0, np.exp(-dt / safe)))
            elif kind == COND_EXP:
                decay = np.exp(-dt / p["tau"])
                entry.update(g=self._state(pop, f"g_{name}"), E=p["E_rev"], decay=decay, tau=p["tau"],
                             mean=p["tau"] / dt * (1.0 - decay), mg=p["mg"], blocked=bool(np.any(p["mg"] > 0)))
            else:
                tr, td = p["tau_rise"], p["tau_decay"]
                pr, pd = np.exp(-dt / tr), np.exp(-dt / td)
                rate = 1.0 / tr - 1.0 / td
                entry.update(g=self._state(pop, f"g_{name}"), h=self._state(pop, f"h_{name}"), E=p["E_rev"],
                             pr=pr, pd=pd, k=(pd - pr) / rate, norm=dual_exp_norm(tr, td), rate=rate,
                             tau_rise=tr, tau_decay=td,
                             mean_g=td / dt * (1.0 - pd),
                             mean_h=(td * (1.0 - pd) - tr * (1.0 - pr)) / rate / dt,
                             mg=p["mg"], blocked=bool(np.any(p["mg"] > 0)))
            self.entries.append(entry)
        self.has_conductance = any(e["kind"] != CURRENT for e in self.entries)

    def _state(self, pop, var: str) -> np.ndarray:
        array = pop.initial[var].astype(np.float64).copy()
        self.variables[var] = array
        return array

    def receive(self, arrivals: np.ndarray) -> np.ndarray | None:
        """Apply this step's arrivals ``(receptors, size)``; returns the voltage jump of
        instantaneous current receptors (None if there are none)."""
        jump = None
        for entry, a in zip(self.entries, arrivals):
            kind = entry["kind"]
            if kind == CURRENT:
                if entry["any_instant"]:
                    instant = np.where(entry["instant"], a, 0.0)
                    jump = instant if jump is None else jump + instant
                    entry["I"] += np.where(entry["instant"], 0.0, a)
                else:
                    entry["I"] += a
            elif kind == COND_EXP:
                entry["g"] += a
            else:
                entry["h"] += a * entry["norm"]
        return jump

    def mean_conductance(self, v) -> tuple[np.ndarray, np.ndarray]:
        """(sum of the conductances' means over the step, sum of mean x E_rev); a blocked
        receptor's mean is scaled by its magnesium block at ``v`` (mV, the step's start)."""
        total = drive = 0.0
        for entry in self.entries:
            kind = entry["kind"]
            if kind == COND_EXP:
                mean = entry["g"] * entry["mean"]
            elif kind == COND_DUAL:
                mean = entry["g"] * entry["mean_g"] + entry["h"] * entry["mean_h"]
            else:
                continue
            if entry["blocked"]:
                mean = mean * mg_block(v, entry["mg"])
            total = total + mean
            drive = drive + mean * entry["E"]
        return total, drive

    def at(self, t) -> tuple:
        """(summed current, summed conductance, summed conductance x E_rev, blocked) at ``t``
        ms into the step (scalar or per neuron), from the states at its start: the exact
        kinetics. The conductance terms are None without unblocked conductance receptors;
        ``blocked`` lists ``(g, E_rev, mg)`` of the magnesium-blocked ones (whose block depends
        on the voltage where the caller evaluates it)."""
        current = 0.0
        total = reversal = None
        blocked = []
        for entry in self.entries:
            kind = entry["kind"]
            if kind == CURRENT:
                current = current + entry["I"] * np.exp(-t / np.where(entry["instant"], 1.0, entry["tau"]))
                continue
            if kind == COND_EXP:
                g = entry["g"] * np.exp(-t / entry["tau"])
            else:
                decay = np.exp(-t / entry["tau_decay"])
                g = entry["g"] * decay + entry["h"] * (decay - np.exp(-t / entry["tau_rise"])) / entry["rate"]
            if entry["blocked"]:
                blocked.append((g, entry["E"], entry["mg"]))
                continue
            total = g if total is None else total + g
            reversal = g * entry["E"] if reversal is None else reversal + g * entry["E"]
        return current, total, reversal, blocked

    def currents(self):
        """(I, tau) of every current receptor with a time constant (instantaneous ones are 0)."""
        return [(e["I"], e["tau"]) for e in self.entries if e["kind"] == CURRENT]

    def advance(self) -> None:
        """Let every receptor state decay over the step."""
        for entry in self.entries:
            kind = entry["kind"]
            if kind == CURRENT:
                entry["I"] *= entry["p11"]
            elif kind == COND_EXP:
                entry["g"] *= entry["decay"]
            else:
                entry["g"][:] = entry["g"] * entry["pd"] + entry["h"] * entry["k"]
                entry["h"] *= entry["pr"]


def membrane_propagators(tau_mem, lam, tau_syn, dt):
    """``P22'`` and ``P21'`` of one step of ``tau dv/dt = -lam v + ... + I e^{-t/tau_syn}``
    (module docstring), with the analytic limit where ``lam tau_syn = tau_mem``."""
    p22 = np.exp(-dt * lam / tau_mem)
    instant = tau_syn == 0
    safe = np.where(instant, 1.0, tau_syn)
    p11 = np.exp(-dt / safe)
    denominator = lam - tau_mem / safe
    close = np.abs(denominator) < 1e-9 * lam
    with np.errstate(divide="ignore", invalid="ignore"):
        general = (p11 - p22) / np.where(close, 1.0, denominator)
    p21 = np.where(close, dt / tau_mem * p22, general)
    return p22, np.where(instant, 0.0, p21)


class LifReceptorUpdater(LifUpdater):
    """A LIF (``spiking``) or LI population with ``receptors=``: the module docstring's step,
    then the LIF's refractoriness, threshold and reset (:class:`~.lif.LifUpdater`)."""

    def __init__(self, pop, dt: float, spiking: bool = True):
        initial = dict(pop.initial, I_syn=np.zeros(pop.size))
        super().__init__(pop.params, initial, dt, spiking=spiking)
        self.dt = dt
        self.tau_mem = pop.params["tau_mem"]
        self.receptors = ReceptorState(pop, dt)
        # Without conductances the membrane propagators are constants.
        self.fixed = None if self.receptors.has_conductance else [
            membrane_propagators(self.tau_mem, 1.0, tau, dt) for _, tau in self.receptors.currents()]

    def track_extremes(self, extremes: dict) -> set:
        """None: the simulator reads this population's state every step (its update is numpy's)."""
        return set()

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step; returns the indices of the neurons that spiked (empty for LI)."""
        self._integrate(arrivals, external)
        if not self.spiking:
            return np.zeros(0, dtype=np.int64)
        return self._fire(self.v)

    def _fire(self, v: np.ndarray) -> np.ndarray:
        """Clamp refractory neurons, find the spikes (``v >= v_th``) and reset them, in place."""
        refractory = self.refractory_left > 0
        if refractory.any():
            np.copyto(v, self.v_reset, where=refractory)
            self.refractory_left -= refractory
        fired = np.flatnonzero(v >= self.v_th)
        if fired.size:
            v[fired] = np.where(self.subtract[fired], v[fired] - self.reset_step[fired], self.v_reset[fired])
            self.refractory_left[fired] = self.refractory_steps[fired]
        return fired

    def _integrate(self, arrivals: np.ndarray, external: np.ndarray | None) -> None:
        recs = self.receptors
        jump = recs.receive(arrivals)
        v = self.v if jump is None else self.v + jump
        drive = self.v_inf_base if external is None else self.v_inf_base + external
        if self.fixed is not None:
            v_new = drive + (v - drive) * self.p22
            for (current, _), (_, p21) in zip(recs.currents(), self.fixed):
                v_new += current * p21
        else:
            total, reversal = recs.mean_conductance(v)
            lam = 1.0 + total
            v_inf = (drive + reversal) / lam
            p22 = np.exp(-self.dt * lam / self.tau_mem)
            v_new = v_inf + (v - v_inf) * p22
            for current, tau in recs.currents():
                v_new += current * membrane_propagators(self.tau_mem, lam, tau, self.dt)[1]
        recs.advance()
        self.v = v_new

    def read(self, variable: str) -> np.ndarray:
        if variable in self.receptors.variables:
            return self.receptors.variables[variable]
        return getattr(self, variable)
