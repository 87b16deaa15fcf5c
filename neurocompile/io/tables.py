"""Summary tables for people: rich tables of the plain summaries (:mod:`.summaries`), printed
by the command line, and the same tables as HTML for a notebook's ``_repr_html_``."""
from __future__ import annotations

import html
import math

from rich.table import Table


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 population"``, ``"2 populations"``."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def shortened(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (ending in "...") for a one-line summary."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _number(value: float, unit: str = "") -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    text = f"{value:.3g}"
    return f"{text} {unit}" if unit else text


def population_table(network, summaries) -> Table:
    """Populations: model, size, synapses in/out, probes."""
    table = Table(title=f"Network '{network.name}': dt {network.dt:g} ms, "
                        f"{counted(network.n_neurons, 'neuron')}, {counted(network.n_synapses, 'synapse')}")
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


def network_tables(network) -> list[Table]:
    """What ``neurocompile build`` prints of a network: its populations, and its projections
    when it has any."""
    from .summaries import population_summaries, projection_summaries

    out = [population_table(network, population_summaries(network))]
    if network.projections:
        out.append(projection_table(projection_summaries(network)))
    return out


def _plain(cell) -> str:
    """A table cell or title as plain text (rich ``Text`` or a string)."""
    return cell.plain if hasattr(cell, "plain") else str(cell)


def table_html(table: Table) -> str:
    """One rich table as an HTML ``<table>``: its title as caption, its header row, its cells as
    plain text (escaped), right-aligned columns kept right-aligned, a rule between sections."""
    columns = table.columns
    align = ["right" if c.justify == "right" else "left" for c in columns]
    head = "".join(f'<th style="text-align:{a}">{html.escape(_plain(c.header))}</th>'
                   for c, a in zip(columns, align))
    rows = []
    ends = [row.end_section for row in table.rows]
    for k, cells in enumerate(zip(*(list(c.cells) for c in columns))):
        # a row after a section's end (rich's add_section) starts below a rule, as in the terminal
        tr = '<tr style="border-top:2px solid #888">' if k and ends[k - 1] else "<tr>"
        rows.append(tr + "".join(f'<td style="text-align:{a}">{html.escape(_plain(cell))}</td>'
                                 for cell, a in zip(cells, align)) + "</tr>")
    caption = (f'<caption style="caption-side:top;text-align:left;font-weight:bold">'
               f"{html.escape(_plain(table.title))}</caption>" if table.title else "")
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def html_block(heading: str, tables, notes=()) -> str:
    """A notebook cell's HTML: a one-line heading, the tables, then one paragraph per note."""
    parts = [f"<p><b>{html.escape(heading)}</b></p>", *(table_html(t) for t in tables),
             *(f"<p>{html.escape(note)}</p>" for note in notes)]
    return "<div>" + "".join(parts) + "</div>"
