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

from ..jit import njit
from ..models.receptors import conductance_params, dual_exp_norm, mg_block
from .lif import LifUpdater, threshold_and_reset, widened

CURRENT, COND_EXP, COND_DUAL = "current", "cond_exp", "cond_dual"


def receptor_kind(receptor) -> str:
    """``"current"``, ``"cond_exp"`` or ``"cond_dual"``."""
    name = type(receptor).__name__
    # NMDA: its postsynaptic conductance is an exponential one fed by the presynaptic gates
    return {"CurrentExp": CURRENT, "CondExp": COND_EXP, "CondDualExp": COND_DUAL, "NMDA": COND_EXP}[name]


class ReceptorState:
    """The receptor states of one population, with their exact one-step kinetics.

    ``variables`` maps each probe-able state variable (``I_exc``, ``g_ampa``, ``h_ampa``) to
    its array; the arrays are updated in place. They are the rows of one array ``state``
    ``(variables, size)``, in the receptors' order (a dual exponential's ``g`` then ``h``), which
    the compiled step (:func:`_receptor_input`, :func:`_receptor_output`) takes whole.
    """

    def __init__(self, pop, dt: float):
        self.dt = dt
        self.entries = []
        self.variables: dict[str, np.ndarray] = {}
        names = []
        for name, receptor in pop.model.receptors.items():
            kind = receptor_kind(receptor)
            names += [f"I_{name}"] if kind == CURRENT else [f"g_{name}"] + ([f"h_{name}"] if kind == COND_DUAL else [])
        self.state = np.zeros((len(names), pop.size))
        for row, var in zip(self.state, names):
            row[:] = pop.initial[var]
            self.variables[var] = row
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
        return self.variables[var]

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


KIND_CODE = {CURRENT: 0, COND_EXP: 1, COND_DUAL: 2}
#: Rows of the compiled step's parameter array ``(receptors, 8, size)``, per receptor kind.
#: current: decay P11, P21 of the leak alone, instantaneous (1.0 or 0.0), tau_mem / tau;
#: exponential conductance: decay, mean factor, E_rev; dual exponential: decay Pd, mean factor
#: of g, E_rev, rise Pr, K, norm, mean factor of h.
DECAY, P21_LEAK, INSTANT, TAU_RATIO = 0, 1, 2, 3
MEAN, REVERSAL = 1, 2
RISE, K, NORM, MEAN_H = 4, 5, 6, 7


@njit(nogil=True, error_model="numpy")
def _receptor_input(v, state, arrivals, external, has_external, v_inf_base, kind, row, any_instant, params,
                    conductance, dt, tau_mem, v_start, lam, v_inf, exponent):
    """Steps 1-2 of the module docstring for every neuron: the arrivals' jumps into ``state``
    (in place), the voltage after instantaneous jumps (``v_start``), ``1 + G`` (``lam``), the
    target ``v_inf`` and ``-dt (1 + G) / tau_mem`` (``exponent``, whose ``exp`` numpy takes:
    numpy's vectorised ``exp`` can differ from the C library's, which numba calls, in the last
    bit). Without conductances (``conductance`` False) ``v_inf`` is the drive alone.

    Per neuron, the float64 operations of :meth:`ReceptorState.receive`,
    :meth:`ReceptorState.mean_conductance` and :meth:`LifReceptorUpdater._integrate` in their
    order. The loops run over the neurons of one receptor at a time, as numpy did, which the
    compiler vectorises (a loop over receptors inside a loop over neurons ran 3 times slower
    on COBA's 3200 neurons); ``v_start`` holds the summed jumps, ``lam`` and ``v_inf`` the sums
    of the means and of mean x E_rev, until the last loop."""
    n = v.size
    jumped = False
    for r in range(kind.size):
        a = arrivals[r]
        if kind[r] == 0 and any_instant[r]:
            current, instant = state[row[r]], params[r, INSTANT]
            for k in range(n):
                jump = a[k] if instant[k] != 0.0 else 0.0
                v_start[k] = v_start[k] + jump if jumped else jump
                current[k] += 0.0 if instant[k] != 0.0 else a[k]
            jumped = True
        elif kind[r] == 2:  # the arrivals open the rise variable h
            rise, norm = state[row[r] + 1], params[r, NORM]
            for k in range(n):
                rise[k] += a[k] * norm[k]
        else:
            target = state[row[r]]
            for k in range(n):
                target[k] += a[k]
    for k in range(n):
        v_start[k] = v[k] + v_start[k] if jumped else v[k]
    if not conductance:
        for k in range(n):
            v_inf[k] = v_inf_base[k] + external[k] if has_external else v_inf_base[k]
        return
    for k in range(n):
        lam[k] = 0.0
        v_inf[k] = 0.0
    for r in range(kind.size):
        if kind[r] == 0:
            continue
        g, factor, reversal = state[row[r]], params[r, MEAN], params[r, REVERSAL]
        if kind[r] == 1:
            for k in range(n):
                mean = g[k] * factor[k]
                lam[k] = lam[k] + mean
                v_inf[k] = v_inf[k] + mean * reversal[k]
        else:
            h, factor_h = state[row[r] + 1], params[r, MEAN_H]
            for k in range(n):
                mean = g[k] * factor[k] + h[k] * factor_h[k]
                lam[k] = lam[k] + mean
                v_inf[k] = v_inf[k] + mean * reversal[k]
    for k in range(n):
        drive = v_inf_base[k] + external[k] if has_external else v_inf_base[k]
        g = 1.0 + lam[k]
        lam[k] = g
        v_inf[k] = (drive + v_inf[k]) / g
        exponent[k] = -dt * g / tau_mem[k]


@njit(nogil=True, error_model="numpy")
def _receptor_output(v, state, v_start, lam, v_inf, p22, kind, row, params, conductance, dt, tau_mem, spiking,
                     v_th, v_reset, subtract, reset_step, refractory_steps, refractory_left, fired,
                     low_v, high_v, low_state, high_state):
    """Steps 3-4 of the module docstring and the LIF's refractoriness, threshold and reset for
    every neuron, in place, with the running extremes of ``v`` and of every ``state`` row after
    the step; ``p22`` is ``exp(exponent)`` of :func:`_receptor_input` (or the leak's alone
    without conductances). Returns the number of spikes written to ``fired`` (ascending).

    Per neuron, the float64 operations of :meth:`LifReceptorUpdater._integrate`,
    :func:`membrane_propagators`, :meth:`ReceptorState.advance` and
    :meth:`LifReceptorUpdater._fire` in their order; the loops run over the neurons of one
    receptor at a time (see :func:`_receptor_input`)."""
    n = v.size
    for k in range(n):
        v[k] = v_inf[k] + (v_start[k] - v_inf[k]) * p22[k]
    for r in range(kind.size):  # the current receptors' P21' I (before their decay)
        if kind[r] != 0:
            continue
        current = state[row[r]]
        if not conductance:
            p21 = params[r, P21_LEAK]
            for k in range(n):
                v[k] += current[k] * p21[k]
            continue
        instant, ratio, p11 = params[r, INSTANT], params[r, TAU_RATIO], params[r, DECAY]
        for k in range(n):  # membrane_propagators at this step's 1 + G
            if instant[k] != 0.0:
                factor = 0.0
            else:
                g = lam[k]
                denominator = g - ratio[k]
                if abs(denominator) < 1e-9 * g:
                    factor = dt / tau_mem[k] * p22[k]
                else:
                    factor = (p11[k] - p22[k]) / denominator
            v[k] += current[k] * factor
    for r in range(kind.size):
        g, decay = state[row[r]], params[r, DECAY]
        if kind[r] == 2:
            h, k_factor, rise = state[row[r] + 1], params[r, K], params[r, RISE]
            for k in range(n):
                g[k] = g[k] * decay[k] + h[k] * k_factor[k]
                h[k] *= rise[k]
        else:
            for k in range(n):
                g[k] *= decay[k]
    n_fired = 0
    for k in range(n):
        x = v[k]
        if spiking:
            x, spiked, refractory_left[k] = threshold_and_reset(x, refractory_left[k], v_th[k], v_reset[k], subtract[k],
                                                                reset_step[k], refractory_steps[k])
            if spiked:
                fired[n_fired] = k
                n_fired += 1
            v[k] = x
        low_v[k], high_v[k] = widened(low_v[k], high_v[k], x)
    for i in range(state.shape[0]):
        values, low, high = state[i], low_state[i], high_state[i]
        for k in range(n):
            low[k], high[k] = widened(low[k], high[k], values[k])
    return n_fired


class LifReceptorUpdater(LifUpdater):
    """A LIF (``spiking``) or LI population with ``receptors=``: the module docstring's step,
    then the LIF's refractoriness, threshold and reset (:class:`~.lif.LifUpdater`).

    Without magnesium-blocked receptors a step is two compiled passes over the neurons
    (:func:`_receptor_input`, :func:`_receptor_output`) around numpy's ``exp`` of ``-dt (1 + G)
    / tau_mem``: on small populations the per-call overhead of a dozen numpy calls a step cost
    far more than the arithmetic (the one neuron of ``examples/stdp_song2000.py``), and on large
    ones the fused loops save passes over memory (COBA). They perform the float64 operations of
    the numpy methods below (:meth:`_integrate`, :meth:`_fire`) in the same order, so the two
    give identical bits; a population with a blocked receptor runs those methods (its block's
    ``exp`` of ``v`` would need numpy in the middle of the pass).
    """

    def __init__(self, pop, dt: float, spiking: bool = True, compiled: bool = True):
        """``compiled=False`` runs the numpy methods even where the compiled step applies (tests)."""
        initial = dict(pop.initial, I_syn=np.zeros(pop.size))
        super().__init__(pop.params, initial, dt, spiking=spiking)
        self.dt = dt
        self.tau_mem = pop.params["tau_mem"]
        self.receptors = ReceptorState(pop, dt)
        # Without conductances the membrane propagators are constants.
        self.fixed = None if self.receptors.has_conductance else [
            membrane_propagators(self.tau_mem, 1.0, tau, dt) for _, tau in self.receptors.currents()]
        self.compiled = compiled and not any(e.get("blocked", False) for e in self.receptors.entries)
        if self.compiled:
            self._compile_tables(pop.size)

    def _compile_tables(self, size: int) -> None:
        """The compiled step's per-receptor tables (:data:`KIND_CODE`, rows of :data:`DECAY` ...)
        and its per-step buffers."""
        entries = self.receptors.entries
        self.kind = np.array([KIND_CODE[e["kind"]] for e in entries], dtype=np.int64)
        self.any_instant = np.array([e.get("any_instant", False) for e in entries], dtype=np.bool_)
        self.params = np.zeros((len(entries), 8, size))
        rows, row = [], 0
        tau_mem = np.broadcast_to(np.asarray(self.tau_mem, dtype=np.float64), (size,))
        currents = iter(self.fixed or [])
        for r, e in enumerate(entries):
            rows.append(row)
            table = self.params[r]
            if e["kind"] == CURRENT:
                row += 1
                safe = np.where(e["instant"], 1.0, e["tau"])
                table[DECAY] = e["p11"]
                table[P21_LEAK] = next(currents)[1] if self.fixed is not None else 0.0
                table[INSTANT] = e["instant"]
                table[TAU_RATIO] = self.tau_mem / safe  # as membrane_propagators divides
            elif e["kind"] == COND_EXP:
                row += 1
                table[DECAY], table[MEAN], table[REVERSAL] = e["decay"], e["mean"], e["E"]
            else:
                row += 2
                table[DECAY], table[MEAN], table[REVERSAL] = e["pd"], e["mean_g"], e["E"]
                table[RISE], table[K], table[NORM], table[MEAN_H] = e["pr"], e["k"], e["norm"], e["mean_h"]
        self.rows = np.array(rows, dtype=np.int64)
        self.tau_mem_full = np.ascontiguousarray(tau_mem)
        self._v_start, self._lam, self._v_inf, self._exponent, self._p22 = (np.zeros(size) for _ in range(5))
        n = self.receptors.state.shape[0]
        self._state_extremes = [np.full((n, size), np.inf), np.full((n, size), -np.inf)]

    def track_extremes(self, extremes: dict) -> set:
        """With the compiled step: keep the running minimum and maximum of ``v`` and of every
        receptor variable after each step; each pair ``extremes[variable] = [low, high]`` gets
        the step's own arrays (a receptor variable's are rows of one array), updated in place
        by :meth:`step`. Returns the variables kept (none with the numpy step: the caller reads
        the state every step)."""
        if not self.compiled:
            return set()
        tracked = set()
        if "v" in extremes:
            self._extremes[0], self._extremes[1] = extremes["v"]
            tracked.add("v")
        for i, var in enumerate(self.receptors.variables):
            if var in extremes:
                pair = extremes[var]
                for side in (0, 1):
                    self._state_extremes[side][i] = pair[side]
                    pair[side] = self._state_extremes[side][i]
                tracked.add(var)
        return tracked

    def step(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        """Advance one step; returns the indices of the neurons that spiked (empty for LI)."""
        if self.compiled:
            return self._step_compiled(arrivals, external)
        self._integrate(arrivals, external)
        if not self.spiking:
            return np.zeros(0, dtype=np.int64)
        return self._fire(self.v)

    def _step_compiled(self, arrivals: np.ndarray, external: np.ndarray | None) -> np.ndarray:
        has_external = external is not None
        if has_external:
            external = np.ascontiguousarray(np.broadcast_to(np.asarray(external, dtype=np.float64), self.v.shape))
        conductance = self.receptors.has_conductance
        state = self.receptors.state
        _receptor_input(self.v, state, arrivals, external if has_external else self._no_external, has_external,
                        self.v_inf_base, self.kind, self.rows, self.any_instant, self.params, conductance, self.dt,
                        self.tau_mem_full, self._v_start, self._lam, self._v_inf, self._exponent)
        if conductance:
            np.exp(self._exponent, out=self._p22)  # numpy's exp, as the numpy step (see _receptor_input)
        low_v, high_v = self._extremes[0], self._extremes[1]
        n_fired = _receptor_output(self.v, state, self._v_start, self._lam, self._v_inf,
                                   self._p22 if conductance else self.p22, self.kind, self.rows, self.params,
                                   conductance, self.dt, self.tau_mem_full, self.spiking, self.v_th, self.v_reset,
                                   self.subtract, self.reset_step, self.refractory_steps, self.refractory_left,
                                   self._fired, low_v, high_v, *self._state_extremes)
        return self._fired[:n_fired].copy()

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
