"""State traces: float reference and chip run overlaid, one panel per probed (population, variable)."""
from __future__ import annotations

from ._mpl import CHIP_STYLE, FLOAT_STYLE, PlotError, colormap, evenly_spaced, new_figure, readable_ylim, save

#: Neurons drawn per panel before the panel shows an evenly spaced sample instead.
MAX_TRACES = 4


def traced(result) -> list[tuple[str, str]]:
    """(population, variable) pairs recorded in ``result``."""
    return list(result.traced)


def traces_figure(ref, out, population: str | None = None, variable: str | None = None,
                  max_traces: int = MAX_TRACES, t_max: float | None = None, network=None,
                  units: dict | None = None):
    """A Figure with one panel per probed (population, variable) recorded in both runs, float
    solid and chip dashed, in physical units (the chip's integers converted back).

    Each panel draws at most ``max_traces`` neurons (evenly spaced among the probed ones, its
    title says how many of how many); one neuron is drawn in the float/chip colours, several
    in one colour each.

    Args:
        population, variable: draw only this population / variable (default: all).
        t_max: end of the time axis, ms (default: the whole run).
        network: the :class:`~neurocompile.Network` of the runs; its models give each
            variable's unit (without it: ``v`` in mV, others unlabelled).
        units: variable or (population, variable) -> unit, overriding the network's.
    """
    if max_traces < 1:
        raise PlotError(f"plot_traces: max_traces = {max_traces} must be >= 1")
    pairs = [(p, v) for p, v in traced(ref) if (p, v) in traced(out)
             and (population is None or p == population) and (variable is None or v == variable)]
    if not pairs:
        var = variable or "v"
        what = f"'{var}'" + (f" of population '{population}'" if population else "")
        raise PlotError(f"plot_traces: no trace of {what} in both runs; add net.probe(pop, '{var}')")
    unit_of = _units(network, units)
    t_end = ref.duration if t_max is None else float(t_max)
    keep = ref.times <= t_end
    fig = new_figure((10, 1.0 + 2.0 * len(pairs)))
    axes = fig.subplots(len(pairs), 1, sharex=True, squeeze=False)[:, 0]
    palette = colormap("tab10")
    for ax, (name, var) in zip(axes, pairs):
        a, b = ref.trace(name, var), out.trace(name, var)
        indices = ref.trace_indices(name, var)
        shown = evenly_spaced(indices.size, max_traces)
        for k, column in enumerate(shown):
            if shown.size == 1:
                solid, dashed = dict(FLOAT_STYLE), dict(CHIP_STYLE)
            else:
                colour = palette(k % 10)
                solid = {"color": colour, "label": f"[{indices[column]}] float"}
                dashed = {"color": colour, "label": f"[{indices[column]}] chip"}
            ax.plot(ref.times[keep], a[keep, column], lw=0.9, **solid)
            ax.plot(out.times[keep], b[keep, column], lw=0.9, ls="--", **dashed)
        readable_ylim(ax, [a[keep][:, shown], b[keep][:, shown]])
        unit = unit_of(name, var)
        ax.set_ylabel(f"{name}.{var}" + (f" ({unit})" if unit not in ("", "1") else ""))  # "1": a fraction
        which = (f"neuron {indices[shown[0]]}" if indices.size == 1 else
                 f"all {indices.size} probed neurons" if shown.size == indices.size else
                 f"{shown.size} of {indices.size} probed neurons, evenly spaced")
        ax.set_title(f"{var} of '{name}', float solid, chip dashed: {which}", fontsize=9)
        ax.set_xlim(0, t_end)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, borderaxespad=0.0)
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def plot_traces(ref, out, path, population: str | None = None, variable: str | None = None,
                max_traces: int = MAX_TRACES, t_max: float | None = None, network=None,
                units: dict | None = None):
    """Write :func:`traces_figure` as a PNG to ``path``; returns the path written."""
    return save(traces_figure(ref, out, population, variable, max_traces, t_max, network, units), path)


def _units(network, units):
    from ..validate.compare import state_units

    known = state_units(network) if network is not None else {}
    given = units or {}

    def unit_of(name, var):
        for key in ((name, var), var):
            if key in given:
                return given[key]
        return known.get((name, var), "mV" if var == "v" else "")
    return unit_of
