"""A rank's own program for partitioned emulation: only its neurons, with the other ranks'
neurons that reach them as host inputs ("ghosts").

For every chip population ``X`` the rank holds the piece of ``X`` on its cores, under the name
``X`` (parameters, initial state, biases, routes and probes sliced to those neurons, in index
order), and, when other ranks hold neurons of ``X``, a spike-source population
``X@ghost`` of those neurons (no state; their spikes arrive from their owners and enter the
kernel as host spikes). Every projection ``X -> Y`` keeps the synapses onto the
rank's piece of ``Y``, split into ``X -> Y`` (from the rank's own piece of ``X``) and
``X@ghost -> Y`` (from the other ranks' neurons); a spike source's projections keep all their
rows. Spike sources stay whole on every rank (their spikes are generated on each; rank 0 counts
them). The kernel then updates only the rank's own neurons and delivers only into its own
synapses: both the state and the synapses are split over the ranks. The kept synapses are
packed into one buffer per field, which the layout takes as its joined arrays (no second copy).

Exchange (:func:`run_local`): once per window of W steps, W the smallest delay of a synapse
that crosses ranks (:func:`exchange_window`). Within a window each rank runs its steps alone,
one kernel call each: a step's own spikes and the sources' are routed at once (``GATHER | SOMA
| ROUTE``; the step's flags then name the spikes to send) but its per-core totals stay open in
a scratch of its own; at the window's end the ranks exchange the window's spikes
(one allgather of the message lengths and one allgatherv), and each rank delivers the other
ranks' spikes of every step of the window as that past step (``ROUTE | LATE``: into the slots
of ``step + delay``, all still ahead since ``delay >= W``, with the step's synaptic ops on its
cores) and only then closes the step (``CLOSE``: busiest core, totals). Every per-step counter
is thus the one exchanging every step gives, bit for bit. W = 1 (a delay of one step, or
short-term plasticity on a synapse from another rank, whose efficacy relaxes every step before
the step's spikes) exchanges every step, delivering in the step's own route.

Not here (:func:`supported`): receptor elements, NMDA gates, plastic projections (the run
falls back to the replicated-neuron partition of :mod:`.partition`).
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

#: Suffix of the ghost population of ``X`` (the other ranks' neurons of ``X``).
GHOST = "@ghost"


class LocalProgram(NamedTuple):
    """``program``: the rank's program (module docstring); ``own``: chip population -> global
    indices of its neurons held here (sorted, int64); ``ghosts``: chip population -> global
    indices of its ``X@ghost`` neurons; ``probe_positions``: (population, variable) -> positions,
    in the whole program's probe, of the probed neurons held here."""

    program: object
    own: dict
    ghosts: dict
    probe_positions: dict


def supported(populations: dict, projections=()) -> bool:
    """Whether the program can be split by neurons (no receptors, gates or plasticity)."""
    if any(q.receptors is not None for q in populations.values()):
        return False
    return all(qp.gate is None and qp.learning is None and not qp.receptor for qp in projections)


def _sliced(value, size: int, index: np.ndarray):
    """``value`` with every per-neuron array (first axis of length ``size``) cut to ``index``,
    inside dataclasses, dicts and tuples."""
    if isinstance(value, np.ndarray):
        return value[index] if value.ndim >= 1 and value.shape[0] == size else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _sliced(getattr(value, f.name), size, index)
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict):
        return {k: _sliced(v, size, index) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_sliced(v, size, index) for v in value)
    return value


def slice_population(q, index: np.ndarray):
    """Population ``q`` cut to its neurons ``index`` (same name)."""
    kept = {name: _sliced(getattr(q, name), q.size, index)
            for name in ("params", "state", "to_physical", "input_gain", "bias_per_unit", "bias_drive")}
    return dataclasses.replace(q, size=int(index.size), **kept)


def ghost_population(q, size: int):
    """The spike-source population standing for ``size`` neurons of ``q`` held elsewhere."""
    return dataclasses.replace(q, name=q.name + GHOST, model="source", size=int(size), params=None, state={},
                               to_physical={}, input_gain=None, bias_per_unit=None, bias_drive=None, report={},
                               issues=(), receptors=None)


def _routes(table, index: np.ndarray, zero: bool):
    """Route table rows ``index`` (the counters the emulator reads; zero for ghosts)."""
    def cut(array):
        array = np.asarray(array)[index]
        return np.zeros_like(array) if zero else array
    return dataclasses.replace(table, messages=cut(table.messages), east_west=cut(table.east_west),
                               north_south=cut(table.north_south), inter_chip=cut(table.inter_chip),
                               source_core=cut(table.source_core), dest_ptr=np.zeros(index.size + 1, np.int64),
                               dest_core=np.zeros(0, np.int64), max_latency_ns=cut(table.max_latency_ns))


def _rows(qp, rows: np.ndarray, keep: np.ndarray, post_position: np.ndarray, pre: str, name: str):
    """Projection ``qp`` cut to presynaptic ``rows`` (sorted), synapses where ``keep``, post
    indices renumbered by ``post_position``; None when no synapse is left.

    The largest projections hold millions of synapses: per synapse this makes only boolean
    masks and the kept synapses themselves (no int64 index or row-number arrays)."""
    indptr = np.asarray(qp.indptr, dtype=np.int64)
    counts = np.diff(indptr)
    in_rows = np.zeros(counts.size, dtype=bool)
    in_rows[rows] = True
    take = np.repeat(in_rows, counts)
    take &= keep
    if not take.any():
        return None
    kept_per_row = np.zeros(counts.size, dtype=np.int64)
    filled = np.flatnonzero(counts)  # reduceat over the non-empty rows' starts sums each row
    kept_per_row[filled] = np.add.reduceat(take, indptr[filled], dtype=np.int64)
    new_ptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(kept_per_row[rows], out=new_ptr[1:])
    post = np.asarray(qp.post_index)
    return dataclasses.replace(qp, name=name, pre=pre, indptr=new_ptr,
                               post_index=post_position.astype(post.dtype)[post[take]],
                               weight_mant=np.asarray(qp.weight_mant)[take],
                               delay_steps=np.asarray(qp.delay_steps)[take])


#: The synapse arrays :func:`_packed` joins (the emulator's layout reads them joined).
SYNAPSE_FIELDS = ("post_index", "weight_mant", "delay_steps")


def _packed(projections: list) -> tuple:
    """``projections`` (a list, replaced in place) with their synapse arrays moved into one buffer per field, each
    projection's arrays views of consecutive pieces of it, in order: the emulator's layout
    then takes the buffers as its joined arrays (:func:`~neurocompile.emu.layout.adjacent`)
    instead of copying every synapse a second time. The buffers are filled one projection at
    a time and each projection's own array is dropped once copied, so the rank never holds a
    field twice (the buffers' pages are only touched as they are written)."""
    if len(projections) < 2:
        return tuple(projections)
    stops = np.cumsum([np.asarray(qp.post_index).size for qp in projections])
    starts = stops - np.array([np.asarray(qp.post_index).size for qp in projections])
    for field in SYNAPSE_FIELDS:
        dtype = np.result_type(*[np.asarray(getattr(qp, field)).dtype for qp in projections])
        buffer = np.empty(int(stops[-1]), dtype=dtype)
        for k, (qp, start, stop) in enumerate(zip(projections, starts, stops)):
            buffer[start:stop] = getattr(qp, field)
            projections[k] = dataclasses.replace(qp, **{field: buffer[start:stop]})  # frees qp's array
    return tuple(projections)


def localize(skeleton, projections, partition, rank: int) -> LocalProgram:
    """Rank ``rank``'s :class:`LocalProgram` from ``skeleton`` (the whole program, or its
    populations, placement, routes and inputs without synapses) and ``projections`` (an
    iterable of the program's projections, consumed one at a time)."""
    return localize_synapses(localize_neurons(skeleton, partition, rank), skeleton, projections)


class LocalNeurons(NamedTuple):
    """The neuron half of a :class:`LocalProgram` (:func:`localize_neurons`): ``own``, ``ghosts``
    and ``probe_positions`` as there; ``position``: chip population -> each neuron's index in
    the rank's piece (-1 elsewhere); the rank's populations ``pops``, ``core_of``, ``routes``,
    ``probes`` and ``bias_updates``."""

    own: dict
    ghosts: dict
    probe_positions: dict
    position: dict
    pops: dict
    core_of: dict
    routes: dict
    probes: tuple
    bias_updates: tuple


def localize_neurons(skeleton, partition, rank: int) -> LocalNeurons:
    """Rank ``rank``'s populations cut from ``skeleton``'s (module docstring): what
    :func:`localize_synapses` needs besides the synapses, so that a caller may let go of the
    whole program's per-neuron records (:func:`thinned`) before the synapses are read."""
    from ..place.placement import HOST

    q = skeleton.quantized
    placement = skeleton.placement
    own, ghosts, position, pops, core_of, routes = {}, {}, {}, {}, {}, {}
    for name, pop in q.populations.items():
        core = np.asarray(placement.core_of[name], dtype=np.int64)
        if pop.is_source:
            pops[name], core_of[name], routes[name] = pop, placement.core_of[name], skeleton.routes[name]
            continue
        mine = (core >= 0) & (partition.rank_of_core[np.maximum(core, 0)] == rank)
        own[name], ghosts[name] = np.flatnonzero(mine), np.flatnonzero(~mine)
        position[name] = np.full(pop.size, -1, dtype=np.int64)
        position[name][own[name]] = np.arange(own[name].size)
        if own[name].size:
            pops[name] = slice_population(pop, own[name])
            core_of[name] = np.ascontiguousarray(np.asarray(placement.core_of[name])[own[name]])
            routes[name] = _routes(skeleton.routes[name], own[name], zero=False)
    for name, pop in q.populations.items():  # ghosts after every population of the rank
        if not pop.is_source and ghosts[name].size:
            pops[name + GHOST] = ghost_population(pop, ghosts[name].size)
            core_of[name + GHOST] = np.full(ghosts[name].size, HOST, dtype=np.int32)
            routes[name + GHOST] = _routes(skeleton.routes[name], ghosts[name], zero=True)
    probes, probe_positions = [], {}
    for name, indices, variable in skeleton.probes:
        indices = np.asarray(indices)
        if name not in own:  # a spike source's probe stays on every rank (rank 0 reports it)
            probes.append((name, indices, variable))
            continue
        here = np.flatnonzero(position[name][indices] >= 0)
        probe_positions[(name, variable)] = here
        if here.size and name in pops:
            probes.append((name, position[name][indices[here]], variable))
    updates = tuple(dataclasses.replace(u, bias_mant=_sliced(np.asarray(u.bias_mant), q.populations[u.population].size,
                                                             own[u.population]),
                                        bias_exp=_sliced(np.asarray(u.bias_exp), q.populations[u.population].size,
                                                         own[u.population]))
                    for u in q.bias_updates if u.population in pops)
    return LocalNeurons(own, ghosts, probe_positions, position, pops, core_of, routes, tuple(probes), updates)


def localize_synapses(neurons: LocalNeurons, skeleton, projections) -> LocalProgram:
    """The :class:`LocalProgram` of ``neurons`` (:func:`localize_neurons`) with the synapses of
    ``projections`` onto them (consumed one at a time; module docstring). ``skeleton``: the
    whole program or its skeleton, whole or :func:`thinned` (only its name, target, inputs and
    options are read here)."""
    own, ghosts, position, pops = neurons.own, neurons.ghosts, neurons.position, neurons.pops
    kept = []
    owned = {name: where >= 0 for name, where in position.items()}
    for qp in projections:
        if qp.post not in own or not own[qp.post].size:
            continue
        keep = owned[qp.post][np.asarray(qp.post_index)]
        if qp.pre not in own:  # a spike source: every row
            part = _rows(qp, np.arange(np.asarray(qp.indptr).size - 1), keep, position[qp.post], qp.pre, qp.name)
            kept.extend([part] if part is not None else [])
            continue
        for rows, pre, name in ((own[qp.pre], qp.pre, qp.name), (ghosts[qp.pre], qp.pre + GHOST, qp.name + GHOST)):
            if rows.size and pre in pops:
                part = _rows(qp, rows, keep, position[qp.post], pre, name)
                if part is not None:
                    kept.append(part)
    qp = keep = part = None  # the last projection read goes before the synapses are packed
    local_q = dataclasses.replace(skeleton.quantized, populations=pops, projections=_packed(kept),
                                  bias_updates=neurons.bias_updates)
    local_placement = dataclasses.replace(skeleton.placement, core_of=neurons.core_of)
    program = dataclasses.replace(skeleton, quantized=local_q, placement=local_placement, routes=neurons.routes,
                                  probes=neurons.probes, weight_probes={})
    return LocalProgram(program, own, ghosts, neurons.probe_positions)


def thinned(skeleton):
    """``skeleton`` with only what :func:`run_local` reads of the whole program once the rank's
    part is cut (:func:`localize_neurons`): population names, sizes, models, receptors and
    ``to_physical`` (the probed traces' units), the placement, probes, target and inputs. The
    per-neuron parameters, initial state, bias and report records and the route tables go
    (about 40 MiB for 200,000 neurons), which each rank holds for its own neurons."""
    q = skeleton.quantized
    pops = {name: pop if pop.is_source else dataclasses.replace(
        pop, params=None, state={}, input_gain=None, bias_per_unit=None, bias_drive=None, report={}, issues=())
        for name, pop in q.populations.items()}
    return dataclasses.replace(skeleton, quantized=dataclasses.replace(q, populations=pops), routes={})


def _whole_offsets(populations: dict) -> dict:
    """Population -> its first global index in the single-process layout (LIF bank, then the
    nonlinear bank, then host inputs, each in the program's order: :class:`~neurocompile.emu.layout.ChipLayout`)."""
    from ..chip import SOMAS

    def bank(q):
        return "host" if q.is_source else SOMAS[q.model].bank
    offsets, at = {}, 0
    for wanted in ("LIF", "AdEx", "host"):
        for name, q in populations.items():
            if bank(q) == wanted:
                offsets[name] = at
                at += q.size
    return offsets


def run_local(ranks, local: LocalProgram, whole, partition, duration: float, inputs=None):
    """Run the rank's :class:`LocalProgram` for ``duration`` ms with the other ranks (one
    exchange of spike ids per window of :func:`exchange_window` steps: module docstring).
    ``whole``: the whole program or its skeleton (populations, placement, probes). Returns
    ``(Result, Exchange)`` on rank 0, the Result identical to the single-process run's, and
    ``(None, Exchange)`` elsewhere."""
    import time

    from ..chip.host import bias_value
    from ..emu import warmup
    from ..emu.kernel import CLOSE, GATHER, LATE, ROUTE, SOMA
    from ..emu.layout import HOST, ChipLayout
    from ..emu.state import S_SPIKES, HostSpikes, RunState
    from ..ir.run_inputs import prepare_inputs
    from ..models import MODELS
    from ..quantize.currents import bias_registers
    from ..reference.simulator import steps_for
    from ..result import Recorder
    from .stepping import Exchange, each_step, one_step_kernel

    program = local.program
    qnet = program.quantized
    pops = qnet.populations
    whole_pops = whole.quantized.populations
    n_steps = steps_for(duration, qnet.dt, owner="Program.run")
    run_inputs = prepare_inputs(  # checked against the whole program, as a single process does
        f"Program '{whole.name}'.run", inputs, n_steps, {name: q.size for name, q in whole_pops.items()},
        {name for name, q in whole_pops.items() if q.is_source}, {u.population for u in whole.quantized.bias_updates},
        {name: MODELS[q.model].current_unit for name, q in whole_pops.items() if not q.is_source})
    layout = ChipLayout(program)
    recorder = Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps)
    state = RunState(layout, 1, n_steps, recorder)
    rank = ranks.rank
    n_chip = layout.n_lif + layout.n_adex
    sources = [name for name in layout.order if layout.bank[name] == HOST and not name.endswith(GHOST)]
    if rank != 0:  # spike sources are counted and recorded on rank 0
        for name in sources:
            span = slice(layout.offset[name], layout.offset[name] + layout.size[name])
            layout.silence_routes(span)
            state.recording.probed[span] = False
    whole_offset = _whole_offsets(whole_pops)
    global_of_local = np.zeros(n_chip, dtype=np.int64)
    ghost_of_global = np.full(max(whole_offset.get(name, 0) + q.size for name, q in whole_pops.items()), -1,
                              dtype=np.int64)
    for name in layout.order:
        if layout.bank[name] != HOST:
            global_of_local[layout.offset[name]:layout.offset[name] + layout.size[name]] = (
                whole_offset[name] + local.own[name])
        elif name.endswith(GHOST):
            x = name[:-len(GHOST)]
            ghost_of_global[whole_offset[x] + local.ghosts[x]] = layout.offset[name] + np.arange(layout.size[name])
    exported = _exported(ranks, local, qnet, layout, global_of_local, whole_offset)
    for name, current in run_inputs.currents.items():
        if name in pops:
            mant, exp = bias_registers(pops[name], current[0:1, local.own[name]], program.target.precision,
                                       f"Program.run: input current into '{name}'")
            layout.set_bias(state.lif_bias, state.adex_bias, name, bias_value(mant, exp))
    streams = {name: (run_inputs.spikes[name][0:1] if name in run_inputs.spikes else
                      program.sources[name].iter_spikes(pops[name].size, n_steps, qnet.dt, qnet.seed, name))
               for name in sources}
    window = exchange_window(ranks, qnet, n_steps)
    warmup.finish()
    traces = state.trace_block(n_steps)
    flags = state.fired.flags
    foreign = np.zeros(n_steps, dtype=np.int64)
    sent = received = exchanges = 0
    exchange_s = compute_s = 0.0
    no_host = HostSpikes(np.zeros(2, dtype=np.int64), np.zeros(0, dtype=np.int64))
    call = one_step_kernel(layout, state)
    counters = state.counters
    # Each step of a window routes into its own per-core scratch until the window's CLOSE.
    scratch = [counters._replace(step_synops=np.zeros_like(counters.step_synops),
                                 step_active=np.zeros_like(counters.step_active)) for _ in range(window - 1)]
    scratch.append(counters)
    pending = []  # the window's steps so far: (step, this rank's spikes to send, the sources' spikes)

    def route(step, sections, ids):
        state.recording = state.recording._replace(traces=traces[step:])
        host_spikes = HostSpikes(np.array([0, ids.size], dtype=np.int64), ids)
        while call(step, sections, host_spikes, scratch[step % window]) == step:  # the spike record is full
            state.grow_record()

    for step, row, host in each_step(layout, state, qnet.bias_updates, streams, n_steps):
        started = time.perf_counter()
        source_ids = host.ids[host.ptr[row]:host.ptr[row + 1]]
        foreign[step] = source_ids.size if rank != 0 else 0
        if window > 1:  # the step with its own and the sources' spikes now (the flags stay); the
            route(step, GATHER | SOMA | ROUTE, source_ids)  # other ranks' at the window's end
            source_ids = source_ids[:0]
        else:
            call(step, GATHER | SOMA, no_host)
        spiked = global_of_local[np.flatnonzero(flags[:n_chip] & exported)]
        sent += spiked.size
        pending.append((step, spiked, source_ids))
        if len(pending) < window and step < n_steps - 1:
            compute_s += time.perf_counter() - started
            continue
        middle = time.perf_counter()
        remote = swap(ranks, [spikes for _, spikes, _ in pending], f"exchanging the spikes of steps "
                      f"{pending[0][0]}..{step}")
        ended = time.perf_counter()
        exchanges += 1
        for (at, _, sources), arrived in zip(pending, remote):
            foreign[at] += arrived.size
            received += arrived.size
            ids = np.concatenate([sources, ghost_of_global[arrived]])
            route(at, (ROUTE | CLOSE) if window == 1 else (ROUTE | LATE | CLOSE), ids)
        pending = []
        compute_s += (middle - started) + (time.perf_counter() - ended)
        exchange_s += ended - middle
    state.counters.per_step[S_SPIKES, :, 0] -= foreign
    exchange = Exchange(n_steps, sent, received, exchange_s, compute_s, exchanges, window)
    return _merge_local(ranks, local, whole, layout, state, recorder, traces, n_steps), exchange


def exchange_window(ranks, qnet, n_steps: int) -> int:
    """Steps per spike exchange: the smallest delay of any synapse from another rank's neuron
    onto one of any rank's (at most ``n_steps``; ``n_steps`` when none crosses ranks). A spike
    of step ``t`` from another rank then arrives at ``t + delay`` at the earliest, after the
    window's last step, so the ranks exchange a window's spikes once, at its end, and each
    delivers them afterwards into the slots they would have reached (``ROUTE | LATE`` of the
    past step, whose per-core totals are closed only then): every value is as if exchanged
    every step. One step when a projection from another rank's neurons has short-term
    plasticity: its efficacies relax every step before the step's spikes, so a spike must be
    delivered in its own step."""
    shortest = n_steps
    for qp in qnet.projections:
        if qp.pre.endswith(GHOST) and np.asarray(qp.post_index).size:
            shortest = 1 if qp.stp is not None else min(shortest, int(np.asarray(qp.delay_steps).min()))
    everyone, _ = ranks.allgather_array(np.array([max(shortest, 1)], dtype=np.int64),
                                        "agreeing on the spike exchange's window")
    return int(everyone.min())


def swap(ranks, spikes: list, what: str) -> list:
    """Every step's spikes of the other ranks, for the steps of ``spikes`` (this rank's ids of
    each step): one exchange (:meth:`~.comm.Ranks.allgather_array`) of a message per rank that
    holds the number of ids of each step, then the ids."""
    k = len(spikes)
    message = np.concatenate([np.array([s.size for s in spikes], dtype=np.int64), *spikes]).astype(np.int64)
    everyone, counts = ranks.allgather_array(message, what)
    arrived = [[] for _ in range(k)]
    at = 0
    for r, count in enumerate(counts):
        block, at = everyone[at:at + count], at + int(count)
        if r == ranks.rank:
            continue
        bounds = np.concatenate([[k], k + np.cumsum(block[:k])])
        for i in range(k):
            arrived[i].append(block[bounds[i]:bounds[i + 1]])
    return [np.concatenate(a) if a else np.zeros(0, dtype=np.int64) for a in arrived]


def _exported(ranks, local: LocalProgram, qnet, layout, global_of_local: np.ndarray, whole_offset: dict) -> np.ndarray:
    """The flag bit to test per own neuron: FLAG_SPIKED (1) for the neurons with a synapse on
    another rank, 0 for the others (their spikes are not sent). Each rank names the ghosts its
    synapses need (the other ranks' neurons with a non-empty row in a ghost projection) in one
    allgather before the run; a spike of a neuron no other rank needs would only be delivered
    through empty rows, so leaving it out changes nothing but the exchange's volume."""
    needed = []
    for qp in qnet.projections:
        if qp.pre.endswith(GHOST):
            x = qp.pre[:-len(GHOST)]
            rows = np.flatnonzero(np.diff(np.asarray(qp.indptr)) > 0)
            needed.append(whole_offset[x] + local.ghosts[x][rows])
    mine = np.unique(np.concatenate(needed)) if needed else np.zeros(0, dtype=np.int64)
    everyone, _ = ranks.allgather_array(mine.astype(np.int64), "naming the spikes each rank needs")
    return np.isin(global_of_local, everyone).astype(np.uint8)


def _merge_local(ranks, local: LocalProgram, whole, layout, state, recorder, traces, n_steps: int):
    """Rank 0: the whole program's Result from every rank's part; other ranks: None."""
    from ..chip import SOMAS
    from ..chip.costs import RunStats, energy_and_latency, tiles_in_use
    from ..emu.layout import HOST
    from ..emu.state import S_ACTIVE, S_EW, S_IC, S_MESSAGES, S_NS, S_SPIKES, S_SYNOPS, S_UPDATES
    from ..result import Recorder, Result

    what = "merging the results on rank 0"
    counters, recording = state.counters, state.recording
    merged = {key: ranks.reduce_array(array, op, what) for key, array, op in (
        ("per_step", counters.per_step, "sum"), ("max_core_ns", counters.max_core_ns, "max"),
        ("max_route_ns", counters.max_route_ns, "max"), ("synops_per_core", counters.synops_per_core, "sum"),
        ("active_per_core", counters.active_per_core, "sum"))}
    # This rank's neurons, by population and global index.
    n = int(recording.n_recorded[0])
    rec_steps, rec_ids = recording.steps[:n], recording.ids[:n]
    part = {"counts": {}, "spikes": {}, "traces": {}, "saturations": {}, "positions": local.probe_positions}
    for k, name in enumerate(layout.order):
        if name.endswith(GHOST) or (layout.bank[name] == HOST and ranks.rank != 0):
            continue
        start, size = layout.offset[name], layout.size[name]
        index = local.own[name] if name in local.own else np.arange(size)
        part["counts"][name] = (index, recording.counts[start:start + size].copy())
        keep = (rec_ids >= start) & (rec_ids < start + size)
        part["spikes"][name] = (rec_steps[keep], index[rec_ids[keep] - start])
        if layout.bank[name] != HOST:
            part["saturations"][name] = counters.saturations[k, :, 0].copy()
    start = 0
    for key in state.trace_keys:
        width = recorder.trace_probes[key].size
        part["traces"][key] = traces[:, start:start + width, 0].copy()
        start += width
    parts = ranks.gather(part, what)
    if ranks.rank != 0:
        return None
    qnet = whole.quantized
    pops = qnet.populations
    full = Recorder(whole.probes, {name: q.size for name, q in pops.items()}, n_steps)
    counts = {name: np.zeros(q.size, dtype=np.int64) for name, q in pops.items()}
    spikes, saturations = {}, {}
    for p in parts:
        for name, (index, values) in p["counts"].items():
            counts[name][index] = values
        for name, (steps, index) in p["spikes"].items():
            spikes.setdefault(name, []).append((steps, index))
        for name, values in p["saturations"].items():
            saturations[name] = saturations.get(name, 0) + values
        for key, values in p["traces"].items():
            full.traces[key][:, p["positions"][key]] = values
    for name in full.spike_probes:
        steps = np.concatenate([s for s, _ in spikes.get(name, [])] or [np.zeros(0, np.int64)])
        index = np.concatenate([i for _, i in spikes.get(name, [])] or [np.zeros(0, np.int64)])
        order = np.lexsort((index, steps))  # the single process's order: by step, then neuron
        full.record_spikes(name, steps[order], index[order])
    per_step = merged["per_step"]
    neurons_per_core = whole.placement.neurons_per_core()
    energy, latency = energy_and_latency(
        whole.target, int(neurons_per_core.sum()), tiles_in_use(neurons_per_core, whole.target),
        synops=per_step[S_SYNOPS], active=per_step[S_ACTIVE], messages=per_step[S_MESSAGES], ew=per_step[S_EW],
        ns=per_step[S_NS], ic=per_step[S_IC], max_core_time_ns=merged["max_core_ns"],
        max_route_ns=merged["max_route_ns"], updates=per_step[S_UPDATES])
    labelled = {}
    for name in _whole_offsets(pops):  # the single process's population order
        if name not in saturations:
            continue
        for kind in np.flatnonzero(saturations[name]):
            model = pops[name].model
            label = ("dendritic input" if kind == 0 else "voltage outside the gate tables" if model == "HH"
                     else f"state {SOMAS[model].counted_saturation}")
            labelled.setdefault(name, {})[label] = int(saturations[name][kind])
    stats = RunStats(
        *(per_step[k][:, 0] for k in (S_SYNOPS, S_MESSAGES, S_EW, S_NS, S_IC, S_ACTIVE, S_SPIKES)),
        merged["synops_per_core"][:, 0], merged["active_per_core"][:, 0], neurons_per_core, energy[:, 0],
        latency[:, 0], labelled, per_step[S_UPDATES][:, 0], np.zeros(neurons_per_core.size, dtype=np.int64))
    return Result(backend="emu", dt=qnet.dt, n_steps=n_steps, counts=counts, recorder=full, stats=stats,
                  to_physical=qnet.physical_scales(full.trace_probes), weights={}, weight_traces={})
