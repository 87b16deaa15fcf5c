"""Rich tables for the command line. The network and rate tables live in
:mod:`neurocompile.io.tables` (a notebook shows the same ones); the rest are the command line's own."""
from __future__ import annotations

from rich.table import Table

from ..io.tables import population_table, projection_table, rate_table  # noqa: F401 (used as render.*)


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


def memory_table(estimates, available: int) -> Table:
    """The estimated peak memory of each stage of a build (on top of the loaded network and
    what earlier stages keep) and its largest parts, against the memory available."""
    from ..memory import format_bytes

    table = Table(title=f"Memory estimate: peak per stage, {format_bytes(available)} available")
    table.add_column("stage")
    table.add_column("peak", justify="right")
    table.add_column("largest parts")
    for estimate in estimates:
        table.add_row(estimate.stage, format_bytes(estimate.peak), estimate.parts_text())
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


def saturation_lines(per_population: dict) -> list[str]:
    """One warning per population whose registers saturated in a chip run (none: no lines)."""
    lines = []
    for name, registers in per_population.items():
        counts = ", ".join(f"{register} {count} time{'s' if count != 1 else ''}"
                           for register, count in registers.items())
        lines.append(f"warning: population '{name}' saturated registers in the chip run: {counts} "
                     "(neuron-steps; each held its register's limit instead of the value), so its "
                     "spikes can differ from float; `neurocompile run --strict` stops at the first, "
                     "naming neuron and step")
    return lines

