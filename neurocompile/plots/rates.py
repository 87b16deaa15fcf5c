"""Rate scatter: every neuron's chip firing rate against its float rate."""
from __future__ import annotations

import numpy as np

from ._mpl import PlotError, new_figure, save


def rates_figure(ref, out, populations=None, exclude_sources: bool = True, network=None):
    """A Figure with one scatter panel: per-neuron rate on chip (y) vs float (x), Hz, one
    colour per population, with the identity line.

    Spike-source populations (identical by construction) are left out when ``network`` is
    given and ``exclude_sources`` is true.
    """
    names = list(populations) if populations is not None else list(ref.populations)
    if network is not None and exclude_sources:
        names = [n for n in names if not network.populations[n].is_source]
    if not names:
        raise PlotError("plot_rates: no population to plot")
    fig = new_figure((5.5, 5.0))
    ax = fig.subplots()
    top = 0.0
    for name in names:
        rf, rc = ref.rates(name), out.rates(name)
        top = max(top, float(rf.max(initial=0)), float(rc.max(initial=0)))
        err = abs(rc.mean() - rf.mean()) / rf.mean() if rf.mean() > 0 else np.nan
        ax.scatter(rf, rc, s=6, alpha=0.5,
                   label=f"{name}: {rf.mean():.3g} vs {rc.mean():.3g} Hz ({err:.1%})")
    top = top * 1.05 or 1.0
    ax.plot([0, top], [0, top], color="black", lw=0.8, ls=":")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("float rate (Hz)")
    ax.set_ylabel("chip rate (Hz)")
    ax.set_title("Per-neuron firing rates: chip vs float")
    ax.legend(loc="upper left", fontsize=7, title="mean float vs chip", title_fontsize=7)
    fig.tight_layout()
    return fig


def plot_rates(ref, out, path, populations=None, exclude_sources: bool = True, network=None):
    """Write :func:`rates_figure` as a PNG to ``path``; returns the path written."""
    return save(rates_figure(ref, out, populations, exclude_sources, network), path)
