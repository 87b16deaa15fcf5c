"""Partitioning and placement of neurons onto the cores of the chip's mesh."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from ..lazy import lazy_getattr
from .budget import DEFAULT_PLACE_BUDGET_S, check_budget

if TYPE_CHECKING:  # annotations only: the placers load on first use
    from .placement import Placement

#: Public name -> (submodule, attribute), imported on first use (PEP 562): reading or running a
#: compiled program needs only the placement records (:mod:`.placement`, :mod:`.routing`,
#: :mod:`.usage`), not the placers, their numba functions and scipy's graph code.
_EXPORTS = {
    "traffic_lower_bound": (".lower_bound", "traffic_lower_bound"), "LinkLoads": (".metrics", "LinkLoads"),
    "PlacementMetrics": (".metrics", "PlacementMetrics"), "placement_metrics": (".metrics", "placement_metrics"),
    "HOST": (".placement", "HOST"), "Placement": (".placement", "Placement"), "repair": (".repair", "repair"),
    "RouteTable": (".routing", "RouteTable"), "route_tables": (".routing", "route_tables"),
    "place_sequential": (".sequential", "place_sequential"), "place_spectral": (".spectral", "place_spectral"),
    "CoreUsage": (".usage", "CoreUsage"), "core_usage": (".usage", "core_usage"),
}


_lazy_getattr = lazy_getattr(__name__, globals(), _EXPORTS)


def __getattr__(name: str):
    if name == "PLACERS":
        globals()[name] = value = _placers()  # later lookups skip this function
        return value
    return _lazy_getattr(name)

#: Old placer name -> its current name; the old names still work, with a DeprecationWarning.
RENAMED_PLACERS = {"ours": "spectral"}


def _renamed_placer_warning(old: str) -> None:
    warnings.warn(f"placer '{old}' is deprecated: it is now called '{RENAMED_PLACERS[old]}'",
                  DeprecationWarning, stacklevel=3)


def place_ours(network, target, rates=None, budget_s: float = DEFAULT_PLACE_BUDGET_S) -> Placement:
    """Deprecated alias of :func:`place_spectral` (the placer's old name, ``ours``)."""
    from .spectral import place_spectral

    _renamed_placer_warning("ours")
    return place_spectral(network, target, rates=rates, budget_s=budget_s)


def _placers() -> dict:
    """``PLACERS``: name -> function(network, target, rates=None, budget_s=...) -> Placement.
    The deprecated names are listed too, so that lookups and the command line's choices keep
    accepting them."""
    from .sequential import place_sequential
    from .spectral import place_spectral

    return {"sequential": place_sequential, "spectral": place_spectral, "ours": place_ours}


DEFAULT_PLACER = "spectral"


def place(network, target, method: str = DEFAULT_PLACER, rates=None,
          budget_s: float = DEFAULT_PLACE_BUDGET_S) -> Placement:
    """Assign every neuron of ``network`` to a core of ``target`` with the named algorithm.

    ``method``: a key of ``PLACERS`` (an old name of ``RENAMED_PLACERS`` warns and uses the
    new one). ``rates``: optional population name -> firing rate in Hz (scalar or one per
    neuron), e.g. from a float reference run; placers that are activity-aware weight traffic
    by it. ``budget_s``: seconds the placer may take, > 0 (``math.inf``: no limit); see
    :mod:`.budget` (the ``sequential`` fill takes far less and ignores it).
    """
    from ..errors import invalid

    placers = _placers()
    if method not in placers:
        raise invalid("place", "method", method, f"must be one of {', '.join(sorted(placers))}")
    check_budget("place", "budget_s", budget_s)
    if method in RENAMED_PLACERS:
        _renamed_placer_warning(method)
        method = RENAMED_PLACERS[method]
    return placers[method](network, target, rates=rates, budget_s=budget_s)


__all__ = ["DEFAULT_PLACER", "HOST", "LinkLoads", "PLACERS", "RENAMED_PLACERS", "CoreUsage", "Placement",
           "PlacementMetrics", "RouteTable", "core_usage", "place", "place_ours", "place_sequential",
           "place_spectral", "placement_metrics", "repair", "route_tables", "traffic_lower_bound"]
