"""Hodgkin-Huxley neuron (Hodgkin & Huxley 1952): the squid giant axon's sodium, potassium
and leak currents, with the gating kinetics of the original paper."""
from __future__ import annotations

import numpy as np

from ..errors import invalid
from .base import NeuronModel, Param
from .parameters import short_value

#: Gates of the model, in the order the state lists them.
HH_GATES = ("m", "h", "n")


# --------------------------------------------------------------------------------------------
# Gating kinetics (per ms, V in mV; the modern sign convention with rest near -65 mV)


def gate_rates(gate: str, v):
    """Opening and closing rates ``(alpha, beta)`` of ``gate`` (``"m"``, ``"h"`` or ``"n"``) at
    membrane potential ``v`` (mV, scalar or array), in 1/ms.

    The original paper's fits, shifted to a resting potential of -65 mV::

        alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10))     beta_m = 4 exp(-(V + 65)/18)
        alpha_h = 0.07 exp(-(V + 65)/20)                     beta_h = 1 / (1 + exp(-(V + 35)/10))
        alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55)/10))    beta_n = 0.125 exp(-(V + 65)/80)

    ``alpha_m`` and ``alpha_n`` are 0/0 at -40 and -55 mV; they are evaluated as
    ``1/exprel(-u)`` (``exprel(z) = (e**z - 1)/z``), which is exact there and everywhere else.
    """
    from scipy.special import exprel

    v = np.asarray(v, dtype=np.float64)
    if gate == "m":
        return 1.0 / exprel(-(v + 40.0) / 10.0), 4.0 * np.exp(-(v + 65.0) / 18.0)
    if gate == "h":
        return 0.07 * np.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    if gate == "n":
        return 0.1 / exprel(-(v + 55.0) / 10.0), 0.125 * np.exp(-(v + 65.0) / 80.0)
    raise ValueError(f"unknown Hodgkin-Huxley gate {gate!r}; gates: {', '.join(HH_GATES)}")


def gate_steady_state(gate: str, v):
    """``x_inf(V) = alpha / (alpha + beta)`` (dimensionless) and ``tau_x(V) = 1 / (alpha + beta)``
    (ms) of ``gate`` at ``v`` (mV)."""
    alpha, beta = gate_rates(gate, v)
    total = alpha + beta
    return alpha / total, 1.0 / total


def membrane_current(v, m, h, n, params) -> np.ndarray:
    """The ionic current leaving the membrane, uA/cm2 (positive outward)::

        g_Na m^3 h (V - E_Na) + g_K n^4 (V - E_K) + g_L (V - E_L)
    """
    return (params["g_Na"] * m ** 3 * h * (v - params["E_Na"]) + params["g_K"] * n ** 4 * (v - params["E_K"])
            + params["g_L"] * (v - params["E_L"]))


def resting_potential(params, current=0.0, resolution: float = 0.05) -> np.ndarray:
    """The lowest membrane potential (mV) at which the gates' steady states and ``current``
    (uA/cm2, inward positive) balance the ionic currents: the resting state.

    ``params``: the model's parameters (scalars or per-neuron arrays). At ``min(E_Na, E_K,
    E_L)`` every ionic current is inward and at the maximum every one is outward, so with no
    current a root lies between; it is bracketed on a grid of ``resolution`` mV and refined by
    bisection to 1e-12 mV. Shared parameter sets are solved once.
    """
    names = ("g_Na", "g_K", "g_L", "E_Na", "E_K", "E_L")
    columns = np.broadcast_arrays(*(np.asarray(params[k], dtype=np.float64) for k in names),
                                  np.asarray(current, dtype=np.float64))
    shape = columns[0].shape
    rows = np.column_stack([c.reshape(-1) for c in columns])
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    rest = np.array([_lowest_balance(dict(zip(names, row[:-1])), row[-1], resolution) for row in unique])
    out = rest[np.asarray(inverse).reshape(-1)].reshape(shape)
    return float(out) if out.ndim == 0 else out



def _lowest_balance(p: dict, current: float, resolution: float) -> float:
    def net_outward(v):
        m, h, n = (gate_steady_state(g, v)[0] for g in HH_GATES)
        return membrane_current(v, m, h, n, p) - current

    reversals = (p["E_Na"], p["E_K"], p["E_L"])
    span = abs(current) / p["g_L"]  # a current moves the balance at most I/g_L beyond the reversals
    low, high = min(reversals) - span - 1.0, max(reversals) + span + 1.0
    grid = np.arange(low, high + resolution, resolution)
    values = net_outward(grid)
    up = np.flatnonzero((values[:-1] <= 0) & (values[1:] > 0))
    a, b = grid[up[0]], grid[up[0] + 1]
    for _ in range(200):
        mid = 0.5 * (a + b)
        if net_outward(mid) <= 0:
            a = mid
        else:
            b = mid
        if b - a < 1e-12:
            break
    return float(0.5 * (a + b))


# --------------------------------------------------------------------------------------------
# The model


class HH(NeuronModel):
    r"""Hodgkin-Huxley neuron (1952 squid giant axon) with an exponential synaptic current.

    Units are per membrane area, as in NEST's ``hh_psc_alpha`` and Brian2's examples: uF/cm2,
    mS/cm2, uA/cm2, mV and ms. Voltages use the modern convention (inside minus outside,
    rest near -65 mV)::

        C_m dV/dt         = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I_syn + I_e
        dx/dt             = alpha_x(V) (1 - x) - beta_x(V) x                  for x in m, h, n
        tau_syn dI_syn/dt = -I_syn                 I_syn += w (uA/cm2) on each presynaptic spike

    The rates ``alpha_x``, ``beta_x`` (1/ms) are the paper's fits at 6.3 degC (no temperature
    factor), written out in :func:`gate_rates`. Weights and injected currents are current
    densities in uA/cm2, positive inward (depolarising). With ``tau_syn = 0`` the synapse is
    instantaneous: ``V`` jumps by ``w * 1 ms / C_m`` (a pulse of charge ``w * 1 ms``, in nC/cm2),
    the same convention as AdEx's ``V += w / C``.

    Spikes are detected, not imposed: the neuron spikes in the step in which ``V`` crosses
    ``V_spike`` upwards (from below ``V_spike`` to ``>= V_spike``). There is no reset and no
    refractory period; an action potential crosses the threshold once on its way up, and
    the next crossing needs ``V`` to fall below ``V_spike`` first (Brian2's ``threshold`` with
    the same condition as ``refractory``). A neuron spikes at most once per step.

    Parameters (scalars, or 1-D arrays with one value per neuron); defaults are the classic
    squid-axon values:
        C_m: membrane capacitance, uF/cm2, > 0, default 1.
        g_Na: maximal sodium conductance, mS/cm2, >= 0, default 120.
        g_K: maximal potassium conductance, mS/cm2, >= 0, default 36.
        g_L: leak conductance, mS/cm2, > 0, default 0.3.
        E_Na: sodium reversal potential, mV, default 50; > E_K.
        E_K: potassium reversal potential, mV, default -77.
        E_L: leak reversal potential, mV, default -54.387 (which puts rest at -65.0 mV).
        V_spike: spike detection threshold, mV, default -40; above the resting potential and
            below E_Na. Not 0 mV: above about 65 uA/cm2 the squid axon's spikes peak below 0 mV
            (near -20 mV at 100 uA/cm2, between troughs near -60 mV), and -40 mV lies inside
            that swing while staying well above rest.
        tau_syn: synaptic current time constant, ms, >= 0 (0 = instantaneous); required.
        I_e: constant injected current, uA/cm2, default 0.

    The state is ``v`` (mV), the gates ``m``, ``h``, ``n`` (dimensionless, 0..1) and ``I_syn``
    (uA/cm2). By default a neuron starts at rest: ``V`` at the resting potential with no
    injected current and each gate at its steady state there (:func:`resting_potential`).

    On the chip (docs/chip.md section 5.9) the gates relax from tables over V (the target's
    ``[hh]`` section) and V takes forward-Euler steps: the compiler needs ``dt (g_Na + g_K +
    g_L) / C_m <= 4`` (dt <= 0.025 ms for the squid axon) and refuses a float run whose
    voltages leave the tables' range. The float reference runs at any dt.
    """

    parameters = {
        "C_m": Param("uF/cm2", "positive", default=1.0, doc="membrane capacitance"),
        "g_Na": Param("mS/cm2", "nonnegative", default=120.0, doc="maximal sodium conductance"),
        "g_K": Param("mS/cm2", "nonnegative", default=36.0, doc="maximal potassium conductance"),
        "g_L": Param("mS/cm2", "positive", default=0.3, doc="leak conductance"),
        "E_Na": Param("mV", default=50.0, doc="sodium reversal potential"),
        "E_K": Param("mV", default=-77.0, doc="potassium reversal potential"),
        "E_L": Param("mV", default=-54.387, doc="leak reversal potential"),
        "V_spike": Param("mV", default=-40.0, doc="spike detection threshold (upward crossing)"),
        "tau_syn": Param("ms", "nonnegative", doc="synaptic current time constant (0 = instantaneous)"),
        "I_e": Param("uA/cm2", default=0.0, doc="constant injected current"),
    }
    state_variables = {"v": "mV", "m": "1", "h": "1", "n": "1", "I_syn": "uA/cm2"}
    current_unit = "uA/cm2"
    spiking = True

    def _check_relations(self) -> None:
        self._require_less("E_K", "E_Na")
        self._require_less("V_spike", "E_Na")
        try:
            rest, v_spike = np.broadcast_arrays(resting_potential(self._params), self._params["V_spike"])
        except ValueError:  # arrays of different lengths: the population reports that
            return
        below = v_spike <= rest
        if np.any(below):
            shown = short_value(float(np.max(rest[below])))
            raise invalid(type(self).__name__, "V_spike", self._params["V_spike"],
                          f"mV must be above the resting potential ({shown} mV without input): a "
                          "threshold at or below rest would count subthreshold fluctuations as spikes")

    def default_state(self) -> dict[str, object]:
        """Initial state when the population gives none: the resting state without input."""
        v = resting_potential(self._params)
        state = {"v": v}
        for gate in HH_GATES:
            x = gate_steady_state(gate, v)[0]
            state[gate] = float(x) if np.ndim(x) == 0 else x
        state["I_syn"] = 0.0
        return state
