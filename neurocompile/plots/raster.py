"""Raster plots: the spikes of each population, float reference beside the chip run."""
from __future__ import annotations

import numpy as np

from ._mpl import CHIP_STYLE, FLOAT_STYLE, PlotError, pyplot, save, spiking_populations


def plot_raster(ref, out, path, populations=None, max_neurons: int = 200, t_max: float | None = None):
    """Write a PNG with one row per population and two columns, float (left) and chip (right).

    Args:
        ref, out: Results of the float reference and of the chip run (same network).
        populations: names to plot (default: every population whose spikes were probed).
        max_neurons: plot at most this many probed neurons per population (the first ones).
        t_max: end of the time axis, ms (default: the whole run).
    Returns the path written.
    """
    names = spiking_populations(ref, out, populations)
    if not names:
        raise PlotError("plot_raster: no population has probed spikes; add net.probe(pop, 'spikes')")
    plt = pyplot()
    t_end = ref.duration if t_max is None else float(t_max)
    fig, axes = plt.subplots(len(names), 2, figsize=(10, 1.0 + 1.6 * len(names)),
                             sharex=True, squeeze=False)
    for row, name in enumerate(names):
        for col, (result, style) in enumerate(((ref, FLOAT_STYLE), (out, CHIP_STYLE))):
            ax = axes[row, col]
            times, ids = result.spike_times(name)
            probed = result.spike_indices(name)
            local = np.searchsorted(probed, ids)
            keep = (local < max_neurons) & (times <= t_end)
            ax.scatter(times[keep], local[keep], s=1.5, marker="|", color=style["color"],
                       linewidths=0.6)
            shown = min(probed.size, max_neurons)
            ax.set_ylim(-0.5, shown - 0.5)
            ax.set_xlim(0, t_end)
            if col == 0:
                ax.set_ylabel(f"{name}\nneuron")
            if row == 0:
                ax.set_title(f"{style['label']} ({result.backend})")
            rate = result.rates(name).mean()
            ax.text(0.99, 0.97, f"{rate:.3g} Hz", transform=ax.transAxes, ha="right", va="top",
                    fontsize=8, bbox={"facecolor": "white", "alpha": 0.7, "lw": 0})
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)")
    fig.tight_layout()
    return save(fig, path)
