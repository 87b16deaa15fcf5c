"""Partitioning and placement of neurons onto the cores of the chip's mesh."""
import warnings

from .budget import DEFAULT_PLACE_BUDGET_S, check_budget
from .lower_bound import traffic_lower_bound
from .metrics import LinkLoads, PlacementMetrics, placement_metrics
from .placement import HOST, Placement
from .repair import repair
from .routing import RouteTable, route_tables
from .sequential import place_sequential
from .spectral import place_spectral
from .usage import CoreUsage, core_usage

#: Old placer name -> its current name; the old names still work, with a DeprecationWarning.
RENAMED_PLACERS = {"ours": "spectral"}


def _renamed_placer_warning(old: str) -> None:
    warnings.warn(f"placer '{old}' is deprecated: it is now called '{RENAMED_PLACERS[old]}'",
                  DeprecationWarning, stacklevel=3)


def place_ours(network, target, rates=None, budget_s: float = DEFAULT_PLACE_BUDGET_S) -> Placement:
    """Deprecated alias of :func:`place_spectral` (the placer's old name, ``ours``)."""
    _renamed_placer_warning("ours")
    return place_spectral(network, target, rates=rates, budget_s=budget_s)


# name -> function(network, target, rates=None, budget_s=...) -> Placement. The deprecated
# names are listed too, so that lookups and the command line's choices keep accepting them.
PLACERS = {"sequential": place_sequential, "spectral": place_spectral, "ours": place_ours}
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

    if method not in PLACERS:
        raise invalid("place", "method", method, f"must be one of {', '.join(sorted(PLACERS))}")
    check_budget("place", "budget_s", budget_s)
    if method in RENAMED_PLACERS:
        _renamed_placer_warning(method)
        method = RENAMED_PLACERS[method]
    return PLACERS[method](network, target, rates=rates, budget_s=budget_s)


__all__ = ["DEFAULT_PLACER", "HOST", "LinkLoads", "PLACERS", "RENAMED_PLACERS", "CoreUsage", "Placement",
           "PlacementMetrics", "RouteTable", "core_usage", "place", "place_ours", "place_sequential",
           "place_spectral", "placement_metrics", "repair", "route_tables", "traffic_lower_bound"]
