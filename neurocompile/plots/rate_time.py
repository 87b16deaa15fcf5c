"""Population rates over time, float and chip overlaid: the main figure of a decision network."""
from __future__ import annotations

from ._mpl import CHIP_STYLE, FLOAT_STYLE, PlotError, new_figure, plain_numbers, save, spiking_populations

#: Default sliding window of the rates, ms.
BIN_MS = 10.0


def rate_time_figure(ref, out, bin_ms: float = BIN_MS, populations=None, network=None,
                     exclude_sources: bool = False, t_max: float | None = None):
    """A Figure with one panel per population: the rate of its probed neurons over time, Hz,
    float solid and chip dashed (:meth:`~neurocompile.Result.population_rate`, a sliding
    window of ``bin_ms``).

    Args:
        populations: names to plot (default: every population whose spikes were probed).
        network, exclude_sources: leave out spike sources (needs ``network``).
        t_max: end of the time axis, ms (default: the whole run).
    """
    names = spiking_populations(ref, out, populations)
    if network is not None and exclude_sources:
        names = [n for n in names if not network.populations[n].is_source]
    if not names:
        raise PlotError("plot_rate_time: no population has probed spikes in both runs; add "
                        "net.probe(pop, 'spikes')")
    t_end = ref.duration if t_max is None else float(t_max)
    keep = ref.times <= t_end
    fig = new_figure((10, 1.0 + 1.8 * len(names)))
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names):
        top = 0.0
        for result, style, dash in ((ref, FLOAT_STYLE, "-"), (out, CHIP_STYLE, "--")):
            rate = result.population_rate(name, bin_ms)[keep]
            ax.plot(result.times[keep], rate, lw=1.0, ls=dash, color=style["color"],
                    label=f"{style['label']}: mean {rate.mean():.3g} Hz" if rate.size else style["label"])
            top = max(top, float(rate.max(initial=0.0)))
        ax.set_ylim(0, top * 1.1 if top > 0 else 1.0)
        plain_numbers(ax)
        n = ref.spike_indices(name).size
        silent = " (no spikes in either run)" if top == 0 else ""
        ax.set_title(f"'{name}': {n} probed neuron{'s' if n != 1 else ''}, {bin_ms:g} ms sliding "
                     f"window{silent}", fontsize=9)
        ax.set_ylabel(f"{name}\nrate (Hz)")
        ax.set_xlim(0, t_end)
        ax.legend(loc="upper right", fontsize=7, ncol=2)
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def plot_rate_time(ref, out, path, bin_ms: float = BIN_MS, populations=None, network=None,
                   exclude_sources: bool = False, t_max: float | None = None):
    """Write :func:`rate_time_figure` as a PNG to ``path``; returns the path written."""
    return save(rate_time_figure(ref, out, bin_ms, populations, network, exclude_sources, t_max), path)
