"""Rich tables for the command line, drawn from the plain summaries in :mod:`neurocompile.io.summaries`."""
from __future__ import annotations

import math

from rich.table import Table


def _number(value: float, unit: str = "") -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    text = f"{value:.3g}"
    return f"{text} {unit}" if unit else text


def population_table(network, summaries) -> Table:
    """Populations: model, size, synapses in/out, probes."""
    table = Table(title=f"Network '{network.name}': dt {network.dt:g} ms, "
                        f"{network.n_neurons} neurons, {network.n_synapses} synapses")
    table.add_column("population", no_wrap=True)
    table.add_column("model")
    table.add_column("size", justify="right")
    table.add_column("syn in", justify="right")
    table.add_column("syn out", justify="right")
    table.add_column("probes")
    for row in summaries:
        probes = ", ".join(f"{var} ({count})" for var, count in row.probes.items()) or "-"
        table.add_row(row.name, row.model, str(row.size), str(row.synapses_in),
                      str(row.synapses_out), probes)
    return table


def projection_table(summaries) -> Table:
    """Projections: pre -> post, synapse count, mean |weight| with unit, delay range."""
    table = Table(title="Projections")
    table.add_column("projection", no_wrap=True)
    table.add_column("pre -> post")
    table.add_column("synapses", justify="right")
    table.add_column("sign")
    table.add_column("mean |w|", justify="right")
    table.add_column("delay ms", justify="right")
    for row in summaries:
        if math.isnan(row.delay_min_ms):
            delays = "-"
        elif row.delay_min_ms == row.delay_max_ms:
            delays = f"{row.delay_min_ms:g}"
        else:
            delays = f"{row.delay_min_ms:g}..{row.delay_max_ms:g}"
        table.add_row(row.name, f"{row.pre} -> {row.post}", str(row.synapses),
                      row.sign, _number(row.mean_abs_weight, row.weight_unit), delays)
    return table


def rate_table(summaries, title: str = "Firing rates") -> Table:
    """Firing rates per population: mean, min and max, Hz."""
    table = Table(title=title)
    table.add_column("population", no_wrap=True)
    table.add_column("size", justify="right")
    table.add_column("mean Hz", justify="right")
    table.add_column("min Hz", justify="right")
    table.add_column("max Hz", justify="right")
    for row in summaries:
        table.add_row(row.population, str(row.size), f"{row.mean_hz:.2f}", f"{row.min_hz:.2f}",
                      f"{row.max_hz:.2f}")
    return table


def targets_table(targets) -> Table:
    """Built-in targets side by side (one column each) with their main limits."""
    table = Table(title="Targets")
    table.add_column("", no_wrap=True)
    for target in targets:
        table.add_column(target.name, justify="right")
    rows = [
        ("backend", lambda t: t.backend),
        ("chips x cores per chip", lambda t: f"{t.board.chips} x {t.chip.cores}"),
        ("neurons per core", lambda t: str(t.core.neurons)),
        ("fan-in axons per core", lambda t: str(t.core.fanin_axons)),
        ("fan-out axons per core", lambda t: str(t.core.fanout_axons)),
        ("synapse entries per core", lambda t: str(t.core.synapse_entries)),
        ("weight mantissa bits", lambda t: str(t.precision.weight_mantissa_bits)),
        ("state bits", lambda t: str(t.precision.state_bits)),
        ("max delay, steps", lambda t: str(t.precision.max_delay_steps)),
        ("native models", lambda t: ", ".join(t.models.native) or "-"),
        ("custom-process models", lambda t: ", ".join(t.models.custom_process) or "-"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(t) for t in targets))
    return table


def stats_table(totals: dict) -> Table:
    """Chip activity counters and the energy/latency estimates of a run."""
    table = Table(title="Chip activity (target's energy and time constants)")
    for col in ("steps", "spikes", "synaptic ops", "spike messages", "hops E-W / N-S / chip",
                "energy", "energy/step", "latency/step mean (max)"):
        table.add_column(col, justify="right")
    table.add_row(
        str(totals["steps"]), str(totals["spikes"]), str(totals["synaptic_ops"]),
        str(totals["spike_messages"]),
        f"{totals['hops_east_west']} / {totals['hops_north_south']} / {totals['hops_inter_chip']}",
        f"{totals['energy_uJ']:.4g} uJ", f"{totals['energy_per_step_nJ']:.4g} nJ",
        f"{totals['latency_per_step_us_mean']:.3g} ({totals['latency_per_step_us_max']:.3g}) us")
    return table


def lava_plan_table(plan) -> Table:
    """Which Lava process runs each population and projection, and whether Loihi runs it."""
    table = Table(title="Lava process graph")
    for col in ("element", "Lava process", "runs on Loihi", "why"):
        table.add_column(col)
    for n in plan.neurons.values():
        table.add_row(f"population {n.name}", n.kind, "yes" if n.runs_on_loihi else "no (CPU simulation)",
                      n.reason or "-")
    for b in plan.blocks:
        table.add_row(f"projection {b.name}", f"{b.lava_class} ({b.weights.nnz} synapses, exp {b.weight_exp})",
                      "yes", "-")
    return table


def print_saturations(console, saturations: dict) -> None:
    """One line per population whose registers saturated in a chip run (none: nothing)."""
    if saturations:
        console.print("saturated registers (neuron-steps): "
                      + ", ".join(f"{k}: {v}" for k, v in saturations.items()),
                      style="yellow", markup=False, soft_wrap=True)
