"""Checks a build can make before anything expensive runs: a network that cannot fit its
target, whatever the placer does, is told so before the float reference (which took 25 s for
a 300k-neuron network that then failed placement), and one whose build would need more memory
than the machine has is told so before any stage allocates it (:func:`check_build_memory`;
the estimates of the float and chip runs are in :mod:`neurocompile.memory`)."""
from __future__ import annotations

from ..errors import BuildError
from ..memory import (MiB, MemoryEstimate, RunSizes, chip_estimate, compare_estimate, network_sizes,
                      reference_estimate)
from ..place import DEFAULT_PLACER
from ..place.spectral import GRAPH_SYNAPSE_LIMIT
from ..quantize.receptors import element_count
from ..quantize.plasticity import check_plastic_projections, synapse_entries
from ..resources import check_memory


def slots_per_neuron(pop) -> int:
    """Neuron slots one neuron of ``pop`` takes at least (docs/chip.md 4.5): its soma and its
    receptor elements. Plasticity and NMDA gate state come on top (counted when compiling)."""
    return 1 + element_count(pop)


def check_before_reference(network, target) -> None:
    """Raise BuildError for a plastic projection the target cannot learn
    (:func:`check_plastic_projections`), a delay beyond
    the target's, or for neurons or synapses that need more cores than the target has (lower
    bounds; the placer may still need more)."""
    check_plastic_projections(network, target)
    limit = target.precision.max_delay_steps
    for proj in network.projections:
        if proj.max_delay_steps > limit:
            raise BuildError(
                f"Projection '{proj.name}': delay = {proj.max_delay_steps * network.dt:g} ms "
                f"({proj.max_delay_steps} steps at dt = {network.dt:g} ms) exceeds target '{target.name}''s "
                f"max_delay_steps = {limit}")
    slots = sum(pop.size * slots_per_neuron(pop) for pop in network.populations.values() if not pop.is_source)
    synapses = sum(synapse_entries(proj, target) for proj in network.projections if not proj.post.is_source)
    total = target.total_cores
    for amount, per_core, what, key in ((slots, target.core.neurons, "neuron slots", "core.neurons"),
                                        (synapses, target.core.synapse_entries, "synapses", "core.synapse_entries")):
        need = -(-amount // per_core)
        if need > total:
            raise BuildError(
                f"Network '{network.name}' does not fit on target '{target.name}' ({total} cores): {amount} "
                f"{what} need at least {need} cores of {per_core} ({key}); use a target with more chips, "
                f"or {key} >= {-(-amount // total)}")


# -- memory -----------------------------------------------------------------------------------
#: Modules a compile loads (quantizers, placers, networkx).
COMPILE_RUNTIME = 64 * MiB
#: Per synapse: the quantizer's mantissas, exponents and index copies (measured).
QUANTIZE_BYTES_PER_SYNAPSE = 24
#: Per synapse: the spectral placer's neuron-level traffic graph (symmetrised float64 CSR, its
#: coarsened levels and the refinement's views), built up to GRAPH_SYNAPSE_LIMIT synapses.
GRAPH_BYTES_PER_SYNAPSE = 48
#: Per neuron, ``spectral`` placer: shares, spectral coordinates and their coarsened levels,
#: the bisection's orders, the candidates and the neuron-level refinement; without the traffic
#: graph (above GRAPH_SYNAPSE_LIMIT synapses) the network order replaces the coordinates.
SPECTRAL_BYTES_PER_NEURON = 3584
SPECTRAL_NO_GRAPH_BYTES_PER_NEURON = 1024
#: Per neuron, ``sequential`` placer, and for both the placement, destinations and routes.
PLACEMENT_BYTES_PER_NEURON = 256
#: Per synapse and neuron: what the compiled Program keeps (quantized synapses, placement).
PROGRAM_BYTES_PER_SYNAPSE = 12
PROGRAM_BYTES_PER_NEURON = 64


def compile_estimate(network, target=None, placer: str = DEFAULT_PLACER) -> MemoryEstimate:
    """Peak memory of ``nc.compile(network, target, placer=placer)``, bytes: quantization,
    the placer's traffic graph (``spectral`` up to :data:`GRAPH_SYNAPSE_LIMIT` synapses) and
    the destinations and routes. ``target`` does not change it (kept for the signature of a
    compile)."""
    synapses = sum(int(proj.weights.nnz) for proj in network.projections)
    neurons = sum(p.size for p in network.populations.values() if not p.is_source)
    spectral = placer in ("spectral", "ours")
    graph = spectral and synapses <= GRAPH_SYNAPSE_LIMIT
    per_neuron = (SPECTRAL_BYTES_PER_NEURON if graph else SPECTRAL_NO_GRAPH_BYTES_PER_NEURON) if spectral \
        else PLACEMENT_BYTES_PER_NEURON
    parts = {"runtime": COMPILE_RUNTIME,
             "quantization": QUANTIZE_BYTES_PER_SYNAPSE * synapses,
             "placement graph": GRAPH_BYTES_PER_SYNAPSE * synapses if graph else 0,
             "placement": per_neuron * neurons}
    sequential = ("compile with placer='sequential' (neurocompile build --placer sequential), which needs "
                  "no traffic graph" if spectral else "use fewer neurons")
    advice = {"placement graph": sequential, "placement": sequential,
              "quantization": "use fewer synapses (sparser or smaller projections)"}
    kept = PROGRAM_BYTES_PER_SYNAPSE * synapses + PROGRAM_BYTES_PER_NEURON * neurons
    return MemoryEstimate("compile", parts, kept, f"{neurons} neurons, {synapses} synapses, placer '{placer}'",
                          advice)


def build_estimates(network, target, duration: float, placer: str = DEFAULT_PLACER) -> list[MemoryEstimate]:
    """The estimates of a build's stages in order (float reference, compile, chip run,
    comparison), each with the peak it reaches on top of what the earlier stages keep (their
    results stay allocated until the build ends)."""
    sizes = network_sizes(network)
    stages = [reference_estimate(network, duration, sizes=sizes), compile_estimate(network, target, placer)]
    if getattr(target, "backend", None) == "lava":
        stages.append(lava_plan_estimate(sizes))
    stages += [chip_estimate(None, duration, sizes=sizes), compare_estimate(sizes, duration)]
    out, held = [], 0
    for estimate in stages:
        parts = dict(estimate.parts, **({"earlier stages": held} if held else {}))
        out.append(MemoryEstimate(estimate.stage, parts, estimate.kept, estimate.detail, estimate.advice))
        held += estimate.kept + estimate.parts.get("runtime", 0)  # modules loaded stay loaded
    return out


#: Per synapse: the Lava plan's weight and delay matrices of every synapse block (built from
#: coordinates, int32 and int64) and their conversions.
LAVA_PLAN_BYTES_PER_SYNAPSE = 128


def lava_plan_estimate(sizes: RunSizes) -> MemoryEstimate:
    """Peak memory of the Lava process graph's plan (``neurocompile build`` for a lava target
    shows it), bytes."""
    return MemoryEstimate("Lava process graph", {"synapses": LAVA_PLAN_BYTES_PER_SYNAPSE * sizes.synapses},
                          20 * sizes.synapses, f"{sizes.synapses} synapses",
                          {"synapses": "use fewer synapses (sparser or smaller projections)"})


def build_estimate(network, target, duration: float, placer: str = DEFAULT_PLACER) -> MemoryEstimate:
    """The stage of :func:`build_estimates` with the highest peak: what a build of ``network``
    for ``duration`` ms needs at most, on top of the loaded network."""
    return max(build_estimates(network, target, duration, placer), key=lambda e: e.peak)


def check_build_memory(network, target, duration: float, placer: str = DEFAULT_PLACER) -> list[MemoryEstimate]:
    """Raise :class:`~neurocompile.errors.MemoryBudgetError` when a build's peak
    (:func:`build_estimate`) exceeds the available memory; returns the stages' estimates."""
    estimates = build_estimates(network, target, duration, placer)
    worst = max(estimates, key=lambda e: e.peak)
    check_memory(f"build of network '{network.name}' ({worst.stage})", worst)
    return estimates
