"""Raster plots: the spikes of each population, float reference beside the chip run."""
from __future__ import annotations

import numpy as np

from ._mpl import CHIP_STYLE, FLOAT_STYLE, PlotError, evenly_spaced, new_figure, save, spiking_populations

#: Neurons drawn per population before the raster shows an evenly spaced sample instead.
MAX_NEURONS = 1000


def raster_figure(ref, out, populations=None, max_neurons: int | None = MAX_NEURONS,
                  t_max: float | None = None):
    """A Figure with one row per population and two columns, float (left) and chip (right).

    The y axis is the neuron index. Every probed neuron is drawn, unless a population has more
    than ``max_neurons`` (``None``: no limit); then an evenly spaced sample of ``max_neurons``
    of them, from the first to the last, and the panel's title says so.

    Args:
        ref, out: Results of the float reference and of the chip run (same network).
        populations: names to plot (default: every population whose spikes were probed).
        max_neurons: most neurons drawn per population.
        t_max: end of the time axis, ms (default: the whole run).
    """
    if max_neurons is not None and max_neurons < 1:
        raise PlotError(f"plot_raster: max_neurons = {max_neurons} must be >= 1 (or None: all)")
    names = spiking_populations(ref, out, populations)
    if not names:
        raise PlotError("plot_raster: no population has probed spikes; add net.probe(pop, 'spikes')")
    t_end = ref.duration if t_max is None else float(t_max)
    fig = new_figure((10, 1.2 + 1.8 * len(names)))
    axes = fig.subplots(len(names), 2, sharex=True, squeeze=False)
    for row, name in enumerate(names):
        probed = ref.spike_indices(name)
        shown = evenly_spaced(probed.size, max_neurons)
        drawn = np.zeros(probed.size, dtype=bool)
        drawn[shown] = True
        what = ("1 probed neuron" if probed.size == 1 else
                f"all {probed.size} probed neurons" if shown.size == probed.size else
                f"{shown.size} of {probed.size} probed neurons, evenly spaced")
        for col, (result, style) in enumerate(((ref, FLOAT_STYLE), (out, CHIP_STYLE))):
            ax = axes[row, col]
            times, ids = result.spike_times(name)
            keep = drawn[np.searchsorted(probed, ids)] & (times <= t_end)
            ax.scatter(times[keep], ids[keep], s=_tick_size(shown.size), marker="|",
                       color=style["color"], linewidths=0.6 if shown.size > 50 else 1.0)
            _neuron_axis(ax, probed[shown])
            ax.set_xlim(0, t_end)
            ax.set_title(f"{name}, {style['label']} ({result.backend}): {what}", fontsize=9)
            rate = result.rates(name).mean()
            ax.text(0.99, 0.97, f"{rate:.3g} Hz", transform=ax.transAxes, ha="right", va="top",
                    fontsize=8, bbox={"facecolor": "white", "alpha": 0.7, "lw": 0})
        axes[row, 0].set_ylabel(f"{name}\nneuron index")
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def plot_raster(ref, out, path, populations=None, max_neurons: int | None = MAX_NEURONS,
                t_max: float | None = None):
    """Write :func:`raster_figure` as a PNG to ``path``; returns the path written."""
    return save(raster_figure(ref, out, populations, max_neurons, t_max), path)


def _neuron_axis(ax, indices: np.ndarray) -> None:
    """Y axis over the drawn neuron indices, whole numbers only; a few neurons get a tick each."""
    from matplotlib.ticker import MaxNLocator

    low, high = int(indices.min()), int(indices.max())
    pad = max(0.5, 0.02 * (high - low))
    ax.set_ylim(low - pad, high + pad)
    if indices.size <= 8:
        ax.set_yticks(indices)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _tick_size(n_rows: int) -> float:
    """Marker area (points^2) of a spike tick: most of a row's height (a panel is ~90 points
    tall), between a hairline for dense rasters and 10 points for a handful of neurons."""
    return float(np.clip((70.0 / max(n_rows, 1)) ** 2, 1.5, 100.0))
