"""The base class of neuron models, with their receptors (``receptors=``).

A model is a small immutable description of the dynamics of a population: a validated
parameter record (:mod:`.parameters`) with its state variables, units and synaptic inputs.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import NetworkError, invalid, unknown_names
from .parameters import Param, Parameterised, short_value
from .receptors import CurrentExp, check_receptors

__all__ = ["NeuronModel", "Param", "Parameterised"]


class NeuronModel(Parameterised):
    """Base class of neuron models (``LIF``, ``AdEx``, ``LI``) and spike sources.

    Subclasses declare ``parameters`` (name -> :class:`Param`), ``state_variables``
    (name -> unit), ``current_unit`` (unit of synaptic weights and injected currents) and
    ``spiking``. Parameters are read as attributes: ``lif.tau_mem``.

    Models with ``accepts_receptors`` take ``receptors={name: receptor}``
    (:mod:`neurocompile.models.receptors`) instead of their ``tau_syn``: one synaptic input per
    receptor, each with its own kinetics, chosen per projection with ``net.connect(...,
    receptor=name)``. Without it the model has the one current synapse ``"syn"`` of time
    constant ``tau_syn`` (state variable ``I_syn``). ``conductance_unit`` is the unit of a
    conductance receptor's weights and state.
    """

    state_variables: ClassVar[dict[str, str]] = {}
    current_unit: ClassVar[str] = ""
    conductance_unit: ClassVar[str] = ""
    spiking: ClassVar[bool] = True
    is_source: ClassVar[bool] = False
    accepts_receptors: ClassVar[bool] = False

    def __init__(self, receptors=None, **params):
        name = type(self).__name__
        if receptors is None and self.accepts_receptors and "tau_syn" not in params:
            raise NetworkError(f"{name}: missing required parameter 'tau_syn' (ms): give it (one current "
                               "synapse) or receptors={name: nc.CurrentExp(...), ...}")
        if receptors is not None:
            if not self.accepts_receptors:
                raise unknown_names(name, "parameter", ["receptors"], self.parameters)
            if "tau_syn" in params:
                raise invalid(name, "tau_syn", params["tau_syn"],
                              "cannot be given with receptors=...: each receptor has its own time constant")
            params = dict(params, tau_syn=0.0)  # the built-in synapse is unused
        super().__init__(**params)
        if receptors is not None:
            checked = check_receptors(name, receptors)
            object.__setattr__(self, "_receptors", checked)
            state = {k: v for k, v in type(self).state_variables.items() if k != "I_syn"}
            for rname, receptor in checked.items():
                state.update(receptor.state_variables(rname, self.current_unit, self.conductance_unit))
            object.__setattr__(self, "state_variables", state)
            self._check_receptors()

    @property
    def receptors(self) -> dict:
        """Receptor name -> receptor; the default is ``{"syn": CurrentExp(tau=tau_syn)}``, and
        ``{"syn": None}`` (the model's own input) for models without receptors."""
        given = self.__dict__.get("_receptors")
        if given is not None:
            return dict(given)
        if not self.accepts_receptors:
            return {"syn": None}
        return {"syn": CurrentExp(tau=self._params["tau_syn"])}

    @property
    def has_receptors(self) -> bool:
        """True when the model was given ``receptors=`` (not only the built-in synapse)."""
        return self.__dict__.get("_receptors") is not None

    def _check_receptors(self) -> None:
        """Receptor rules that need the model: a leak (conductances and currents act through
        it), and reversal potentials (see :meth:`_check_reversal`); subclasses add theirs."""
        tau_mem = self._params.get("tau_mem")
        if tau_mem is not None and np.any(np.isinf(np.asarray(tau_mem))):
            raise invalid(type(self).__name__, "tau_mem", tau_mem,
                          "must be finite with receptors=... (synaptic currents and conductances act "
                          "through the leak)")

    def _check_reversal(self, low_name: str, high_name: str) -> None:
        """A conductance receptor whose reversal potential lies between ``low_name`` (the
        reset) and ``high_name`` (the threshold) can neither make the neuron fire nor hold it
        below its reset: it only shunts. That is an error unless the receptor says
        ``shunting=True``."""
        low, high = np.asarray(self._params[low_name]), np.asarray(self._params[high_name])
        for rname, receptor in self.receptors.items():
            if receptor.kind != "conductance" or receptor.shunting:
                continue
            e_rev = np.asarray(receptor.E_rev)
            inside = (e_rev > low) & (e_rev < high)
            if np.any(inside):
                raise invalid(f"{type(self).__name__} receptor '{rname}' ({type(receptor).__name__})", "E_rev",
                              receptor.E_rev,
                              f"mV lies between {low_name} = {short_value(self._params[low_name])} and "
                              f"{high_name} = {short_value(self._params[high_name])} mV: it can neither excite "
                              "nor inhibit, only shunt (give shunting=True if that is meant)")

    def _receptor_defaults(self, state: dict) -> dict:
        """``state`` (the model's own defaults) with the receptors' state variables at 0."""
        if not self.has_receptors:
            return state
        out = {k: v for k, v in state.items() if k != "I_syn"}
        out.update({var: 0.0 for var in self.state_variables if var not in out})
        return out

    def replace(self, **changes) -> "NeuronModel":
        """A new model of the same type with some parameters (or ``receptors``) changed."""
        merged = self.params
        if self.has_receptors:
            merged.pop("tau_syn")
            merged["receptors"] = self.receptors
        merged.update(changes)
        return type(self)(**merged)

    def __repr__(self):
        inner = ", ".join(f"{k}={short_value(v)}" for k, v in self._params.items()
                          if not (k == "tau_syn" and self.has_receptors))
        if self.has_receptors:
            inner += ", receptors={" + ", ".join(f"{k!r}: {v!r}" for k, v in self.receptors.items()) + "}"
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return super().__eq__(other) and self.receptors == other.receptors

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))

    def _require_no_leak_rules(self) -> None:
        """Where ``tau_mem`` is inf (no leak, a perfect integrator) a current in mV has no
        effect (it acts through the leak), so synapses must be instantaneous and bias 0."""
        no_leak = np.isinf(np.asarray(self._params["tau_mem"]))
        if not no_leak.any():
            return
        for pname, rule in (("tau_syn", "must be 0 (instantaneous synapse)"), ("bias", "must be 0")):
            value = np.asarray(self._params[pname])
            try:
                offending = np.any((value != 0) & no_leak)
            except ValueError:  # arrays of different lengths: the population reports that
                offending = np.any(value != 0)
            if offending:
                raise invalid(type(self).__name__, pname, self._params[pname],
                              f"{rule} where tau_mem = inf (a perfect integrator has no leak "
                              "through which a current in mV could act)")
