"""Receptors: the kinds of synaptic input a neuron can have, each with its own kinetics.

A neuron model given ``receptors={name: receptor, ...}`` (``nc.LIF``, ``nc.LI``, ``nc.AdEx``)
has one synaptic input per receptor; a projection chooses one with ``net.connect(...,
receptor=name)``. Kinds:

* :class:`CurrentExp`: a current that jumps by the weight and decays with ``tau``
  (``tau = 0``: the voltage jumps instead). Weights in the model's current unit (mV for LIF/LI,
  pA for AdEx). Two of them with different ``tau`` are the CUBA benchmark's excitation and
  inhibition.
* :class:`CondExp`: a conductance that jumps by the weight and decays with ``tau``; it drives
  the current ``g (E_rev - v)``. Weights in the model's conductance unit: nS for AdEx, and
  for LIF/LI (whose currents are in mV, i.e. times the membrane resistance) multiples of the
  leak conductance, so ``g = 1`` doubles the leak (Brian2's and BrainPy's COBA convention).
* :class:`CondDualExp`: a conductance with a rise and a decay time (difference of two
  exponentials), normalised so that one spike of weight ``w`` peaks at ``w``.
* :class:`NMDA`: Wang's (2002) NMDA receptor: saturating gating per presynaptic neuron and a
  magnesium block.

A conductance receptor given ``mg`` (mM, > 0) is blocked by magnesium as NMDA receptors are
(Jahr & Stevens 1990): its current is ``g B(v) (E_rev - v)`` with
``B(v) = 1 / (1 + mg exp(-0.062 v) / 3.57)`` (v in mV).

Parameters are scalars or 1-D arrays with one value per neuron, in ms and mV.
"""
from __future__ import annotations

import re
from typing import ClassVar

import numpy as np

from ..errors import NetworkError, invalid
from .parameters import Param, Parameterised

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Receptor(Parameterised):
    """Base class of receptor kinds. ``kind`` is ``"current"`` or ``"conductance"``."""

    kind: ClassVar[str] = ""

    def state_variables(self, name: str, current_unit: str, conductance_unit: str) -> dict[str, str]:
        """The state variables this receptor adds to a neuron, name -> unit."""
        raise NotImplementedError

    def weight_unit(self, current_unit: str, conductance_unit: str) -> str:
        """Unit of the weights of projections onto this receptor."""
        return current_unit if self.kind == "current" else conductance_unit


class CurrentExp(Receptor):
    r"""Exponentially decaying synaptic current::

        tau dI/dt = -I            I += w on each presynaptic spike (w in the model's current unit)

    ``tau = 0`` is an instantaneous synapse: the voltage jumps by the weight (LIF/LI; AdEx:
    by ``w / C``). State variable ``I_<name>``.

    Parameters:
        tau: decay time constant, ms, >= 0.
    """

    parameters = {"tau": Param("ms", "nonnegative", doc="decay time constant (0 = instantaneous)")}
    kind = "current"

    def state_variables(self, name, current_unit, conductance_unit):
        return {f"I_{name}": current_unit}


class CondExp(Receptor):
    r"""Exponentially decaying synaptic conductance::

        tau dg/dt = -g            g += w on each presynaptic spike
        I = g (E_rev - v)         (added to the neuron's input current; times B(v) with mg > 0)

    State variable ``g_<name>``, in the model's conductance unit.

    Parameters:
        tau: decay time constant, ms, > 0.
        E_rev: reversal potential, mV.
        shunting: False (default): ``E_rev`` must lie outside the neuron's reset..threshold
            interval (above it excites, below it inhibits); True allows a shunting receptor
            whose reversal lies inside.
        mg: extracellular magnesium, mM, >= 0 (default 0: no block); the current is scaled by
            ``B(v) = 1 / (1 + mg exp(-0.062 v) / 3.57)`` (module docstring).
    """

    parameters = {
        "tau": Param("ms", "positive", doc="decay time constant"),
        "E_rev": Param("mV", doc="reversal potential"),
        "shunting": Param("", "choice", default=False, choices=(False, True), doc="allow E_rev inside"),
        "mg": Param("mM", "nonnegative", default=0.0, doc="magnesium block (0 = none)"),
    }
    kind = "conductance"

    def state_variables(self, name, current_unit, conductance_unit):
        return {f"g_{name}": conductance_unit}


class CondDualExp(Receptor):
    r"""Synaptic conductance with a rise and a decay time (difference of exponentials)::

        dg/dt = -g / tau_decay + h
        dh/dt = -h / tau_rise     h += w * norm on each presynaptic spike
        I = g (E_rev - v)

    ``norm`` makes a single spike of weight ``w`` peak at ``g = w``:
    ``norm = 1 / max_t g_1(t)``, ``g_1(t) = (exp(-t/tau_decay) - exp(-t/tau_rise)) /
    (1/tau_rise - 1/tau_decay)``. State variables ``g_<name>`` (conductance unit) and
    ``h_<name>`` (conductance unit per ms).

    Parameters:
        tau_rise: rise time constant, ms, > 0, < tau_decay.
        tau_decay: decay time constant, ms, > 0.
        E_rev: reversal potential, mV.
        shunting: as for :class:`CondExp`.
        mg: magnesium block, as for :class:`CondExp` (e.g. ``mg=1.0`` with tau_rise 2 ms and
            tau_decay 100 ms for an NMDA receptor).
    """

    parameters = {
        "tau_rise": Param("ms", "positive", doc="rise time constant"),
        "tau_decay": Param("ms", "positive", doc="decay time constant"),
        "E_rev": Param("mV", doc="reversal potential"),
        "shunting": Param("", "choice", default=False, choices=(False, True), doc="allow E_rev inside"),
        "mg": Param("mM", "nonnegative", default=0.0, doc="magnesium block (0 = none)"),
    }
    kind = "conductance"

    def _check_relations(self) -> None:
        self._require_less("tau_rise", "tau_decay")

    def state_variables(self, name, current_unit, conductance_unit):
        return {f"g_{name}": conductance_unit, f"h_{name}": f"{conductance_unit}/ms"}


def dual_exp_norm(tau_rise, tau_decay) -> np.ndarray:
    """The jump of ``h`` per unit weight that makes a single spike peak at ``g = w``."""
    tau_rise, tau_decay = np.asarray(tau_rise, dtype=np.float64), np.asarray(tau_decay, dtype=np.float64)
    t_peak = tau_rise * tau_decay * np.log(tau_decay / tau_rise) / (tau_decay - tau_rise)
    peak = (np.exp(-t_peak / tau_decay) - np.exp(-t_peak / tau_rise)) / (1.0 / tau_rise - 1.0 / tau_decay)
    return 1.0 / peak


class NMDA(Receptor):
    r"""NMDA receptor with saturating presynaptic gating and a magnesium block (Wang 2002)::

        dx_j/dt = -x_j / tau_rise            x_j += 1 on each spike of presynaptic neuron j
        ds_j/dt = -s_j / tau_decay + alpha x_j (1 - s_j)
        g = sum_j w_j s_j                     (w: the projection's weights)
        I = g B(v) (E_rev - v),  B(v) = 1 / (1 + mg exp(-0.062 v) / 3.57)

    The gating ``s_j`` (0..1) belongs to the presynaptic neuron of each projection onto the
    receptor, so repeated spikes saturate it; ``g`` is a weighted sum of the gates. State
    variable ``g_<name>`` (conductance unit).

    Parameters (scalars):
        tau_rise: ms, > 0 (Wang: 2). tau_decay: ms, > tau_rise (Wang: 100).
        alpha: saturation rate, 1/ms, > 0 (Wang: 0.5).
        E_rev: reversal potential, mV (Wang: 0). mg: magnesium, mM, >= 0 (Wang: 1).
        shunting: as for :class:`CondExp`.
    """

    parameters = {
        "tau_rise": Param("ms", "positive", default=2.0, doc="rise time constant of x"),
        "tau_decay": Param("ms", "positive", default=100.0, doc="decay time constant of s"),
        "alpha": Param("1/ms", "positive", default=0.5, doc="saturation rate"),
        "E_rev": Param("mV", default=0.0, doc="reversal potential"),
        "mg": Param("mM", "nonnegative", default=1.0, doc="magnesium block (0 = none)"),
        "shunting": Param("", "choice", default=False, choices=(False, True), doc="allow E_rev inside"),
    }
    kind = "conductance"
    #: its gating is presynaptic: projections onto it carry a gate per presynaptic neuron
    gated = True

    def _check_relations(self) -> None:
        for name in ("tau_rise", "tau_decay", "alpha", "mg"):
            if np.ndim(self._params[name]) != 0:
                raise NetworkError(f"NMDA: {name} must be a scalar (the gating is presynaptic), "
                                   f"got an array of shape {np.shape(self._params[name])}")
        self._require_less("tau_rise", "tau_decay")

    def state_variables(self, name, current_unit, conductance_unit):
        return {f"g_{name}": conductance_unit}


def conductance_params(receptor, params: dict) -> dict:
    """A receptor's resolved parameters as its postsynaptic conductance sees them: an
    :class:`NMDA` receptor's ``g`` decays like a :class:`CondExp` with ``tau = tau_decay``."""
    if isinstance(receptor, NMDA):
        return dict(params, tau=params["tau_decay"])
    return params


#: Receptor kinds by class name (what ``receptors=`` accepts).
RECEPTORS = {"CurrentExp": CurrentExp, "CondExp": CondExp, "CondDualExp": CondDualExp, "NMDA": NMDA}


def check_receptors(owner: str, receptors) -> dict:
    """``receptors`` as an ordered dict name -> receptor, or a NetworkError naming the entry."""
    if not isinstance(receptors, dict) or not receptors:
        raise invalid(owner, "receptors", receptors,
                      "must be a non-empty dict name -> receptor, e.g. {'exc': nc.CurrentExp(tau=5.0)}")
    out = {}
    for name, receptor in receptors.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise invalid(owner, "receptor name", name, "must be an identifier (letters, digits, '_')")
        if not isinstance(receptor, Receptor):
            raise invalid(owner, f"receptors['{name}']", receptor,
                          f"must be a receptor: one of {', '.join('nc.' + k for k in RECEPTORS)}")
        out[name] = receptor
    return out


def resolve_receptor(receptor: Receptor, size: int, owner: str) -> dict:
    """The receptor's numeric parameters broadcast to ``size`` neurons (NetworkError if an
    array has the wrong length); choices as they are."""
    try:
        return receptor.resolve(size, owner)
    except NetworkError as exc:
        raise NetworkError(f"{exc} (receptor {type(receptor).__name__})") from None


#: Jahr & Stevens (1990) magnesium block: B(v) = 1 / (1 + mg exp(-MG_SLOPE v) / MG_SCALE).
MG_SLOPE, MG_SCALE = 0.062, 3.57


def mg_block(v, mg):
    """Fraction of an NMDA-like conductance not blocked by ``mg`` mM of magnesium at ``v`` mV."""
    return 1.0 / (1.0 + np.asarray(mg) * np.exp(-MG_SLOPE * np.asarray(v)) / MG_SCALE)
