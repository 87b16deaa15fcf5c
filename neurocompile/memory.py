"""Estimates of the memory a float reference run and a chip run need at their peak.

An estimate is the memory a stage allocates on top of what is allocated when it starts (the
network, or the compiled program, already exist), in bytes, split into named parts, so that
:func:`neurocompile.resources.check_memory` can compare it with the machine's available memory
before the stage allocates anything and say what to reduce. The compile estimate and the
whole build's are in :mod:`neurocompile.program.preflight`.

The byte counts follow the arrays each stage makes (named below, per neuron, synapse, step and
sample); the constants were measured with ``bench/memory_estimate.py`` (peak resident memory
of each stage in a fresh process, Linux, numpy 2, 2026-11) and rounded up so that an estimate
is above the measured peak, by at most about 1.5x once the network or the run is large enough
for the fixed ``runtime`` part not to dominate.

Spike records depend on activity, which is not known before the run: a probed neuron is
counted at :data:`ASSUMED_RATE_HZ` (or at the ``rate_hz`` given).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MiB = 1 << 20
GiB = 1 << 30

#: Firing rate assumed for every probed neuron when sizing spike records, Hz.
ASSUMED_RATE_HZ = 50.0

# -- float reference (neurocompile.reference) -------------------------------------------------
#: Modules a float run imports (numba, scipy, the updaters) and its numba functions, compiled
#: when numba's cache is empty (114 MB measured; 53 MB loaded from the cache).
REFERENCE_RUNTIME = 128 * MiB
#: Per synapse: DelayedDelivery's int64 copies of the post indices and the delays.
REFERENCE_BYTES_PER_SYNAPSE = 16
#: Per synapse of a plastic projection: its own copy of the weights and its STDP traces.
REFERENCE_BYTES_PER_PLASTIC_SYNAPSE = 16
#: Per neuron: the updater's state and parameter arrays (float64), the state extremes, the
#: spike count, the current schedule and the step's temporaries.
REFERENCE_BYTES_PER_NEURON = 128
#: Per spike recorded: step and index (int64 each), held in per-step pieces and once more when
#: the Result joins them.
REFERENCE_BYTES_PER_SPIKE = 32

# -- chip run on the emulator (neurocompile.emu) ----------------------------------------------
#: Modules and the emulator's kernel, compiled when numba's cache is empty (82 MB measured;
#: 15 MB loaded from the cache).
CHIP_RUNTIME = 96 * MiB
#: Per synapse entry: the layout's synapse arrays (target slot, weight, delay group; int32/int16).
CHIP_BYTES_PER_SYNAPSE = 20
#: Per neuron and sample: registers, refractory counters, bias, flags, the step's spike list,
#: spike counts and the layout's per-neuron tables.
CHIP_BYTES_PER_NEURON = 160
#: Per neuron, once per program: its spike record (one 64-byte line, :mod:`neurocompile.emu.spike_record`).
CHIP_RECORD_BYTES_PER_NEURON = 64
#: Per step and sample: 7 int64 step counters, 2 float64 timings, the energy and latency
#: per step and their copies in each Result's RunStats.
CHIP_BYTES_PER_STEP = 20 * 8
#: Per spike recorded: step and global id (int64 each) in a record that doubles when full,
#: then sorted per sample and split per population for the Results.
CHIP_BYTES_PER_SPIKE = 64
#: The spike record's first size, spikes (:class:`neurocompile.emu.state.RunState`).
CHIP_SPIKE_RECORD = 1 << 16
#: Steps the emulator runs in one block (:data:`neurocompile.emu.run.BLOCK_STEPS`): traces
#: and host spikes are held a block at a time.
CHIP_BLOCK_STEPS = 2048
#: Per host spike of a block: the per-step index arrays, their steps, samples and global ids,
#: joined and sorted by step (:func:`neurocompile.emu.run._host_block`).
CHIP_BYTES_PER_HOST_SPIKE = 80

# -- spike sources (both runs) ------------------------------------------------------------------
#: Per source neuron, at most: a Poisson source draws up to 1024 steps of uniform numbers
#: (float64) and their booleans at once, at most 4M numbers (36 MB) per population.
POISSON_DRAW_BYTES = 9
POISSON_DRAW_VALUES = 4_000_000
#: Per spike of an explicit spike train: its steps, sort order and sorted copies (int64).
TRAIN_BYTES_PER_SPIKE = 32


@dataclass(frozen=True)
class MemoryEstimate:
    """Peak memory of one stage on top of what exists when it starts, bytes.

    ``parts``: name -> bytes (``"recordings"``, ``"synapses"``, ``"neuron state"``, ...), their
    sum is :attr:`peak`; ``kept``: what the stage's result holds after it ends (the next stage
    of a build runs with it allocated); ``detail``: the sizes it was computed from, in words;
    ``advice``: per part, what makes it smaller."""

    stage: str
    parts: dict
    kept: int = 0
    detail: str = ""
    advice: dict = field(default_factory=dict)

    @property
    def peak(self) -> int:
        return int(sum(self.parts.values()))

    def parts_text(self) -> str:
        """``"recordings 0.9 GiB, synapses 0.2 GiB"``: the parts, largest first, those under
        1 % of the peak left out."""
        shown = sorted(((v, k) for k, v in self.parts.items() if v > 0 and v >= 0.01 * self.peak), reverse=True)
        return ", ".join(f"{k} {format_bytes(v)}" for v, k in shown)

    def describe(self) -> str:
        """``"1.2 GiB (recordings 0.9 GiB, synapses 0.2 GiB)"``: the peak and :meth:`parts_text`."""
        return f"{format_bytes(self.peak)} ({self.parts_text()})"

    def what_to_reduce(self) -> str:
        """The advice of the parts that make up a tenth of the peak or more, largest first, each
        once (one contained in an earlier one left out)."""
        out: list[str] = []
        for value, name in sorted(((v, k) for k, v in self.parts.items()), reverse=True):
            text = self.advice.get(name)
            if text and value >= 0.1 * self.peak and not any(text in earlier for earlier in out):
                out.append(text)
        return "; ".join(out) or "free memory on this machine"


def format_bytes(n: float) -> str:
    """``"1.5 TiB"``, ``"3.2 GiB"``, ``"140 MiB"``, ``"12 KiB"``."""
    if n >= 1024 * GiB:
        return f"{n / (1024 * GiB):.1f} TiB"
    if n >= GiB:
        return f"{n / GiB:.1f} GiB"
    if n >= MiB:
        return f"{n / MiB:.0f} MiB"
    return f"{max(n, 0) / 1024:.0f} KiB"


@dataclass(frozen=True)
class RunSizes:
    """What a run's memory depends on, counted from a network or a compiled program.

    ``neurons``: neurons that are updated (not spike sources); ``synapses``: synapse entries;
    ``plastic_synapses``: those of projections with long-term plasticity; ``ring_slots``:
    neurons x delay slots of the input rings, over every receptor (or receptor element);
    ``traced``: state values recorded per step; ``spike_probed``: neurons whose spikes are
    recorded; ``dt``: time step, ms; ``host_spikes_per_step``: expected spikes per step of the
    Poisson sources; ``poisson_draw``: values a Poisson source's block of random draws holds,
    summed over sources; ``train_spikes``: spikes of the explicit spike trains."""

    neurons: int
    synapses: int
    plastic_synapses: int
    ring_slots: int
    traced: int
    spike_probed: int
    dt: float
    host_spikes_per_step: float = 0.0
    poisson_draw: int = 0
    train_spikes: int = 0

    def steps(self, duration: float) -> int:
        """Steps in ``duration`` ms (at least 1)."""
        return max(1, int(round(float(duration) / self.dt)))


def _probe_counts(probes) -> tuple[int, int]:
    """(traced values per step, spike-probed neurons) of (population, indices, variable) probes."""
    probes = list(probes)
    traced = sum(len(indices) for _, indices, variable in probes if variable != "spikes")
    spiking = sum(len(indices) for _, indices, variable in probes if variable == "spikes")
    return traced, spiking


def _source_sizes(sources, dt: float) -> dict:
    """The spike-source fields of :class:`RunSizes` from (size, model) pairs of sources."""
    per_step, draw, trains = 0.0, 0, 0
    for size, model in sources:
        rate = getattr(model, "rate", None)
        times = getattr(model, "times", None)
        if rate is not None:  # a Poisson source
            per_step += float(np.mean(rate)) * size * dt * 1e-3
            draw += min(POISSON_DRAW_VALUES, 1024 * size)
        elif times is not None:
            trains += int(np.size(times))
    return {"host_spikes_per_step": per_step, "poisson_draw": draw, "train_spikes": trains}


def network_sizes(network) -> RunSizes:
    """:class:`RunSizes` of a :class:`~neurocompile.Network`."""
    pops = [p for p in network.populations.values() if not p.is_source]
    delay = {p.name: 1 for p in pops}
    for proj in network.projections:
        if proj.post.name in delay:
            delay[proj.post.name] = max(delay[proj.post.name], proj.max_delay_steps)
    rings = sum(p.size * (delay[p.name] + 1) * max(1, len(p.model.receptors) if p.model.has_receptors else 1)
                for p in pops)
    traced, spiking = _probe_counts((p.population.name, p.indices, p.variable) for p in network.probes)
    return RunSizes(
        neurons=sum(p.size for p in pops),
        synapses=sum(int(proj.weights.nnz) for proj in network.projections),
        plastic_synapses=sum(int(proj.weights.nnz) for proj in network.projections if proj.plasticity is not None),
        ring_slots=int(rings), traced=traced, spike_probed=spiking, dt=float(network.dt),
        **_source_sizes(((p.size, p.model) for p in network.populations.values() if p.is_source), network.dt))


def program_sizes(program) -> RunSizes:
    """:class:`RunSizes` of a compiled :class:`~neurocompile.Program`."""
    qnet = program.quantized
    pops = [q for q in qnet.populations.values() if not q.is_source]
    delay = {q.name: 1 for q in pops}
    for qp in qnet.projections:
        if qp.post in delay and qp.delay_steps.size:
            delay[qp.post] = max(delay[qp.post], int(qp.delay_steps.max()))
    rings = sum(q.size * (delay[q.name] + 1) * (1 + (len(q.receptors.names) if q.receptors is not None else 0))
                for q in pops)
    traced, spiking = _probe_counts(program.probes)
    return RunSizes(neurons=sum(q.size for q in pops), synapses=sum(int(qp.post_index.size) for qp in qnet.projections),
                    plastic_synapses=0, ring_slots=int(rings), traced=traced, spike_probed=spiking,
                    dt=float(qnet.dt), **_source_sizes(((qnet.populations[name].size, model)
                                                        for name, model in program.sources.items()), qnet.dt))


def _expected_spikes(sizes: RunSizes, n_steps: int, rate_hz: float) -> int:
    """Spikes the probed neurons fire in ``n_steps`` at ``rate_hz`` (at most one per step each)."""
    per_step = min(1.0, rate_hz * sizes.dt * 1e-3)
    return int(np.ceil(sizes.spike_probed * n_steps * per_step))


def _run_detail(sizes: RunSizes, n_steps: int, samples: int) -> str:
    return (f"{n_steps} steps (dt = {sizes.dt:g} ms) x {samples} sample(s), {sizes.traced} traced values per "
            f"step, {sizes.spike_probed} spike-probed neurons, {sizes.neurons} neurons, {sizes.synapses} synapses")


def _run_advice(samples: int) -> dict:
    batch = ", or a smaller batch" if samples > 1 else ""
    return {"recordings": f"run shorter or probe fewer neurons or variables{batch}",
            "step counters": f"run shorter{batch}",
            "neuron state": f"use fewer neurons{batch}",
            "synapses": "use fewer synapses (sparser or smaller projections)",
            "spike sources": f"use fewer or slower spike sources{batch}"}


def reference_estimate(network, duration: float, samples: int = 1, rate_hz: float = ASSUMED_RATE_HZ,
                       sizes: RunSizes | None = None) -> MemoryEstimate:
    """Peak memory of ``nc.simulate(network, duration)`` with ``samples`` samples (a batch of
    run inputs), bytes. Probed neurons are counted at ``rate_hz`` (Hz) for the spike records."""
    s = sizes or network_sizes(network)
    n_steps = s.steps(duration)
    recordings = samples * (8 * s.traced * n_steps + REFERENCE_BYTES_PER_SPIKE * _expected_spikes(s, n_steps, rate_hz))
    parts = {"runtime": REFERENCE_RUNTIME,
             "synapses": REFERENCE_BYTES_PER_SYNAPSE * s.synapses
             + REFERENCE_BYTES_PER_PLASTIC_SYNAPSE * s.plastic_synapses,
             "neuron state": REFERENCE_BYTES_PER_NEURON * s.neurons + 8 * s.ring_slots,
             "spike sources": POISSON_DRAW_BYTES * s.poisson_draw + TRAIN_BYTES_PER_SPIKE * s.train_spikes,
             "recordings": recordings}
    kept = recordings + samples * 3 * 8 * s.neurons  # the Results: recordings, counts, extremes
    return MemoryEstimate("float reference", parts, kept, _run_detail(s, n_steps, samples), _run_advice(samples))


def chip_estimate(program, duration: float, samples: int = 1, rate_hz: float = ASSUMED_RATE_HZ,
                  sizes: RunSizes | None = None, partial_rings: int = 0) -> MemoryEstimate:
    """Peak memory of ``program.run(duration)`` on the emulator with ``samples`` samples, bytes.
    ``sizes``: the program's :class:`RunSizes` (default :func:`program_sizes`; a build estimates
    a program not compiled yet from its network's). Probed neurons fire at ``rate_hz``, Hz.
    ``partial_rings``: the accumulator rings (of one sample each) that the threads beyond the
    first of a threaded run add (:mod:`neurocompile.emu.threaded`)."""
    s = sizes or program_sizes(program)
    n_steps = s.steps(duration)
    spikes = max(CHIP_SPIKE_RECORD, samples * _expected_spikes(s, n_steps, rate_hz))
    block = min(n_steps, CHIP_BLOCK_STEPS)
    traces = 8 * s.traced * samples * (n_steps + block)
    host = samples * CHIP_BYTES_PER_HOST_SPIKE * int(np.ceil(s.host_spikes_per_step * block))
    parts = {"runtime": CHIP_RUNTIME,
             "synapses": CHIP_BYTES_PER_SYNAPSE * s.synapses,
             "neuron state": samples * (CHIP_BYTES_PER_NEURON * s.neurons + 8 * s.ring_slots)
             + partial_rings * 8 * s.ring_slots + CHIP_RECORD_BYTES_PER_NEURON * s.neurons,
             "step counters": CHIP_BYTES_PER_STEP * n_steps * samples,
             "spike sources": host + POISSON_DRAW_BYTES * s.poisson_draw + TRAIN_BYTES_PER_SPIKE * s.train_spikes,
             "recordings": traces + CHIP_BYTES_PER_SPIKE * spikes}
    kept = samples * (8 * s.traced * n_steps + CHIP_BYTES_PER_STEP // 2 * n_steps + 16 * s.neurons) \
        + 32 * spikes
    return MemoryEstimate("chip run", parts, kept, _run_detail(s, n_steps, samples), _run_advice(samples))


#: What ``nc.compare`` loads and its bounded work arrays (van Rossum in chunks of 4M values).
COMPARE_RUNTIME = 96 * MiB


def compare_estimate(sizes: RunSizes, duration: float, rate_hz: float = ASSUMED_RATE_HZ) -> MemoryEstimate:
    """Peak memory of ``nc.compare(ref, chip)`` of two runs of ``duration`` ms, bytes: the
    chip's traces converted to physical units and their difference to float (float64 each),
    and the spike trains' sorted copies."""
    n_steps = sizes.steps(duration)
    parts = {"runtime": COMPARE_RUNTIME,
             "recordings": 2 * 8 * sizes.traced * n_steps + 64 * _expected_spikes(sizes, n_steps, rate_hz)}
    return MemoryEstimate("comparison", parts, 0, _run_detail(sizes, n_steps, 1), _run_advice(1))
