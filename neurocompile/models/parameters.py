"""Validated, immutable parameter records: the machinery neuron models, receptors and
plasticity rules share (parameter tables, validation, per-neuron broadcasting).

Parameters are scalars or 1-D arrays (one value per neuron); the population that uses a
record checks array lengths. Validation happens once, at construction, and every error names
the record, the parameter, the value and the rule.
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

    def replace(self, **changes) -> "Parameterised":
        """A new model of the same type with some parameters changed."""
        merged = self.params
        merged.update(changes)
        return type(self)(**merged)

    def __repr__(self):
        inner = ", ".join(f"{k}={short_value(v)}" for k, v in self._params.items())
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
                f"{type(self).__name__}: {low} = {short_value(self._params[low])} must be < "
                f"{high} = {short_value(self._params[high])}"
            )


def short_value(value) -> str:
    """A parameter value as error messages show it (arrays by their length)."""
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
