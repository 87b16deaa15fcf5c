"""Short summaries for the command line's default output: a line or a small table where
``-v`` prints the full tables (:mod:`neurocompile.program.report`, :mod:`.render`,
:meth:`neurocompile.validate.compare.Comparison.tables`). Each fits 80 columns."""
from __future__ import annotations

from rich.table import Table

from ..io.tables import counted


def compile_lines(program, rates=None, rates_from: str | None = None) -> list[str]:
    """Two lines: where the program sits (cores, chips, the fullest resource of a core) and
    its placement's spike traffic per step under ``rates`` (population -> Hz, labelled by
    ``rates_from``; default rates without them)."""
    from ..place.metrics import placement_metrics

    s = program.summary()
    util = program.usage.utilisation()
    fullest = max(util, key=lambda key: util[key][0]) if util else None
    where = (f"compiled: {counted(s['neurons'], 'neuron')}, {counted(s['synapses'], 'synapse')} on "
             f"{s['cores_used']} of {program.placement.n_cores} cores ({counted(s['chips_used'], 'chip')})")
    if fullest is not None:
        where += f"; fullest core: {fullest.replace('_', ' ')} {util[fullest][0]:.0%}"
    m = placement_metrics(program, rates=rates, rates_from=rates_from)
    traffic = (f"placement ({program.placement.method}): {m.messages_per_step:.4g} spike messages/step, "
               f"hop-weighted traffic {m.hop_weighted_traffic:.4g}/step ({m.rates})")
    return [where, traffic]


def activity_line(totals: dict) -> str:
    """One line of a chip run's totals (:meth:`neurocompile.chip.costs.RunStats.totals`)."""
    return (f"chip activity: {totals['spikes']:,} spikes, {totals['synaptic_ops']:,} synaptic ops, "
            f"{totals['spike_messages']:,} spike messages, {totals['energy_uJ']:.4g} uJ "
            f"({totals['energy_per_step_nJ']:.4g} nJ/step)")


def comparison_table(comparison) -> Table:
    """Per population: float and chip rates, their error, spikes within one step and the
    criterion that judged it (the first columns of the full comparison table)."""
    from ..validate.compare import _pct

    t = Table(title=f"Float vs chip over {comparison.duration_ms:g} ms")
    for col in ("population", "float Hz", "chip Hz", "rate error", "±1 step", "judged by"):
        t.add_column(col, justify="right")
    for p in comparison.populations.values():
        t.add_row(p.name, f"{p.rate_float:.3g}", f"{p.rate_chip:.3g}", _pct(p.rate_rel_error),
                  _pct(p.within_one_step_fraction), p.criterion)
    return t
