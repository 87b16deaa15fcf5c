"""Running a compiled program on the emulator: inputs, blocks of steps, batches, Results.

:func:`emulate` lays the program out once (:class:`~.layout.ChipLayout`), splits the samples
of a batch into chunks, and runs each chunk in blocks of steps: between blocks it applies the
bias updates due (:class:`~neurocompile.chip.host.BiasSchedule`), draws the host spikes and
grows the spike record when needed; within a block one engine steps: the compiled kernel
(:mod:`.kernel`, default) or the step-by-step engine (:mod:`.stepper`, also strict mode), which
runs the same compiled loop one step at a time around its own checked soma update. Both step
the same state, so everything around them exists once.
"""
from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import progress
from ..chip import SOMAS
from ..chip.costs import RunStats, energy_and_latency, tiles_in_use
from ..chip.host import BiasSchedule, bias_value
from ..errors import invalid
from ..ir.run_inputs import prepare_inputs
from ..memory import chip_estimate
from ..models import MODELS
from ..quantize.currents import bias_registers
from ..reference.simulator import steps_for
from ..resources import check_memory
from ..result import Recorder, Result
from .layout import HOST, ChipLayout
from .threads import numba_threads, requested_threads, step_threads
from .state import (S_ACTIVE, S_EW, S_IC, S_MESSAGES, S_NS, S_SPIKES, S_SYNOPS, S_UPDATES, HostSpikes,
                    RunState)

ENGINES = ("fast", "numpy")
#: Steps per engine call: bounds the memory of host spikes and traces held at once.
BLOCK_STEPS = 2048
#: Samples per chunk: bounds the memory of a large batch (state, rings, counters).
BATCH_CHUNK = 64
#: While progress is reported (:func:`neurocompile.progress.listening`), a block is run in
#: calls of about this many seconds each, the steps done reported between them; otherwise
#: in one call. The split does not change any result (the kernel resumes at any step).
REPORT_EVERY_S = 0.2
#: The first call of a reported block runs this many steps (then sized from its speed).
FIRST_REPORTED_STEPS = 16


def emulate(program, duration: float, strict: bool = False, *, inputs=None, engine: str = "fast",
            threads: int | None = None):
    """Run ``program`` for ``duration`` ms on the emulated chip; returns a :class:`Result`.

    ``inputs``: per-run inputs (see :mod:`neurocompile.ir.run_inputs`); with a leading batch axis
    the result is a list of one :class:`Result` per sample, each identical to a separate run
    with that sample's inputs. ``engine``: ``"fast"`` (default; the compiled kernel, many steps
    per call) or ``"numpy"`` (the step-by-step engine). Both give identical spikes, traces and
    counters. ``strict=True`` raises :class:`~neurocompile.chip.ChipOverflowError` naming the
    neuron and step on any register wrap or saturation instead of wrapping or saturating
    silently; strict runs use the step-by-step engine, which checks every step.

    ``threads``: how many threads the run uses (default ``$NEUROCOMPILE_THREADS``, else the
    machine's cores; :mod:`.threads`). The samples of a batch run together, in chunks of at
    most :data:`BATCH_CHUNK`; a batch is split into at least ``threads`` chunks that run in
    parallel threads: the kernel releases the GIL, and samples are independent, so the results
    do not depend on the split. A run of one chunk (a single sample, a small batch) steps on
    one thread unless a thread count is given; then it shares each step's LIF pass and spike
    delivery among that many threads (:mod:`.threaded`; measured gains in :mod:`.threads`).
    Spikes, traces and counters are identical whatever the thread count. Raises :class:`~neurocompile.errors.NetworkError` for a ``threads`` that
    is not a whole number >= 1.
    """
    if engine not in ENGINES:
        raise invalid("emulate", "engine", engine, f"must be one of {', '.join(ENGINES)}")
    requested = requested_threads(threads, f"Program '{program.name}'.run")
    n_steps = steps_for(duration, program.quantized.dt, owner="Program.run")
    pops = program.quantized.populations
    run_inputs = prepare_inputs(
        f"Program '{program.name}'.run", inputs, n_steps, {name: q.size for name, q in pops.items()},
        {name for name, q in pops.items() if q.is_source}, {u.population for u in program.quantized.bias_updates},
        {name: MODELS[q.model].current_unit for name, q in pops.items() if not q.is_source})
    stepwise = engine == "numpy" or strict
    samples = run_inputs.samples
    threads, size, stepping = _chunking(samples, requested, stepwise)
    # before the layout, the state or any recording is allocated
    check_memory(f"Program '{program.name}'.run",
                 chip_estimate(program, duration, samples, partial_rings=(stepping - 1) * samples))  # stepping > 1: one chunk of every sample
    layout = ChipLayout(program)
    if layout.n_plastic and run_inputs.batch is not None:
        raise invalid(f"Program '{program.name}'.run", "inputs", f"a batch of {run_inputs.samples} samples",
                      f"cannot run plastic projections ({', '.join(layout.plastic_names)}): each sample would learn "
                      "its own weights; run the samples one at a time, or freeze the learned weights first "
                      "(Program.with_weights)")
    with progress.stage("chip run" + (f", {samples} samples" if samples > 1 else ""), total=n_steps * samples,
                        unit="steps") as task:
        runs = [_run_chunk(layout, n_steps, run_inputs, range(first, min(first + size, samples)), stepwise, strict,
                           task if progress.listening() else None, stepping)
                for first in range(0, samples, size)]
        return _step_runs(runs, threads, stepwise, run_inputs.batch is not None)


def _chunking(samples: int, requested: int | None, stepwise: bool) -> tuple[int, int, int]:
    """``(threads, size, stepping)``: the Python threads that run chunks, the samples per chunk
    and the threads that share each step of a chunk (numba's). Several chunks run in parallel
    threads, each stepped by one thread; a single chunk is stepped by several (:mod:`.threads`)."""
    threads = max(1, min(requested or os.cpu_count() or 1, samples))
    size = min(BATCH_CHUNK, -(-samples // threads))
    stepping = 1 if stepwise or size < samples else step_threads(requested)
    return threads, size, stepping


def _step_runs(runs: list, threads: int, stepwise: bool, batched: bool):
    """Drive the chunks' generators (:func:`_run_chunk`) through their three phases."""
    # Each run is a generator in three phases (set up; step; build the Results). Only the
    # stepping, nearly all of it in the GIL-free kernel, runs in threads: Python phases in
    # parallel threads would only queue for the GIL.
    for run in runs:
        next(run)
    if threads > 1 and len(runs) > 1 and not stepwise:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(next, runs))
    else:
        for run in runs:
            next(run)
    results = [result for run in runs for result in next(run)]
    return results if batched else results[0]


def _run_chunk(layout: ChipLayout, n_steps: int, run_inputs, samples: range, stepwise: bool, strict: bool,
               task=None, stepping: int = 1):
    """Run ``samples`` together; a generator: set up, yield; step, yield; yield the Results.

    ``task``: a :func:`neurocompile.progress.stage` advanced by steps x samples between
    kernel calls of about :data:`REPORT_EVERY_S`, or None (each block in one call).
    ``stepping``: threads that share each step (the kernel's threaded variant when > 1)."""
    program = layout.program
    qnet = program.quantized
    pops = qnet.populations
    batch = len(samples)
    recorders = [Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps) for _ in samples]
    state = RunState(layout, batch, n_steps, recorders[0], threads=stepping)
    for name, current in run_inputs.currents.items():  # constant input currents: bias registers
        mant, exp = bias_registers(pops[name], current[samples.start:samples.stop], program.target.precision,
                                   f"Program.run: input current into '{name}' "
                                   f"(samples {samples.start}..{samples.stop - 1})")
        layout.set_bias(state.lif_bias, state.adex_bias, name, bias_value(mant, exp))
    rasters = {name: raster[samples.start:samples.stop] for name, raster in run_inputs.spikes.items()}
    streams = {name: (rasters[name] if name in rasters else
                      program.sources[name].iter_spikes(pops[name].size, n_steps, qnet.dt, qnet.seed, name))
               for name in layout.order if layout.bank[name] == HOST}
    schedule = BiasSchedule(qnet.bias_updates)
    from . import warmup
    from .kernel import ALL, kernel_for
    warmup.finish()  # a helper compiling the kernel fills the cache: load it from there
    kernel = kernel_for(layout, threaded=stepping > 1)
    if stepwise:
        from .stepper import Stepper
        advance = Stepper(layout, state, strict, kernel).run
    else:
        def advance(first, stop, host):
            return kernel(first, stop, ALL, state.dimensions, layout.registers, layout.lif, layout.adex,
                          state.synapses, layout.fabric, state.lif, state.adex, state.dendrites, host,
                          state.fired, state.recording, state.counters, state.elements, state.short_term, state.gates,
                          state.learning)

    pace = None if task is None else _Pace()
    yield  # set up
    with numba_threads(stepping) if stepping > 1 else contextlib.nullcontext():
        _step_chunk(layout, state, recorders, n_steps, schedule, streams, batch, advance, pace, task)
    yield  # stepped
    yield _results(layout, state, recorders, n_steps)


def _step_chunk(layout, state, recorders, n_steps, schedule, streams, batch, advance, pace, task) -> None:
    """Step a chunk through its blocks of steps (see :func:`_run_chunk`)."""
    step = 0
    while step < n_steps:
        for update in schedule.at(step):
            layout.set_bias(state.lif_bias, state.adex_bias, update.population,
                            bias_value(update.bias_mant, update.bias_exp))
        stop = min(n_steps, step + BLOCK_STEPS)
        change = schedule.next_change(step)
        if change is not None:
            stop = min(stop, change)
        host = _host_block(layout, streams, step, stop, batch)
        traces = state.trace_block(stop - step)
        first = step
        while step < stop:
            until = stop if pace is None else min(stop, step + pace.steps)
            started = time.perf_counter()
            reached = advance(step, until, HostSpikes(host.ptr[step - first:], host.ids))
            if pace is not None:
                pace.ran(reached - step, time.perf_counter() - started)
                task.advance((reached - step) * batch)
            if reached < until:  # the spike record is full: grow it and go on
                state.grow_record()
            step = reached
            # the kernel writes traces from the step it starts at
            state.recording = state.recording._replace(traces=traces[step - first:])
        _keep_traces(state, recorders, traces, first, stop)


class _Pace:
    """How many steps the next kernel call runs so that it takes about :data:`REPORT_EVERY_S`."""

    def __init__(self):
        self.steps = FIRST_REPORTED_STEPS

    def ran(self, steps: int, seconds: float) -> None:
        if steps > 0:
            per_step = max(seconds, 1e-6) / steps
            self.steps = int(min(max(1, REPORT_EVERY_S / per_step), 4 * self.steps + 1))


def _keep_traces(state: RunState, recorders: list, traces: np.ndarray, first: int, stop: int) -> None:
    start = 0
    for key in state.trace_keys:
        width = recorders[0].trace_probes[key].size
        for column, recorder in enumerate(recorders):
            recorder.traces[key][first:stop] = traces[:, start:start + width, column]
        start += width


def _host_block(layout: ChipLayout, streams: dict, first: int, stop: int, batch: int) -> HostSpikes:
    """Host spikes of steps ``first..stop-1`` (flat ids ``g * B + b``).

    ``streams``: per host population, a boolean raster (B, n_steps, size) given as run input
    (converted in one vectorised pass) or the source's iterator of per-step spike indices
    (the same spikes for every sample). Within a step, spikes are ordered by population, then
    sample, then index.
    """
    n = stop - first
    steps, ids = [], []
    for name, stream in streams.items():
        if isinstance(stream, np.ndarray):
            sample, step, index = np.nonzero(stream[:, first:stop])
        else:
            per_step = [np.asarray(next(stream), dtype=np.int64) for _ in range(n)]
            step = np.repeat(np.arange(n), [p.size for p in per_step])
            index = np.concatenate(per_step) if per_step else np.zeros(0, dtype=np.int64)
            sample = np.tile(np.arange(batch), index.size)  # every sample gets the source's spikes
            step, index = np.repeat(step, batch), np.repeat(index, batch)
        steps.append(step)
        ids.append((index.astype(np.int64) + layout.offset[name]) * batch + sample)
    if not streams:
        return HostSpikes(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    step, ids = np.concatenate(steps), np.concatenate(ids)
    order = np.argsort(step, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(step, minlength=n), out=ptr[1:])
    return HostSpikes(ptr, ids[order])


def _results(layout: ChipLayout, state: RunState, recorders: list, n_steps: int) -> list:
    """One Result per sample of the chunk."""
    program = layout.program
    qnet = program.quantized
    batch = state.batch
    recording, counters = state.recording, state.counters
    n = int(recording.n_recorded[0])
    ids, sample_of = np.divmod(recording.ids[:n], batch)
    # Per sample, in recording order (16-bit keys: numpy's stable sort is then a radix sort).
    order = np.argsort(sample_of.astype(np.int16 if batch < 1 << 15 else np.int64), kind="stable")
    bounds = np.searchsorted(sample_of[order], np.arange(batch + 1))
    counts = recording.counts.reshape(layout.n_total, batch)
    to_physical = qnet.physical_scales(recorders[0].trace_probes)
    per_step = counters.per_step  # (counter, steps, B)
    neurons_per_core = layout.fabric.neurons_per_core
    energy, latency = energy_and_latency(  # for all samples at once
        program.target, int(neurons_per_core.sum()), tiles_in_use(neurons_per_core, program.target),
        synops=per_step[S_SYNOPS], active=per_step[S_ACTIVE], messages=per_step[S_MESSAGES], ew=per_step[S_EW],
        ns=per_step[S_NS], ic=per_step[S_IC], max_core_time_ns=counters.max_core_ns,
        max_route_ns=counters.max_route_ns, updates=per_step[S_UPDATES])
    results = []
    for column, recorder in enumerate(recorders):
        mine = order[bounds[column]:bounds[column + 1]]
        _fill_spikes(recorder, layout, recording.steps[mine], ids[mine])
        per_pop = {name: counts[layout.offset[name]:layout.offset[name] + layout.size[name], column].copy()
                   for name in qnet.populations}
        stats = RunStats(
            *(per_step[k][:, column] for k in (S_SYNOPS, S_MESSAGES, S_EW, S_NS, S_IC, S_ACTIVE, S_SPIKES)),
            counters.synops_per_core[:, column], counters.active_per_core[:, column], neurons_per_core,
            energy[:, column], latency[:, column],
            _saturation_counts(layout, counters.saturations[:, :, column]), per_step[S_UPDATES][:, column],
            counters.updates_per_core[:, column])
        results.append(Result(backend="emu", dt=qnet.dt, n_steps=n_steps, counts=per_pop, recorder=recorder,
                              stats=stats, to_physical=to_physical, weights=learned_weights(layout, state.learning),
                              weight_traces=_weight_traces(layout, state.learning)))
    return results


def learned_weights(layout: ChipLayout, learning) -> dict:
    """Plastic projection name -> its weights at the end of the run (csr, the network's weight
    unit: each register times the projection's weight step)."""
    out = {}
    if not layout.plastic_span:
        return out
    import scipy.sparse as sp

    projections = {qp.name: qp for qp in layout.program.quantized.projections}
    for name, (first, stop) in layout.plastic_span.items():
        qp = projections[name]
        step = qp.report["stdp"]["weight_step"]
        shape = (layout.size[qp.pre], layout.size[qp.post])
        out[name] = sp.csr_matrix((learning.weight[first:stop] * step, qp.post_index, qp.indptr), shape=shape)
    return out


def _weight_traces(layout: ChipLayout, learning) -> dict:
    """Projection name -> (probed synapses, their weights per step in the weight unit)."""
    out, start = {}, 0
    projections = {qp.name: qp for qp in layout.program.quantized.projections}
    for name, synapses in layout.program.weight_probes.items():
        record = learning.probe_record[:, start:start + synapses.size]
        out[name] = (np.asarray(synapses), record * projections[name].report["stdp"]["weight_step"])
        start += synapses.size
    return out


def _saturation_counts(layout: ChipLayout, saturations: np.ndarray) -> dict:
    """Population -> register -> events of one sample's ``saturations[population, kind]``,
    populations and registers with none left out: ``"dendritic input"`` (its summed input was
    clipped into the input register), ``"state v"`` (the soma's counted register sat at its
    limit) or, for HH, ``"voltage outside the gate tables"``; one event per neuron and step."""
    counts: dict = {}
    for k, kind in zip(*np.nonzero(saturations)):  # only chip neurons (never host sources) saturate
        name = layout.order[k]
        model = layout.program.quantized.populations[name].model
        if kind == 0:
            label = "dendritic input"
        elif model == "HH":  # its counted state saturation is a step outside the gate tables
            label = "voltage outside the gate tables"
        else:
            label = f"state {SOMAS[model].counted_saturation}"
        counts.setdefault(name, {})[label] = int(saturations[k, kind])
    return counts


def _fill_spikes(recorder: Recorder, layout: ChipLayout, steps: np.ndarray, ids: np.ndarray) -> None:
    """Hand the recorded (step, global id) pairs to the recorder, per population."""
    for name in recorder.spike_probes:
        start = layout.offset[name]
        keep = (ids >= start) & (ids < start + layout.size[name])
        if keep.any():
            recorder.record_spikes(name, steps[keep], ids[keep] - start)
