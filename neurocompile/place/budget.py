"""How long the ``spectral`` placer may work: a deterministic work allowance, and a wall clock.

A placement budget of ``seconds`` gives the placer two limits:

* a *work allowance* of ``WORK_SHARE x seconds x WORK_PER_SECOND`` work units. The placer
  counts units as it goes (a unit is about one edge or tree-tile visit of its compiled
  loops: :func:`bisection_work`, :func:`mapping_work`, :func:`scoring_work`, and the
  refinement's own count, :mod:`.refine`) and skips or ends a phase whose work would exceed
  what is left. The count depends only on the network and the target, never on the machine,
  so the same network, target and budget give the same placement anywhere. On the machine
  the constants were measured on the allowance lasts about ``WORK_SHARE`` of the budget;
* the *wall clock*: a placer that reaches ``seconds`` anyway (a slower or busy machine)
  stops where it is and returns its best legal placement so far. Only then does the result
  depend on the machine, and the placement's notes say so.

Units: seconds of wall time, work units (dimensionless counts).
"""
from __future__ import annotations

import math
import time

from ..errors import invalid

#: Default budget of ``nc.compile(..., place_budget_s=)`` and ``--place-budget``, seconds.
DEFAULT_PLACE_BUDGET_S = 60.0
#: Work units the placer's loops get through per second (1-4e8 measured on the 2-core x86
#: machine of bench/placement_time.py, 2026-11-30, with other jobs sharing it).
WORK_PER_SECOND = 4.0e8
#: Share of the budget the deterministic allowance is sized to take on that machine.
WORK_SHARE = 0.5
#: Work units of sorting one neuron along one direction at one level of a bisection.
SORT_WORK = 64.0
#: Work units of reading a neighbour's position at random (a cache miss; measured ~10x a
#: read of a nearby one: 40 ns vs 3.7 ns per edge, random 50k vs ring 200k).
SCATTERED_READ_WORK = 10.0


def check_budget(owner: str, name: str, seconds) -> float:
    """``seconds`` as a float if it is a time > 0 (``math.inf``: no limit), else a one-line
    error naming ``owner``, the option ``name`` and the value."""
    if isinstance(seconds, (bool, str, bytes)) or seconds is None:
        raise invalid(owner, name, seconds, "must be a time > 0 s (math.inf for no limit)")
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise invalid(owner, name, seconds, "must be a time > 0 s (math.inf for no limit)") from None
    if not value > 0:  # also nan
        raise invalid(owner, name, seconds, "must be a time > 0 s (math.inf for no limit)")
    return value


class OutOfTime(Exception):
    """Raised inside the placer when the wall clock reaches the budget (caught by the placer,
    which then returns its best legal placement so far)."""


class PlacementBudget:
    """The limits of one placement (see the module docstring); the clock starts on creation.

    ``allowance``: work units the placer may spend (inf without a limit); ``spent``: units
    spent so far. ``deadline_hit``: whether the wall clock ran out (set by :meth:`out_of_time`).
    ``skipped``: short descriptions of the work left out for want of allowance or time.
    """

    def __init__(self, seconds: float = DEFAULT_PLACE_BUDGET_S):
        self.seconds = check_budget("place", "budget_s", seconds)
        self.allowance = math.inf if math.isinf(self.seconds) else WORK_SHARE * self.seconds * WORK_PER_SECOND
        self.spent = 0.0
        self.started = time.monotonic()
        self.deadline_hit = False
        self.skipped: list[str] = []

    @property
    def left(self) -> float:
        """Work units left."""
        return max(0.0, self.allowance - self.spent)

    def affords(self, work: float) -> bool:
        """Whether ``work`` more units fit the allowance."""
        return self.spent + work <= self.allowance

    def charge(self, work: float) -> None:
        self.spent += work

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def out_of_time(self) -> bool:
        """Whether the wall clock has reached the budget (remembered once it has)."""
        if not self.deadline_hit and self.elapsed() >= self.seconds:
            self.deadline_hit = True
        return self.deadline_hit

    def check_time(self) -> None:
        """Raise :class:`OutOfTime` if the wall clock has reached the budget."""
        if self.out_of_time():
            raise OutOfTime()

    def skip(self, what: str) -> None:
        """Record ``what`` as left out (once)."""
        if what not in self.skipped:
            self.skipped.append(what)


#: Work units per synapse of building a placement's destination matrices and core usage
#: once (the mapping refinement does it twice, the usage count once).
SYNAPSE_WORK = 3.0
#: Work units per core of the mapping refinement's sweeps (numpy calls per core).
MAPPING_CORE_WORK = 1.2e5


def bisection_work(graph, regions: int, dims: int, scattered: bool = False) -> float:
    """Work units of one dual recursive bisection of ``graph`` into ``regions`` cores along
    ``dims`` coordinates: every level reads each member's adjacency once per cut direction
    (4, or 1 along a single coordinate) and sorts the members per direction. ``scattered``:
    the neighbours' positions are read at random (unstructured connectivity on more neurons
    than fit a cache), each read costing :data:`SCATTERED_READ_WORK`."""
    levels = max(1, math.ceil(math.log2(max(regions, 2))))
    nnz = 0 if graph.adjacency is None else graph.adjacency.nnz
    directions = 1 if dims == 1 else 4
    return levels * directions * ((SCATTERED_READ_WORK if scattered else 1.0) * nnz + SORT_WORK * graph.n)


def attempt_work(network, graph, core_counts, dims: int, variants: int = 1, scattered: bool = False) -> float:
    """Work units of one placement attempt of the ``spectral`` placer: for every region size in
    ``core_counts`` and each of ``variants``, a bisection (:func:`bisection_work`), the
    mapping refinement by tiles and by cores and the exact usage count."""
    synapses = float(network.n_synapses)
    return variants * sum(bisection_work(graph, k, dims, scattered) + 3 * SYNAPSE_WORK * synapses
                          + 2 * MAPPING_CORE_WORK * k for k in core_counts)
