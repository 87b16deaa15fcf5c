"""Partitioning and placement of neurons onto the cores of the chip's mesh."""
from .placement import HOST, Placement
from .routing import RouteTable, route_tables
from .sequential import place_sequential
from .usage import CoreUsage, core_usage

PLACERS = {"sequential": place_sequential}


def place(network, target, method: str = "sequential") -> Placement:
    """Assign every neuron of ``network`` to a core of ``target`` with the named algorithm."""
    from ..errors import invalid

    if method not in PLACERS:
        raise invalid("place", "method", method, f"must be one of {', '.join(sorted(PLACERS))}")
    return PLACERS[method](network, target)


__all__ = ["HOST", "PLACERS", "CoreUsage", "Placement", "RouteTable", "core_usage", "place",
           "place_sequential", "route_tables"]
