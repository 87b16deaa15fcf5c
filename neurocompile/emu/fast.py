"""The fast emulator path: a compiled program laid out as flat arrays, run by :mod:`.kernel`.

:class:`FlatChip` is built once per program (and shared by all samples of a batch): neuron
parameters and state in global order (LIF/LI, AdEx, host inputs), the routes and cores of
every neuron, and the synapses of all projections as one CSR (a projection's own arrays when
there is only one; otherwise concatenated once per run: flat arrays load in a few
milliseconds, where numba's typed lists of per-projection arrays cost about a second of
run-time compilation in every process). :func:`emulate_fast` runs it
in blocks of steps; between blocks it applies bias updates, draws host spikes and grows the
spike record when needed. Results, counters and traces are those of
:func:`neurocompile.emu.engine.emulate_numpy`, bit for bit (tests/test_performance_paths.py).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..result import Recorder, Result
from .arith import SomaFormat, scale_by_exponent
from .counters import RunStats, energy_and_latency, tiles_in_use
from .results import physical_scales
from .kernel import (
    C_BATCH, C_DECAY_BITS, C_DENDRITE_HIGH, C_DENDRITE_LOW, C_HALF, C_LIMIT, C_N_ADEX, C_N_CORES, C_N_HOST,
    C_N_LIF, C_N_PROJECTIONS, C_RING_LENGTH, C_SHIFT, CONFIG_SIZE, P_EXPONENT, P_GROUPS,
    P_INDPTR_OFFSET, P_POST_OFFSET, P_UNIFORM_DELAY, P_POST_SIZE, P_PRE_OFFSET, P_PRE_SIZE, P_RING_LENGTH, P_RING_OFFSET,
    PROJ_COLUMNS, S_ACTIVE, S_EW, S_IC, S_MESSAGES, S_NS, S_SPIKES, S_SYNOPS, SAT_ADEX_DENDRITE,
    SAT_ADEX_STATE, SAT_LIF_DENDRITE, SAT_LIF_STATE, STEP_COUNTERS, TRACE_ADEX_I, TRACE_ADEX_W,
    TRACE_ADEX_X, TRACE_LIF_U, TRACE_LIF_V, run_steps_adex, run_steps_lif,
)
from .layout import concat_dataclasses, lif_params

#: Steps per kernel call: bounds the memory of host spikes and traces held at once.
BLOCK_STEPS = 2048

_TRACE_CODES = {("LIF", "v"): TRACE_LIF_V, ("LIF", "I_syn"): TRACE_LIF_U,
                ("AdEx", "v"): TRACE_ADEX_X, ("AdEx", "w"): TRACE_ADEX_W,
                ("AdEx", "I_syn"): TRACE_ADEX_I}


def _kind(model: str) -> str:
    return "host" if model == "source" else ("AdEx" if model == "AdEx" else "LIF")


def _array(value, dtype) -> np.ndarray:
    """Contiguous writable array of ``dtype`` (no copy when it already is one)."""
    array = np.asarray(value, dtype=dtype)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = np.array(array, dtype=dtype, order="C")
    return array


def _narrow(values, dtype, what: str) -> np.ndarray:
    """``values`` in a narrower integer dtype; they must fit (24-bit registers fit int32)."""
    values = np.asarray(values)
    info = np.iinfo(dtype)
    if values.size and (values.min() < info.min or values.max() > info.max):
        from ..errors import BuildError
        raise BuildError(f"emulator: {what} has values outside {np.dtype(dtype).name} "
                         f"({int(values.min())}..{int(values.max())})")
    return values.astype(dtype)


def _core_runs(projections, core_of, post_offsets):
    """Synapses per (row, core) of every projection, for counting synaptic ops per spike.

    Returns ``(run_ptr, run_core, run_count)``: row ``k`` of the joined CSR (the same position
    as in ``syn_indptr``) delivers ``run_count[q]`` synapses to core ``run_core[q]`` for ``q``
    in ``run_ptr[k]:run_ptr[k + 1]``. A run is a stretch of one row's synapses on one core
    (with placements that keep populations in index order, one run per destination core), so
    the kernel adds a few counts per spike instead of touching a counter per synapse.
    """
    ptrs, cores, counts, total = [], [], [], 0
    for qp, post_offset in zip(projections, post_offsets):
        local_ptr = np.asarray(qp.indptr, dtype=np.int64)
        target_core = core_of[post_offset + np.asarray(qp.post_index, dtype=np.int64)]
        starts = np.zeros(target_core.size, dtype=bool)
        starts[local_ptr[:-1][np.diff(local_ptr) > 0]] = True
        if target_core.size:
            starts[1:] |= target_core[1:] != target_core[:-1]
        first = np.flatnonzero(starts)
        ptrs.append(np.searchsorted(first, local_ptr) + total)
        cores.append(target_core[first].astype(np.int64))
        counts.append(np.diff(np.append(first, target_core.size)))
        total += first.size
    return (_joined(ptrs, np.int64), _joined(cores, np.int64), _joined(counts, np.int64))


def _ring_dtype(projections, post_offsets, n_neurons: int):
    """int32 when no neuron's dendritic input in one step can leave the int32 range, else int64.

    A presynaptic neuron spikes at most once per step, so a ring slot receives each synapse at
    most once: the sum of ``|mantissa| << exponent`` over a neuron's incoming synapses bounds
    its slot (negative exponents shift that sum right). Half the memory of int64 makes the
    step loop of large networks faster; where the bound is too large the ring stays int64.
    """
    bound = np.zeros(max(n_neurons, 1))
    for qp, offset in zip(projections, post_offsets):
        weight = np.abs(np.asarray(qp.weight_mant, dtype=np.float64)) * 2.0 ** qp.weight_exp
        size = qp.post_index.size and int(qp.post_index.max()) + 1
        bound[offset:offset + size] += np.bincount(qp.post_index, weights=weight, minlength=size)
    return np.int32 if bound.max() < 2**31 - 1 else np.int64


def _joined(parts: list, dtype) -> np.ndarray:
    """``parts`` as one array (the part itself, not a copy, when there is just one)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(1, dtype=dtype)


def parameter_sets(packed: np.ndarray, bias_column: int | None = None):
    """Distinct parameter rows (int64, (k, columns)) and each neuron's row index (int32).

    ``bias_column`` is zeroed first: the bias lives in its own per-neuron array because bias
    updates and run inputs change it.
    """
    packed = np.array(packed, dtype=np.int64)
    if bias_column is not None:
        packed[:, bias_column] = 0
    if packed.shape[0] == 0:
        return np.zeros((1, packed.shape[1]), dtype=np.int64), np.zeros(0, dtype=np.int32)
    if (packed == packed[0]).all():
        return np.ascontiguousarray(packed[:1]), np.zeros(packed.shape[0], dtype=np.int32)
    sets, index = np.unique(packed, axis=0, return_inverse=True)
    return np.ascontiguousarray(sets), index.reshape(-1).astype(np.int32)


class FlatChip:
    """A program in the fast emulator's memory layout (immutable parts; state lives in runs)."""

    def __init__(self, program):
        qnet = program.quantized
        pops = qnet.populations
        self.program = program
        self.fmt = fmt = SomaFormat.from_precision(program.target.precision)
        names = {kind: [n for n, q in pops.items() if _kind(q.model) == kind] for kind in ("LIF", "AdEx", "host")}
        self.order = names["LIF"] + names["AdEx"] + names["host"]
        self.offset, offset = {}, 0
        for name in self.order:
            self.offset[name] = offset
            offset += pops[name].size
        self.size = {name: pops[name].size for name in self.order}
        self.kind = {name: _kind(pops[name].model) for name in self.order}
        self.n_lif = sum(pops[n].size for n in names["LIF"])
        self.n_adex = sum(pops[n].size for n in names["AdEx"])
        self.n_total = offset
        self.pop_index = {name: k for k, name in enumerate(self.order)}
        self.pop_of = np.repeat(np.arange(len(self.order), dtype=np.int32),
                                [pops[n].size for n in self.order])

        # Somas: parameters (packed rows, as the scalar functions of arith read them) and state.
        if names["LIF"]:
            lif = concat_dataclasses([lif_params(pops[n]) for n in names["LIF"]])
            lif.check(fmt, owner=f"LIF bank ({', '.join(names['LIF'])})")
            self.lif_sets, lif_set_of = parameter_sets(lif.packed, bias_column=3)
            # Runs of consecutive neurons with one parameter set (a population with scalar
            # parameters is one run): the kernel updates each run with hoisted parameters.
            change = np.flatnonzero(np.diff(lif_set_of)) + 1
            self.lif_segments = np.concatenate([[0], change, [lif_set_of.size]]).astype(np.int64)
            self.lif_segment_set = lif_set_of[self.lif_segments[:-1]].astype(np.int64)
            self.lif_bias0 = _narrow(lif.bias, np.int32, "LIF bias")
        else:
            self.lif_sets = np.zeros((1, 8), np.int64)
            self.lif_segments, self.lif_segment_set = np.zeros(1, np.int64), np.zeros(0, np.int64)
            self.lif_bias0 = np.zeros(0, dtype=np.int32)
        if names["AdEx"]:
            quantized = [pops[n].params["adex"] for n in names["AdEx"]]
            adex = concat_dataclasses([q.params for q in quantized])
            self.adex_sets, self.adex_set_of = parameter_sets(adex.packed)
            self.adex_bias0 = _narrow(adex.bias, np.int32, "AdEx bias")
            self.exp_values = _array(quantized[0].table.values, np.int64)
        else:
            self.adex_sets, self.adex_set_of = np.zeros((1, 21), np.int64), np.zeros(0, np.int32)
            self.adex_bias0 = np.zeros(0, dtype=np.int32)
            self.exp_values = np.zeros(2, dtype=np.int64)

        def state(members, key):
            parts = [np.asarray(pops[n].state[key], dtype=np.int64) for n in members]
            return _narrow(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64), np.int32,
                           f"initial {key}")

        self.initial = {"u": state(names["LIF"], "u"), "v": state(names["LIF"], "v"),
                        "x": state(names["AdEx"], "x"), "w": state(names["AdEx"], "w"),
                        "i_syn": state(names["AdEx"], "i_syn")}

        # Cores and routes of every neuron (host inputs leave from core 0).
        placement, routes = program.placement, program.routes
        self.core_of = _array(np.concatenate([np.maximum(placement.core_of[n], 0) for n in self.order]),
                              np.int32)
        self.neurons_per_core = placement.neurons_per_core()
        self.used_cores = np.flatnonzero(self.neurons_per_core > 0).astype(np.int64)
        self.n_cores = placement.n_cores

        def route(field, dtype):
            return _array(np.concatenate([np.asarray(getattr(routes[n], field)) for n in self.order]), dtype)

        self.messages = route("messages", np.int64)
        self.east_west = route("east_west", np.int64)
        self.north_south = route("north_south", np.int64)
        self.inter_chip = route("inter_chip", np.int64)
        self.max_latency = route("max_latency_ns", np.float64)
        self._build_projections(qnet)

    def _build_projections(self, qnet):
        projections = list(qnet.projections)
        n = len(projections)
        self.proj = np.zeros((max(n, 1), PROJ_COLUMNS), dtype=np.int64)
        max_delay = max([int(qp.delay_steps.max(initial=1)) for qp in projections] + [1])
        self.proj_delay_group = np.zeros((max(n, 1), max_delay + 1), dtype=np.int64)
        shared_delay, neg_size = 1, 0
        indptr, post, mant, delay = [], [], [], []
        indptr_offset = synapse_offset = 0
        for k, qp in enumerate(projections):
            row = self.proj[k]
            row[P_PRE_OFFSET], row[P_PRE_SIZE] = self.offset[qp.pre], self.size[qp.pre]
            row[P_POST_OFFSET], row[P_POST_SIZE] = self.offset[qp.post], self.size[qp.post]
            row[P_EXPONENT] = qp.weight_exp
            row[P_INDPTR_OFFSET] = indptr_offset
            longest = int(qp.delay_steps.max(initial=1))
            if int(qp.delay_steps.min(initial=longest)) == longest:
                row[P_UNIFORM_DELAY] = longest
            if qp.weight_exp >= 0:
                shared_delay = max(shared_delay, longest)
            else:
                delays = np.unique(qp.delay_steps)
                self.proj_delay_group[k, delays] = np.arange(delays.size)
                row[P_GROUPS] = max(delays.size, 1)
                row[P_RING_LENGTH] = longest + 1
                row[P_RING_OFFSET] = neg_size
                neg_size += row[P_RING_LENGTH] * row[P_GROUPS] * row[P_POST_SIZE]
            # Row pointers become positions in the concatenated synapse arrays.
            indptr.append(np.asarray(qp.indptr, dtype=np.int64) + synapse_offset)
            post.append(_array(qp.post_index, np.int32))
            mant.append(_array(qp.weight_mant, np.int16))
            delay.append(_array(qp.delay_steps, np.int16))
            indptr_offset += indptr[-1].size
            synapse_offset += post[-1].size
        self.syn_indptr = _joined(indptr, np.int64)
        runs = self.program._derived.get("synop_runs")
        if runs is None:  # depends only on the program: built by its first run
            runs = _core_runs(projections, self.core_of, [self.offset[qp.post] for qp in projections])
            self.program._derived["synop_runs"] = runs
        self.run_ptr, self.run_core, self.run_count = runs
        self.ring_dtype = self.program._derived.get("ring_dtype")
        if self.ring_dtype is None:
            self.ring_dtype = self.program._derived["ring_dtype"] = _ring_dtype(
                projections, [self.offset[qp.post] for qp in projections], self.n_lif + self.n_adex)
        self.syn_post, self.syn_mant = _joined(post, np.int32), _joined(mant, np.int16)
        self.syn_delay = _joined(delay, np.int16)
        self.n_projections = n
        self.ring_length = shared_delay + 1
        self.neg_ring_size = neg_size
        outgoing = [[] for _ in self.order]
        for k, qp in enumerate(projections):
            outgoing[self.pop_index[qp.pre]].append(k)
        self.out_ptr = np.zeros(len(self.order) + 1, dtype=np.int64)
        np.cumsum([len(o) for o in outgoing], out=self.out_ptr[1:])
        self.out_proj = np.array([k for o in outgoing for k in o] or [0], dtype=np.int64)

    def config(self, batch: int = 1) -> np.ndarray:
        fmt = self.fmt
        config = np.zeros(CONFIG_SIZE, dtype=np.int64)
        low, high = fmt.dendrite_range
        config[[C_N_LIF, C_N_ADEX, C_N_HOST, C_RING_LENGTH, C_DECAY_BITS, C_SHIFT, C_HALF, C_LIMIT,
                C_DENDRITE_LOW, C_DENDRITE_HIGH, C_N_PROJECTIONS, C_N_CORES]] = [
            self.n_lif, self.n_adex, self.n_total - self.n_lif - self.n_adex, self.ring_length,
            fmt.decay_bits, fmt.alignment_shift_bits, fmt.state_half, fmt.saturation_limit, low, high,
            self.n_projections, self.n_cores]
        config[C_BATCH] = batch
        return config

    def set_bias(self, bias_lif, bias_adex, population: str, mant, exp) -> None:
        """Write a population's bias registers into the run's bias arrays (neurons, B).

        ``mant``/``exp``: (size,) for every sample alike, or (B, size) one row per sample.
        """
        start = self.offset[population]
        value = _narrow(scale_by_exponent(np.asarray(mant, dtype=np.int64), np.asarray(exp, dtype=np.int64)),
                        np.int32, f"bias of '{population}'")
        value = value.T if value.ndim == 2 else value[:, None]
        if self.kind[population] == "LIF":
            bias_lif[start:start + self.size[population]] = value
        else:
            start -= self.n_lif
            bias_adex[start:start + self.size[population]] = value


#: Samples per kernel call: bounds the memory of a large batch (state, rings, counters).
BATCH_CHUNK = 64


def emulate_fast(program, duration_steps: int, run_inputs, chip: FlatChip | None = None,
                 threads: int | None = None) -> list:
    """Run every sample of ``run_inputs`` (:class:`~.inputs.RunInputs`); returns a list of Results.

    The samples run together, in chunks of at most ``BATCH_CHUNK``, one kernel pass per block
    of steps per chunk. A batch is split into at least ``threads`` chunks (default: the
    machine's cores) that run in parallel threads: the kernel releases the GIL, and samples
    are independent, so the results do not depend on the split.
    """
    chip = FlatChip(program) if chip is None else chip
    samples = run_inputs.samples
    threads = max(1, min(threads or os.cpu_count() or 1, samples))
    size = min(BATCH_CHUNK, -(-samples // threads))
    runs = [_run_batch(chip, duration_steps, run_inputs, range(first, min(first + size, samples)))
            for first in range(0, samples, size)]
    # Each run is a generator in three phases (set up; step; build the Results). Only the
    # stepping, nearly all of it in the GIL-free kernel, runs in threads: Python phases in
    # parallel threads would only queue for the GIL.
    for run in runs:
        next(run)
    if threads > 1 and len(runs) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(next, runs))
    else:
        for run in runs:
            next(run)
    return [result for run in runs for result in next(run)]


def _run_batch(chip: FlatChip, n_steps: int, run_inputs, samples: range):
    """Run ``samples`` together; a generator: set up, yield; step, yield; yield the Results."""
    program = chip.program
    qnet = program.quantized
    pops = qnet.populations
    batch = len(samples)

    def per_sample(initial, dtype=None):  # neuron-major, sample innermost (kernel.py)
        return np.repeat(np.asarray(initial, dtype=dtype), batch)

    u, v = per_sample(chip.initial["u"]), per_sample(chip.initial["v"])
    x, w, i_syn = per_sample(chip.initial["x"]), per_sample(chip.initial["w"]), per_sample(chip.initial["i_syn"])
    lif_refractory = np.zeros(chip.n_lif * batch, dtype=np.int16)
    flags = np.zeros(-(-chip.n_lif * batch // 8) * 8, dtype=np.uint8)  # whole 8-byte words
    adex_refractory = np.zeros(chip.n_adex * batch, dtype=np.int16)
    bias_lif = per_sample(chip.lif_bias0).reshape(chip.n_lif, batch)
    bias_adex = per_sample(chip.adex_bias0).reshape(chip.n_adex, batch)
    for name, (mant, exp) in run_inputs.sample_biases(program, samples).items():
        chip.set_bias(bias_lif, bias_adex, name, mant, exp)
    rasters = {name: raster[samples.start:samples.stop] for name, raster in run_inputs.spikes.items()}
    ring = np.zeros(chip.ring_length * (chip.n_lif + chip.n_adex) * batch, dtype=chip.ring_dtype)
    neg_ring = np.zeros(max(chip.neg_ring_size * batch, 1), dtype=np.int64)

    host = [n for n in chip.order if chip.kind[n] == "host"]
    streams = {name: (rasters[name] if name in rasters else
                      program.sources[name].iter_spikes(pops[name].size, n_steps, qnet.dt, qnet.seed, name))
               for name in host}
    updates: dict[int, list] = {}
    for upd in qnet.bias_updates:
        updates.setdefault(upd.step, []).append(upd)
    change_steps = sorted(updates)

    recorders = [Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps) for _ in samples]
    recorder = recorders[0]
    probed = np.zeros(chip.n_total, dtype=np.bool_)
    for name, indices in recorder.spike_probes.items():
        probed[chip.offset[name] + indices] = True
    trace_keys = list(recorder.trace_probes)
    trace_ids = np.concatenate([chip.offset[name] + recorder.trace_probes[(name, var)]
                                for name, var in trace_keys] or [np.zeros(0, np.int64)]).astype(np.int64)
    trace_codes = np.concatenate([np.full(recorder.trace_probes[(name, var)].size,
                                          _TRACE_CODES[(chip.kind[name], var)], dtype=np.int64)
                                  for name, var in trace_keys] or [np.zeros(0, np.int64)])
    capacity = max(1 << 16, 16 * int(probed.sum()) * batch)
    record_steps = np.zeros(capacity, dtype=np.int64)
    record_ids = np.zeros(capacity, dtype=np.int64)
    n_recorded = np.zeros(1, dtype=np.int64)

    counts = np.zeros(chip.n_total * batch, dtype=np.int64)
    step_counts = np.zeros((STEP_COUNTERS, n_steps, batch), dtype=np.int64)
    max_core_ns = np.zeros((n_steps, batch))
    max_route_ns = np.zeros((n_steps, batch))
    synops_per_core = np.zeros((chip.n_cores, batch), dtype=np.int64)
    active_per_core = np.zeros((chip.n_cores, batch), dtype=np.int64)
    step_synops = np.zeros(chip.n_cores * batch, dtype=np.int64)
    step_active = np.zeros(chip.n_cores * batch, dtype=np.int64)
    saturations = np.zeros((4, batch), dtype=np.int64)
    spiked_ids = np.zeros(chip.n_total * batch, dtype=np.int64)
    spiked_samples = np.zeros(chip.n_total * batch, dtype=np.int64)
    t = program.target.time
    time_ns = np.array([t.synaptic_op_ns, t.neuron_update_active_ns, t.neuron_update_inactive_ns])
    config = chip.config(batch)
    flat_bias_lif, flat_bias_adex = bias_lif.reshape(-1), bias_adex.reshape(-1)

    run_steps = run_steps_adex if chip.n_adex else run_steps_lif
    yield  # set up
    step = 0
    while step < n_steps:
        for upd in updates.get(step, ()):
            chip.set_bias(bias_lif, bias_adex, upd.population, upd.bias_mant, upd.bias_exp)
        stop = min(n_steps, step + BLOCK_STEPS)
        later = [s for s in change_steps if s > step]
        if later:
            stop = min(stop, later[0])
        host_ptr, host_ids = _host_block(chip, host, streams, step, stop, batch)
        traces = np.zeros((stop - step, trace_ids.size, batch), dtype=np.int64)
        first = step
        while step < stop:
            reached = run_steps(
                step, stop, config, time_ns,
                chip.lif_sets, chip.lif_segments, chip.lif_segment_set, flat_bias_lif, u, v,
                lif_refractory, flags,
                chip.adex_sets, chip.adex_set_of, flat_bias_adex, x, w, i_syn, adex_refractory,
                chip.exp_values, ring, neg_ring, chip.proj, chip.proj_delay_group, chip.syn_indptr,
                chip.syn_post, chip.syn_mant, chip.syn_delay, chip.run_ptr, chip.run_core, chip.run_count, chip.out_ptr, chip.out_proj,
                chip.pop_of, host_ptr[step - first:], host_ids,
                chip.core_of, chip.neurons_per_core, chip.used_cores,
                chip.messages, chip.east_west, chip.north_south, chip.inter_chip, chip.max_latency,
                counts, probed, record_steps, record_ids, n_recorded,
                trace_ids, trace_codes, traces[step - first:],
                step_counts, max_core_ns, max_route_ns, synops_per_core, active_per_core,
                step_synops, step_active, saturations, spiked_ids, spiked_samples)
            if reached < stop:  # the spike record is full: grow it and go on
                record_steps = np.concatenate([record_steps, np.zeros_like(record_steps)])
                record_ids = np.concatenate([record_ids, np.zeros_like(record_ids)])
            step = reached
        for k, (name, var) in enumerate(trace_keys):
            columns = slice(*_trace_columns(recorder, trace_keys, k))
            for column, rec in enumerate(recorders):
                rec.traces[(name, var)][first:stop] = traces[:, columns, column]

    yield  # stepped
    n = int(n_recorded[0])
    ids, sample_of = np.divmod(record_ids[:n], batch)
    # Per sample, in recording order (16-bit keys: numpy's stable sort is then a radix sort).
    order = np.argsort(sample_of.astype(np.int16 if batch < 1 << 15 else np.int64), kind="stable")
    bounds = np.searchsorted(sample_of[order], np.arange(batch + 1))
    counts = counts.reshape(chip.n_total, batch)
    to_physical = physical_scales(pops, recorder)
    sc = {k: step_counts[k] for k in (S_SYNOPS, S_MESSAGES, S_EW, S_NS, S_IC, S_ACTIVE, S_SPIKES)}  # (steps, B)
    energy, latency = energy_and_latency(  # for all samples at once
        program.target, int(chip.neurons_per_core.sum()), tiles_in_use(chip.neurons_per_core, program.target),
        synops=sc[S_SYNOPS], active=sc[S_ACTIVE], messages=sc[S_MESSAGES], ew=sc[S_EW], ns=sc[S_NS],
        ic=sc[S_IC], max_core_time_ns=max_core_ns, max_route_ns=max_route_ns)
    saturation_labels = ((SAT_LIF_DENDRITE, "LIF: dendritic input"), (SAT_LIF_STATE, "LIF: state"),
                         (SAT_ADEX_DENDRITE, "AdEx: dendritic input"), (SAT_ADEX_STATE, "AdEx: state"))
    results = []
    for column, rec in enumerate(recorders):
        mine = order[bounds[column]:bounds[column + 1]]
        _fill_spikes(rec, chip, record_steps[mine], ids[mine])
        per_pop = {name: counts[chip.offset[name]:chip.offset[name] + chip.size[name], column].copy()
                   for name in pops}
        stats = RunStats(
            sc[S_SYNOPS][:, column], sc[S_MESSAGES][:, column], sc[S_EW][:, column], sc[S_NS][:, column],
            sc[S_IC][:, column], sc[S_ACTIVE][:, column], sc[S_SPIKES][:, column],
            synops_per_core[:, column], active_per_core[:, column], chip.neurons_per_core,
            energy[:, column], latency[:, column],
            {label: int(saturations[index, column]) for index, label in saturation_labels
             if saturations[index, column]})
        results.append(Result(backend="emu", dt=qnet.dt, n_steps=n_steps, counts=per_pop, recorder=rec,
                              stats=stats, to_physical=to_physical))
    yield results


def _trace_columns(recorder, keys, k):
    start = sum(recorder.trace_probes[key].size for key in keys[:k])
    return start, start + recorder.trace_probes[keys[k]].size


def _host_block(chip: FlatChip, host: list, streams: dict, first: int, stop: int, batch: int = 1):
    """Host spikes of steps ``first..stop-1`` as (ptr (n+1,), ids ``g * B + b``) arrays.

    ``streams``: per host population, a boolean raster (B, n_steps, size) given as run input
    (converted in one vectorised pass) or the source's iterator of per-step spike indices
    (the same spikes for every sample). Within a step, spikes are ordered by population, then
    sample, then index.
    """
    n = stop - first
    steps, ids = [], []
    for name in host:
        stream = streams[name]
        if isinstance(stream, np.ndarray):
            sample, step, index = np.nonzero(stream[:, first:stop])
        else:
            per_step = [np.asarray(next(stream), dtype=np.int64) for _ in range(n)]
            step = np.repeat(np.arange(n), [p.size for p in per_step])
            index = np.concatenate(per_step) if per_step else np.zeros(0, dtype=np.int64)
            sample = np.tile(np.arange(batch), index.size)  # every sample gets the source's spikes
            step, index = np.repeat(step, batch), np.repeat(index, batch)
        steps.append(step)
        ids.append((index.astype(np.int64) + chip.offset[name]) * batch + sample)
    if not host:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    step, ids = np.concatenate(steps), np.concatenate(ids)
    order = np.argsort(step, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(step, minlength=n), out=ptr[1:])
    return ptr, ids[order]


def _fill_spikes(recorder: Recorder, chip: FlatChip, steps: np.ndarray, ids: np.ndarray) -> None:
    """Hand the recorded (step, global id) pairs to the recorder, per population."""
    for name in recorder.spike_probes:
        start = chip.offset[name]
        keep = (ids >= start) & (ids < start + chip.size[name])
        if keep.any():
            recorder._spike_steps[name].append(steps[keep])
            recorder._spike_ids[name].append(ids[keep] - start)
