"""How good a placement is: cores, limit use, spike traffic on the mesh, energy and latency.

The traffic model is that of docs/chip.md sections 6-9 and docs/placement.md: a spike of
neuron ``u`` sends one message to each distinct destination core and travels over the union
of the XY paths from its source tile, each link once. With ``p_u`` the expected spikes of
``u`` per step (``rate_u * dt``), every quantity here is an expectation per time step:

* messages per step: ``sum_u p_u * messages_u``;
* link loads: for every directed link of the board-wide tile mesh, ``sum_u p_u`` over the
  trees that contain it;
* hop-weighted traffic: ``sum_u p_u * (east_west_u + north_south_u + c * inter_chip_u)``,
  ``c`` = the target's ``board.inter_chip_link_cost``; equivalently the link loads summed
  with inter-chip links weighted by ``c``;
* energy and latency from the target's ``[energy]`` and ``[time]`` constants, as the emulator
  counts them (see :func:`placement_metrics` for the two estimates involved).

Rates come from the caller (e.g. a float reference run: ``{pop: Result.rates(pop)}``); see
:mod:`.activity` for the defaults. Everything is vectorised over neurons and synapses. The
proven lower bound on the hop-weighted traffic is :func:`.lower_bound.traffic_lower_bound`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activity import rates_label, spikes_per_step
from .destinations import destination_matrices
from .placement import HOST
from .routing import board_tiles, route_tables, tree_segments
from .usage import core_usage


@dataclass(frozen=True)
class LinkLoads:
    """Expected traversals per step of every directed link of the board-wide tile mesh.

    Tiles have board-wide coordinates (row, col), row 0 north, col 0 west. Arrays:
    ``east[r, c]``: link (r, c) -> (r, c+1); ``west[r, c]``: (r, c+1) -> (r, c), both of shape
    (rows, cols-1); ``south[r, c]``: (r, c) -> (r+1, c); ``north[r, c]``: (r+1, c) -> (r, c),
    both (rows-1, cols). A link is inter-chip when it crosses a multiple of ``mesh_cols``
    (east/west) or ``mesh_rows`` (north/south).
    """

    east: np.ndarray
    west: np.ndarray
    south: np.ndarray
    north: np.ndarray
    mesh_rows: int
    mesh_cols: int

    @property
    def horizontal_inter_chip(self) -> np.ndarray:
        """Bool (cols-1,): the east/west links at column c join two chips."""
        return (np.arange(self.east.shape[1]) + 1) % self.mesh_cols == 0

    @property
    def vertical_inter_chip(self) -> np.ndarray:
        """Bool (rows-1,): the north/south links at row r join two chips."""
        return (np.arange(self.south.shape[0]) + 1) % self.mesh_rows == 0

    def max(self) -> float:
        arrays = [a for a in (self.east, self.west, self.south, self.north) if a.size]
        return float(max(a.max() for a in arrays)) if arrays else 0.0

    def total(self, inter_chip_cost: float = 1.0) -> float:
        """Sum of all loads, inter-chip links weighted by ``inter_chip_cost``."""
        h = np.where(self.horizontal_inter_chip, inter_chip_cost, 1.0)
        v = np.where(self.vertical_inter_chip, inter_chip_cost, 1.0)[:, None]
        return float(((self.east + self.west) * h).sum() + ((self.south + self.north) * v).sum())

    def as_dict(self) -> dict:
        """{((row, col), (row, col)): load} for every directed link with a non-zero load."""
        out = {}
        for arr, step in ((self.east, (0, 1)), (self.south, (1, 0))):
            for r, c in zip(*np.nonzero(arr)):
                out[((int(r), int(c)), (int(r) + step[0], int(c) + step[1]))] = float(arr[r, c])
        for arr, step in ((self.west, (0, 1)), (self.north, (1, 0))):
            for r, c in zip(*np.nonzero(arr)):
                out[((int(r) + step[0], int(c) + step[1]), (int(r), int(c)))] = float(arr[r, c])
        return out


@dataclass(frozen=True)
class PlacementMetrics:
    """Quality of one placement; per-step values are expectations under the rates ``rates``
    names (:func:`~.activity.rates_label`: e.g. "float reference rates", "uniform 10 Hz").

    utilisation: limit name -> float array (n_cores,), fraction of the limit used per core.
    """

    method: str
    cores_used: int
    tiles_used: int
    chips_used: int
    violations: int
    utilisation: dict
    spikes_per_step: float
    messages_per_step: float
    hops_east_west_per_step: float
    hops_north_south_per_step: float
    hops_inter_chip_per_step: float
    hop_weighted_traffic: float
    max_link_load: float
    link_loads: LinkLoads
    synaptic_ops_per_step: float
    energy_per_step_pj: float
    latency_per_step_ns: float
    rates: str
    extra: dict = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for reports."""
        util = ", ".join(f"{k} {v[self._used].max():.0%}" for k, v in self.utilisation.items()
                         if self._used.any())
        return [
            ("cores / tiles / chips used", f"{self.cores_used} / {self.tiles_used} / {self.chips_used}"),
            ("max utilisation", util or "-"),
            ("limit violations", str(self.violations)),
            (f"spike messages/step ({self.rates})", f"{self.messages_per_step:.4g}"),
            ("hops/step E-W, N-S, inter-chip", f"{self.hops_east_west_per_step:.4g}, "
             f"{self.hops_north_south_per_step:.4g}, {self.hops_inter_chip_per_step:.4g}"),
            ("hop-weighted traffic/step", f"{self.hop_weighted_traffic:.4g}"),
            ("max link load/step", f"{self.max_link_load:.4g}"),
            ("est. energy/step", f"{self.energy_per_step_pj / 1e3:.4g} nJ"),
            ("est. latency/step", f"{self.latency_per_step_ns / 1e3:.4g} us"),
        ]

    @property
    def _used(self) -> np.ndarray:
        return self.utilisation["neurons"] > 0


def link_loads(routes: dict, weights: dict, target) -> LinkLoads:
    """Expected traversals per step of every directed link (see :class:`LinkLoads`)."""
    rows = target.board.chip_rows * target.chip.mesh_rows
    cols = target.board.chip_cols * target.chip.mesh_cols
    diff = {k: np.zeros((rows + 1) * (cols + 1)) for k in ("east", "west", "south", "north")}

    def add(key, r, c, w):
        diff[key] += np.bincount(r * (cols + 1) + c, weights=w, minlength=diff[key].size)

    for name, rt in routes.items():
        size = rt.messages.size
        if rt.dest_core.size == 0:
            continue
        neuron = np.repeat(np.arange(size, dtype=np.int64), np.diff(rt.dest_ptr))
        seg = tree_segments(neuron, rt.dest_core.astype(np.int64), rt.source_core.astype(np.int64),
                            size, target)
        w_row, w_col = weights[name][seg.row_owner], weights[name][seg.col_owner]
        # Each straight piece loads a run of consecutive links: +w at its start, -w past its end.
        add("east", seg.row, seg.col_src, w_row)
        add("east", seg.row, seg.col_hi, -w_row)
        add("west", seg.row, seg.col_lo, w_row)
        add("west", seg.row, seg.col_src, -w_row)
        add("south", seg.row_src, seg.col, w_col)
        add("south", seg.row_hi, seg.col, -w_col)
        add("north", seg.row_lo, seg.col, w_col)
        add("north", seg.row_src, seg.col, -w_col)
    grid = {k: v.reshape(rows + 1, cols + 1) for k, v in diff.items()}
    east = np.cumsum(grid["east"], axis=1)[:rows, :cols - 1]
    west = np.cumsum(grid["west"], axis=1)[:rows, :cols - 1]
    south = np.cumsum(grid["south"], axis=0)[:rows - 1, :cols]
    north = np.cumsum(grid["north"], axis=0)[:rows - 1, :cols]
    clean = [np.where(np.abs(a) < 1e-12, 0.0, a) for a in (east, west, south, north)]
    return LinkLoads(*clean, target.chip.mesh_rows, target.chip.mesh_cols)


def _synapse_lists(source):
    """[(pre name, post name, indptr over pre, post indices)] of a Network or a Program."""
    if hasattr(source, "quantized"):
        return [(q.pre, q.post, q.indptr, q.post_index) for q in source.quantized.projections]
    return [(p.pre.name, p.post.name, p.weights.indptr, p.weights.indices) for p in source.projections]


def placement_metrics(network_or_program, placement=None, target=None, rates=None,
                      rates_from: str | None = None) -> PlacementMetrics:
    """Evaluate a placement under the exact multicast traffic model (expected values per step).

    ``network_or_program``: a :class:`~neurocompile.Network` (then ``placement`` and
    ``target`` are required) or a compiled :class:`~neurocompile.program.Program` (its own
    placement, routes and target are used unless given). ``rates``: population -> Hz;
    without them, the defaults of :func:`~.activity.spikes_per_step`. ``rates_from``: where
    ``rates`` come from, for the label ``PlacementMetrics.rates`` (e.g. ``"float reference"``,
    giving "float reference rates"; default "given").

    Two quantities are estimates: a neuron counts as *active* in a step with probability
    ``1 - (1 - p_spike) * exp(-expected input spikes)`` (Poisson input), and the routing part
    of the latency is the longest route of any neuron with a non-zero rate (an upper bound
    of the emulator's per-step maximum).
    """
    src = network_or_program
    is_program = hasattr(src, "quantized")
    if is_program:
        placement = placement or src.placement
        target = target or src.target
        pops = {n: (q.size, src.sources.get(n)) for n, q in src.quantized.populations.items()}
        dt = src.quantized.dt
    else:
        pops = {p.name: (p.size, p.model) for p in src.populations.values()}
        dt = src.dt
    if is_program and placement is src.placement:
        routes, usage = src.routes, src.usage
    else:
        dest = destination_matrices(src, placement.core_of, placement.n_cores)
        routes = route_tables(src, placement, target, dest)
        usage = core_usage(src, placement, target, dest)
    p = spikes_per_step(pops, dt, rates)
    n_cores = placement.n_cores

    def total(field_name):
        return float(sum(p[n] @ getattr(routes[n], field_name) for n in routes))

    ew, ns, ic = total("east_west"), total("north_south"), total("inter_chip")
    messages = total("messages")
    loads = link_loads(routes, p, target)
    # Synaptic operations and input events, per core and per neuron.
    synops_core = np.zeros(n_cores)
    events_in = {n: np.zeros(size) for n, (size, _) in pops.items()}
    for pre, post, indptr, post_index in _synapse_lists(src):
        w = np.repeat(p[pre], np.diff(indptr))
        events_in[post] += np.bincount(post_index, weights=w, minlength=pops[post][0])
        post_core = placement.core_of[post][post_index]
        synops_core += np.bincount(post_core, weights=w, minlength=n_cores)
    active_core = np.zeros(n_cores)
    for name, (size, _) in pops.items():
        cores = placement.core_of[name]
        if np.all(cores == HOST):
            continue
        active = 1.0 - (1.0 - np.minimum(p[name], 1.0)) * np.exp(-events_in[name])
        active_core += np.bincount(cores, weights=active, minlength=n_cores)
    neurons = usage.neurons.astype(float)
    e, t = target.energy, target.time
    energy = (active_core.sum() * e.neuron_update_active_pj
              + (neurons - active_core).sum() * e.neuron_update_inactive_pj
              + synops_core.sum() * e.synaptic_op_pj + messages * e.spike_within_tile_pj
              + ew * e.hop_east_west_pj + ns * e.hop_north_south_pj + ic * e.hop_inter_chip_pj)
    used = neurons > 0
    core_time = (synops_core * t.synaptic_op_ns + active_core * t.neuron_update_active_ns
                 + (neurons - active_core) * t.neuron_update_inactive_ns)
    route_ns = max((float(routes[n].max_latency_ns[p[n] > 0].max(initial=0.0)) for n in routes), default=0.0)
    used_cores = np.flatnonzero(used)
    tiles = np.unique(used_cores // target.chip.cores_per_tile)
    latency = (float(core_time[used].max(initial=0.0)) + route_ns
               + target.barrier_ns(max(1, int(tiles.size))))
    util = {}
    for what in ("neurons", "synapse_entries", "fanin_axons", "parameter_sets"):
        used_amount, limit = getattr(usage, what), usage.limits.get(what)
        if used_amount is not None and limit is not None:
            util[what] = used_amount / limit
    return PlacementMetrics(
        method=placement.method, cores_used=int(used_cores.size), tiles_used=int(tiles.size),
        chips_used=int(np.unique(placement.chip[used_cores]).size), violations=usage.n_violations(),
        utilisation=util, spikes_per_step=float(sum(v.sum() for v in p.values())),
        messages_per_step=messages, hops_east_west_per_step=ew, hops_north_south_per_step=ns,
        hops_inter_chip_per_step=ic,
        hop_weighted_traffic=ew + ns + target.board.inter_chip_link_cost * ic,
        max_link_load=loads.max(), link_loads=loads, synaptic_ops_per_step=float(synops_core.sum()),
        energy_per_step_pj=float(energy), latency_per_step_ns=latency,
        rates=rates_label(pops, rates, rates_from))


def tile_coordinates(target, cores):
    """Board-wide (row, col) of the tile of every core (re-exported for plots and tools)."""
    return board_tiles(target, cores)
