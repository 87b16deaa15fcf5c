"""Partitioning and placement of neurons onto the cores of the chip's mesh."""
from .metrics import LinkLoads, PlacementMetrics, placement_metrics, traffic_lower_bound
from .ours import place_ours
from .placement import HOST, Placement
from .repair import repair
from .routing import RouteTable, route_tables
from .sequential import place_sequential
from .usage import CoreUsage, core_usage

# name -> function(network, target, rates=None) -> Placement
PLACERS = {"sequential": place_sequential, "ours": place_ours}
DEFAULT_PLACER = "ours"


def place(network, target, method: str = DEFAULT_PLACER, rates=None) -> Placement:
    """Assign every neuron of ``network`` to a core of ``target`` with the named algorithm.

    ``rates``: optional population name -> firing rate in Hz (scalar or one per neuron), e.g.
    from a float reference run; placers that are activity-aware weight traffic by it.
    """
    from ..errors import invalid

    if method not in PLACERS:
        raise invalid("place", "method", method, f"must be one of {', '.join(sorted(PLACERS))}")
    return PLACERS[method](network, target, rates=rates)


__all__ = ["DEFAULT_PLACER", "HOST", "LinkLoads", "PLACERS", "CoreUsage", "Placement", "PlacementMetrics",
           "RouteTable", "core_usage", "place", "place_ours", "place_sequential", "placement_metrics",
           "repair", "route_tables", "traffic_lower_bound"]
