"""Common machinery of neuron models: parameter tables, validation, per-neuron broadcasting.

A model is a small immutable description of the dynamics of a population. Its parameters are
scalars (shared by every neuron) or 1-D arrays (one value per neuron); the population that uses
the model checks array lengths. Validation happens once, at construction, and every error names
the model, the parameter, the value and the rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import NetworkError, invalid, unknown_names

REQUIRED = object()  # sentinel: a parameter without default


@dataclass(frozen=True)
class Param:
    """One parameter of a model.

    ``rule`` is one of: ``"positive"`` (> 0), ``"nonnegative"`` (>= 0), ``"finite"`` (any finite
    number), ``"positive_or_inf"`` (> 0, where ``inf`` is meaningful, e.g. a time constant of a
    leak that is absent) or ``"choice"`` (a string among ``choices``).
    """

    unit: str
    rule: str = "finite"
    default: Any = REQUIRED
    choices: tuple = ()
    doc: str = ""


_RULE_TEXT = {"positive": "must be > 0", "nonnegative": "must be >= 0", "finite": "must be finite"}


class Parameterised:
    """Immutable record of validated parameters (the machinery neuron models and receptors
    share). Subclasses declare ``parameters`` (name -> :class:`Param`); values are read as
    attributes (``lif.tau_mem``) and are scalars or 1-D arrays (one value per neuron)."""

    parameters: ClassVar[dict[str, Param]] = {}

    def __init__(self, **params):
        name = type(self).__name__
        unknown = set(params) - set(self.parameters)
        if unknown:
            raise unknown_names(name, "parameter", unknown, self.parameters)
        values: dict[str, Any] = {}
        for pname, spec in self.parameters.items():
            if pname in params:
                value = params[pname]
            elif spec.default is REQUIRED:
                raise NetworkError(
                    f"{name}: missing required parameter '{pname}' ({spec.unit}); "
                    f"required: {', '.join(p for p, s in self.parameters.items() if s.default is REQUIRED)}"
                )
            else:
                value = spec.default
            values[pname] = _check_param(name, pname, value, spec)
        object.__setattr__(self, "_params", values)
        self._check_relations()

    # -- parameter access ---------------------------------------------------------------
    def __getattr__(self, item):
        params = self.__dict__.get("_params")
        if params is not None and item in params:
            return params[item]
        raise AttributeError(f"{type(self).__name__} has no attribute '{item}'")

    def __setattr__(self, key, value):
        raise AttributeError(f"{type(self).__name__} is immutable; create a new model instead")

    @property
    def params(self) -> dict[str, Any]:
        """A copy of the parameter values (floats, 1-D arrays or strings)."""
        return dict(self._params)

    def replace(self, **changes) -> "NeuronModel":
        """A new model of the same type with some parameters changed."""
        merged = self.params
        merged.update(changes)
        return type(self)(**merged)

    def __repr__(self):
        inner = ", ".join(f"{k}={_short(v)}" for k, v in self._params.items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return all(
            np.array_equal(np.asarray(a), np.asarray(b))
            for a, b in zip(self._params.values(), other._params.values())
        )

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))

    # -- per-population resolution ------------------------------------------------------
    def resolve(self, size: int, owner: str) -> dict[str, Any]:
        """Numeric parameters broadcast to arrays of ``size`` floats; string choices as is.

        ``owner`` names the population in error messages when an array has the wrong length.
        """
        out: dict[str, Any] = {}
        for pname, value in self._params.items():
            if isinstance(value, str):
                out[pname] = value
                continue
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim == 1 and arr.shape[0] != size:
                raise invalid(
                    f"Population '{owner}' ({type(self).__name__})", pname, arr,
                    f"has {arr.shape[0]} values but the population has {size} neurons",
                )
            out[pname] = np.broadcast_to(arr, (size,)).copy()
        return out

    def _check_relations(self) -> None:
        """Cross-parameter rules (e.g. reset below threshold); subclasses override."""

    def _require_less(self, low: str, high: str) -> None:
        lo, hi = np.asarray(self._params[low]), np.asarray(self._params[high])
        if np.any(lo >= hi):
            raise NetworkError(
                f"{type(self).__name__}: {low} = {_short(self._params[low])} must be < "
                f"{high} = {_short(self._params[high])}"
            )


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
            from .receptors import check_receptors

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
        from .receptors import CurrentExp

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
                              f"mV lies between {low_name} = {_short(self._params[low_name])} and "
                              f"{high_name} = {_short(self._params[high_name])} mV: it can neither excite "
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
        inner = ", ".join(f"{k}={_short(v)}" for k, v in self._params.items()
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


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array[{value.shape[0]}]"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def _check_param(model: str, pname: str, value, spec: Param):
    if spec.rule == "choice":
        if value not in spec.choices:
            raise invalid(model, pname, value, f"must be one of {', '.join(map(repr, spec.choices))}")
        return value
    if isinstance(value, (str, bytes)) or value is None:
        raise invalid(model, pname, value, f"must be a number in {spec.unit}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid(model, pname, value, f"must be a number in {spec.unit}") from None
    if arr.ndim > 1:
        raise invalid(model, pname, arr, "must be a scalar or a 1-D array with one value per neuron")
    if spec.rule == "positive_or_inf":
        if np.any(np.isnan(arr)) or np.any(arr <= 0):
            raise invalid(model, pname, value, f"must be > 0 {spec.unit} (inf allowed)")
    elif not np.all(np.isfinite(arr)):
        raise invalid(model, pname, value, f"must be finite ({spec.unit})")
    if spec.rule == "positive" and np.any(arr <= 0):
        raise invalid(model, pname, value, f"must be > 0 {spec.unit}")
    if spec.rule == "nonnegative" and np.any(arr < 0):
        raise invalid(model, pname, value, f"must be >= 0 {spec.unit}")
    if arr.ndim == 0:
        return float(arr)
    arr = arr.copy()
    arr.setflags(write=False)
    return arr
