"""Partitioned emulation: one program's chips (or groups of cores) spread over MPI ranks.

Partition (:func:`plan`): the placement's used chips, in chip order, are cut into K
contiguous groups of about equal neuron counts, one per rank; when the program uses fewer
chips than ranks, or whole chips would leave the ranks unbalanced (the busiest more than
:data:`IMBALANCE` times the mean), its used cores are cut instead (a named error when there
are fewer used cores than ranks). A neuron belongs to the rank of its core; host spike
sources count on rank 0.

What a rank holds: by default (:mod:`.local`) only its own neurons, the other ranks' neurons
as ghost spike sources and the synapses onto its own neurons. The fallback here (programs with
receptor elements, or ``by_neurons=False``: :func:`restrict`) keeps every population's neurons
on every rank but only the synapses onto the rank's own: each projection's CSR keeps every
presynaptic row, restricted to local postsynaptic neurons; neurons of other ranks are updated
too (their inputs are empty) but never observed: their spike flags are replaced by their
owners' every step. :func:`load_part` reads a ``.ncp`` one projection at a time and keeps only
the rank's part of it, so a rank never holds the whole program's synapses.

A step of the replicated mode (:func:`run_partitioned`): the compiled kernel runs the step's
``GATHER`` and ``SOMA`` sections; the ranks exchange the ids of the neurons that spiked on them
(one ``allgatherv`` of int64 ids per step); each rank writes the other ranks' spikes into its
flags and runs the step's ``ROUTE`` and ``CLOSE`` sections, delivering every spike of the step
into its own synapses. Route counters (messages, hops, latency) of a spike count on its
owner's rank only, each rank's busiest core time covers its own cores, and rank 0 merges the
per-step counters (sums; maxima for the busiest core and the longest route), the spike counts,
the probed spikes and traces (from the owning rank) and computes energy and latency from the
merged counters as a single process does. The integer sums into a dendrite do not depend on
the order of delivery, so every value is bit-identical to the single-process run.

Window: the default mode (:mod:`.local`) exchanges once per window of the smallest delay of a
synapse between ranks (:func:`.local.exchange_window`); the replicated mode here exchanges
every step, because it hands the other ranks' spikes to the kernel as the step's flags, which
only the step being run scans.

Not supported partitioned (a named error): plastic projections, NMDA gates, batches (batches
run data-parallel instead: :mod:`.batch`), strict runs and the step-by-step engine.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import DistributedError, unreadable_file
from .stepping import Exchange

#: Kernel sections, as in :mod:`neurocompile.emu.kernel` (imported lazily with it).
_FLAG_SPIKED = 1


class Partition(NamedTuple):
    """Which rank runs which core: ``rank_of_core`` (int64, one per core of the target, -1 for
    unused cores), the unit cut (``"chip"`` or ``"core"``) and the number of ranks."""

    rank_of_core: np.ndarray
    unit: str
    ranks: int


def plan(placement, ranks: int, owner: str = "MPI run") -> Partition:
    """Cut the placement's used chips into ``ranks`` contiguous groups of about equal neuron
    counts; when the program uses fewer chips than ranks, or whole chips cannot be shared out
    within :data:`IMBALANCE` of the mean, its used cores are cut instead (module docstring)."""
    used = placement.used_cores
    per_core = placement.neurons_per_core()[used].astype(np.float64)
    chips = np.unique(placement.chip[used]) if used.size else np.zeros(0, np.int64)
    if used.size < ranks:
        raise DistributedError(f"{owner}: {ranks} ranks exceed the {used.size} used cores on {chips.size} "
                               f"chip{'s' * (chips.size != 1)} of the program (one rank needs at least one "
                               f"core); run with at most {max(used.size, 1)} ranks")
    best = None
    for unit, unit_of_core in (("chip", np.searchsorted(chips, placement.chip[used])), ("core", np.arange(used.size))):
        if unit_of_core.max(initial=-1) + 1 < ranks:
            continue
        rank_of_unit = _cut(np.bincount(unit_of_core, weights=per_core), ranks)
        load = np.bincount(rank_of_unit[unit_of_core], weights=per_core, minlength=ranks)
        best = (unit, rank_of_unit[unit_of_core])
        if load.max() <= IMBALANCE * max(load.mean(), 1.0):
            break
    rank_of_core = np.full(placement.n_cores, -1, dtype=np.int64)
    rank_of_core[used] = best[1]
    return Partition(rank_of_core, best[0], ranks)


#: Whole chips go to ranks when the busiest rank holds at most this times the mean neurons.
IMBALANCE = 1.1


def _cut(weight: np.ndarray, ranks: int) -> np.ndarray:
    """Rank of each unit: contiguous groups of about equal ``weight``, none empty."""
    total = max(weight.sum(), 1.0)
    middle = np.cumsum(weight) - weight / 2
    rank_of_unit = np.minimum((middle * ranks / total).astype(np.int64), ranks - 1)
    if np.unique(rank_of_unit).size < ranks:  # a rank would be empty: cut by unit count
        rank_of_unit = np.arange(weight.size) * ranks // weight.size
    return rank_of_unit


def owners(placement, order: list, sizes: dict, partition: Partition) -> np.ndarray:
    """The rank of every neuron in layout order (``order``: population names; host sources 0)."""
    parts = []
    for name in order:
        core = np.asarray(placement.core_of[name], dtype=np.int64)
        parts.append(np.where(core >= 0, partition.rank_of_core[np.maximum(core, 0)], 0))
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _local_posts(placement, partition: Partition, rank: int) -> dict:
    """Population -> boolean mask of its neurons that rank ``rank`` owns."""
    return {name: (core >= 0) & (partition.rank_of_core[np.maximum(core, 0)] == rank)
            for name, core in ((n, np.asarray(c, dtype=np.int64)) for n, c in placement.core_of.items())}


def restrict_projection(qp, local_post: np.ndarray):
    """``qp`` with only the synapses onto postsynaptic neurons where ``local_post`` is True
    (every presynaptic row kept, in order)."""
    if qp.learning is not None or qp.gate is not None:
        kind = "plastic (STDP)" if qp.learning is not None else "NMDA-gated"
        raise DistributedError(f"MPI run: projection '{qp.name}' is {kind}; partitioned runs support neither "
                               f"(run it in one process)")
    post = np.asarray(qp.post_index)
    keep = local_post[post]
    indptr = np.asarray(qp.indptr, dtype=np.int64)
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    return dataclasses.replace(qp, indptr=kept_before[indptr], post_index=post[keep],
                               weight_mant=np.asarray(qp.weight_mant)[keep],
                               delay_steps=np.asarray(qp.delay_steps)[keep])


def restrict(program, partition: Partition, rank: int):
    """The part of ``program`` rank ``rank`` holds (module docstring), from an in-memory program."""
    local = _local_posts(program.placement, partition, rank)
    q = program.quantized
    projections = tuple(restrict_projection(qp, local[qp.post]) for qp in q.projections)
    return dataclasses.replace(program, quantized=dataclasses.replace(q, projections=projections))


def _open_program(path: Path):
    from ..program.archive import Archive, UnreadableProgramFileError

    unreadable = unreadable_file(path, "program file", UnreadableProgramFileError)
    if unreadable is not None:
        raise unreadable
    return Archive(path)


def _read_skeleton(archive, path: Path):
    """Everything of the program in ``archive`` but its projections: ``(manifest, projection
    nodes, size budget, target, Program keyword arguments)``."""
    from ..program.archive import ProgramFileError, size_budget
    from ..program.files import FORMAT_NAME, FORMAT_VERSION, _array_keys, _decode
    from ..target import Target

    tree = archive.manifest()
    if tree.get("format") != FORMAT_NAME or tree.get("version") != FORMAT_VERSION:
        raise ProgramFileError(f"'{path}' is not a neurocompile program of format version {FORMAT_VERSION} "
                               f"(format {tree.get('format')!r}, version {tree.get('version')!r})")
    budget = size_budget(tree, archive.on_disk)
    try:
        fields = tree["quantized"]["fields"]
        node = fields["projections"]
        items = node["__tuple__"] if isinstance(node, dict) else node
        fields["projections"] = {"__tuple__": []}
        arrays = archive.arrays(_array_keys(tree, path), budget)
        target = Target.from_dict(tree["target"], source=str(tree.get("target_source", path)))
        kwargs = {name: _decode(tree[name], arrays) for name in (
            "quantized", "placement", "routes", "usage", "sources", "probes", "info", "weight_probes")}
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ProgramFileError(f"'{path}' is malformed ({type(exc).__name__}: {exc})") from None
    return tree, items, budget, target, kwargs


def read_populations(path) -> dict:
    """The populations of the program in ``path`` (read without its synapses)."""
    path = Path(path)
    with _open_program(path) as archive:
        return _read_skeleton(archive, path)[4]["quantized"].populations


def load_part(path, ranks: int, rank: int, by_neurons: bool = True):
    """Read rank ``rank``'s part of the program in ``path`` (of ``ranks``), one projection at a
    time (each checked as the loader checks it, then cut to the rank's part before the next is
    read). Returns ``(part, partition, skeleton)``: the part is a
    :class:`~.local.LocalProgram` (only the rank's neurons, ghosts for the others') when
    ``by_neurons`` and the program allows it (:func:`~.local.supported`), else the whole
    program restricted to the synapses onto the rank's neurons (:func:`restrict`); the
    skeleton is the program without synapses (populations, placement, routes, probes)."""
    from ..program.archive import ProgramFileError
    from ..program.files import _array_keys, _decode
    from ..program.program import Program
    from ..program.validate import Checker, _projection, validate_program
    from . import local as local_mod

    path = Path(path)
    return_freed_memory()
    with _open_program(path) as archive:
        tree, items, budget, target, kwargs = _read_skeleton(archive, path)
        skeleton = Program(name=tree["name"], target=target, **kwargs)
        validate_program(skeleton, path)  # everything but the synapses
        partition = plan(skeleton.placement, ranks, f"MPI run of '{path}'")
        local = _local_posts(skeleton.placement, partition, rank)
        pops = skeleton.quantized.populations

        split = by_neurons and local_mod.supported(pops)

        def projections():  # one projection in memory at a time
            for k, item in enumerate(items):
                try:
                    qp = _decode(item, archive.arrays(_array_keys(item, path), budget))
                except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                    raise ProgramFileError(f"'{path}': projection {k} is malformed ({type(exc).__name__}: "
                                           f"{exc})") from None
                _projection(Checker(path), target, k, qp, pops)
                # split by neurons, localize keeps the synapses onto the rank's neurons itself
                yield qp if split else restrict_projection(qp, local[qp.post])

        if split:  # the rank's neurons, then only what merging needs of the whole, then synapses
            neurons = local_mod.localize_neurons(skeleton, partition, rank)
            skeleton = local_mod.thinned(skeleton)
            pops = skeleton.quantized.populations
            del kwargs
            return local_mod.localize_synapses(neurons, skeleton, projections()), partition, skeleton
        restricted = tuple(projections())
    program = dataclasses.replace(skeleton, quantized=dataclasses.replace(skeleton.quantized,
                                                                          projections=restricted))
    return program, partition, skeleton


#: glibc's ``mallopt`` parameter M_MMAP_THRESHOLD and the value set (bytes).
_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES = -3, 1 << 16


def return_freed_memory() -> None:
    """Make this process's allocator hand large freed blocks back to the system (glibc on
    Linux: allocations from :data:`MMAP_THRESHOLD_BYTES` up are mapped, not taken from the
    heap, where glibc's adaptive threshold would keep the freed projections of the loading
    loop resident, about 100 MiB on the 200k-neuron bench). Elsewhere it does nothing."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        pass


def _check_supported(program, inputs_batched: bool, strict: bool, engine: str) -> None:
    """Named errors for what partitioned runs do not support (``program`` None: only the options)."""
    owner = "MPI run" if program is None else f"MPI run of program '{program.name}'"
    if inputs_batched:
        raise DistributedError(f"{owner}: a batch runs data-parallel, not partitioned (internal dispatch error)")
    if strict or engine != "fast":
        raise DistributedError(f"{owner}: strict = {strict}, engine = {engine!r}: partitioned runs use the fast "
                               f"engine without strict checks (run strict in one process)")
    for qp in () if program is None else program.quantized.projections:
        if qp.learning is not None or qp.gate is not None:
            restrict_projection(qp, np.zeros(0, bool))  # raises the named error


def run_partitioned(ranks, program, partition: Partition, duration: float, inputs=None):
    """Run ``program`` (this rank's part, :func:`restrict` or :func:`load_part`) for
    ``duration`` ms with the other ranks; returns ``(Result, Exchange)`` on rank 0 (the Result
    identical to the single-process run) and ``(None, Exchange)`` elsewhere."""
    from ..chip.host import bias_value
    from ..emu import warmup
    from ..emu.kernel import CLOSE, GATHER, ROUTE, SOMA
    from ..emu.layout import HOST, ChipLayout
    from ..emu.run import _keep_traces, _results
    from ..emu.state import S_SPIKES, HostSpikes, RunState
    from ..ir.run_inputs import prepare_inputs
    from ..models import MODELS
    from ..quantize.currents import bias_registers
    from ..reference.simulator import steps_for
    from ..result import Recorder
    from .stepping import each_step, one_step_kernel

    qnet = program.quantized
    pops = qnet.populations
    n_steps = steps_for(duration, qnet.dt, owner="Program.run")
    run_inputs = prepare_inputs(
        f"Program '{program.name}'.run", inputs, n_steps, {name: q.size for name, q in pops.items()},
        {name for name, q in pops.items() if q.is_source}, {u.population for u in qnet.bias_updates},
        {name: MODELS[q.model].current_unit for name, q in pops.items() if not q.is_source})
    layout = ChipLayout(program)
    recorder = Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps)
    state = RunState(layout, 1, n_steps, recorder)
    _check_supported(program, run_inputs.batch is not None, False, "fast")

    rank = ranks.rank
    owner = owners(program.placement, layout.order, layout.size, partition)
    mine = owner == rank
    n_chip = layout.n_lif + layout.n_adex
    # Counted here: own neurons' routes; the other ranks' neurons never.
    layout.silence_routes(~mine)
    fabric = layout.fabric
    used = fabric.used_cores
    layout.fabric = fabric._replace(used_cores=np.ascontiguousarray(used[partition.rank_of_core[used] == rank]))
    state.recording.probed[~mine] = False
    keep_flags = np.where(mine[:n_chip], 0xFF, 0).astype(np.uint8)
    own_spike = np.where(mine[:n_chip], _FLAG_SPIKED, 0).astype(np.uint8)

    for name, current in run_inputs.currents.items():
        mant, exp = bias_registers(pops[name], current[0:1], program.target.precision,
                                   f"Program.run: input current into '{name}'")
        layout.set_bias(state.lif_bias, state.adex_bias, name, bias_value(mant, exp))
    streams = {name: (run_inputs.spikes[name][0:1] if name in run_inputs.spikes else
                      program.sources[name].iter_spikes(pops[name].size, n_steps, qnet.dt, qnet.seed, name))
               for name in layout.order if layout.bank[name] == HOST}
    warmup.finish()
    traces = state.trace_block(n_steps)
    flags = state.fired.flags
    foreign = np.zeros(n_steps, dtype=np.int64)  # spikes routed here but counted elsewhere
    sent = received = 0
    exchange_s = compute_s = 0.0
    call = one_step_kernel(layout, state)
    for step, row, host in each_step(layout, state, qnet.bias_updates, streams, n_steps):
        state.recording = state.recording._replace(traces=traces[step:])
        started = time.perf_counter()
        call(step, GATHER | SOMA, HostSpikes(host.ptr[row:], host.ids))
        chip_flags = flags[:n_chip]
        spiked = np.flatnonzero(chip_flags & own_spike)
        middle = time.perf_counter()
        everyone, counts = ranks.allgather_array(spiked.astype(np.int64), f"exchanging the spikes of step {step}")
        ended = time.perf_counter()
        np.bitwise_and(chip_flags, keep_flags, out=chip_flags)
        chip_flags[everyone] |= _FLAG_SPIKED  # own flags keep their other bits (input, saturation)
        host_here = int(host.ptr[row + 1] - host.ptr[row])
        foreign[step] = everyone.size - spiked.size + (host_here if rank != 0 else 0)
        while call(step, ROUTE | CLOSE, HostSpikes(host.ptr[row:], host.ids)) == step:  # the spike record is full
            state.grow_record()
        compute_s += (middle - started) + (time.perf_counter() - ended)
        exchange_s += ended - middle
        sent += spiked.size
        received += everyone.size - spiked.size
    counters = state.counters
    counters.per_step[S_SPIKES, :, 0] -= foreign
    exchange = Exchange(n_steps, sent, received, exchange_s, compute_s, n_steps, 1)
    return _merge(ranks, layout, state, recorder, traces, mine, n_steps, _keep_traces, _results), exchange


def _merge(ranks, layout, state, recorder, traces, mine, n_steps, keep_traces, results):
    """Rank 0: the merged Result (module docstring); other ranks: None."""
    what = "merging the counters on rank 0"
    recording, counters = state.recording, state.counters
    counts = np.where(mine, recording.counts, 0)
    from ..emu.state import ELEMENT_REGISTER

    # a trace's neuron: its id, or for a receptor element's register the element's owner
    traced = np.where(recording.trace_registers >= ELEMENT_REGISTER,
                      state.elements.owner[np.minimum(recording.trace_ids, state.elements.owner.size - 1)]
                      if state.elements.owner.size else 0, recording.trace_ids)
    trace_mine = mine[traced] if traced.size else np.zeros(0, bool)
    own_traces = np.where(trace_mine[None, :, None], traces, 0)
    merged = {}
    for key, array, op in (
            ("counts", counts, "sum"), ("traces", own_traces, "sum"), ("per_step", counters.per_step, "sum"),
            ("max_core_ns", counters.max_core_ns, "max"), ("max_route_ns", counters.max_route_ns, "max"),
            ("synops_per_core", counters.synops_per_core, "sum"),
            ("active_per_core", counters.active_per_core, "sum"), ("saturations", counters.saturations, "sum")):
        merged[key] = ranks.reduce_array(array, op, what)
    n = int(recording.n_recorded[0])
    steps, _ = ranks.allgather_array(recording.steps[:n], what)
    ids, _ = ranks.allgather_array(recording.ids[:n], what)
    if ranks.rank != 0:
        return None
    order = np.lexsort((ids, steps))  # the single process's order: by step, then neuron
    state.recording = recording._replace(counts=merged["counts"], steps=steps[order], ids=ids[order],
                                         n_recorded=np.array([steps.size], dtype=np.int64))
    state.counters = counters._replace(**{k: merged[k] for k in (
        "per_step", "max_core_ns", "max_route_ns", "synops_per_core", "active_per_core", "saturations")})
    keep_traces(state, [recorder], merged["traces"], 0, n_steps)
    return results(layout, state, [recorder], n_steps)[0]


def fingerprint_file(path) -> str:
    """A digest of the file at ``path`` (SHA-256 of its bytes, read in 16 MiB pieces)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for piece in iter(lambda: fh.read(1 << 24), b""):
                digest.update(piece)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    return digest.hexdigest()


def check_same(ranks, label: str, fingerprint: str, what: str) -> None:
    """A named error on every rank unless every rank has the same ``fingerprint``."""
    prints = ranks.allgather((label, fingerprint), f"comparing the {what} of the ranks")
    differ = [r for r, (_, f) in enumerate(prints) if f != prints[0][1]]
    if differ:
        r = differ[0]
        raise DistributedError(f"MPI run: rank {r} opened {what} {prints[r][0]} but rank 0 opened "
                               f"{prints[0][0]}; every rank must run the same program")


__all__ = ["Partition", "plan", "restrict", "load_part", "run_partitioned", "Exchange"]
