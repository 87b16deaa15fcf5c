"""Lazy matplotlib import and what every plot shares: figures, saving, axes that stay readable.

The plots are an optional extra (``pip install 'neurocompile[plot]'``). Figures are made with
``matplotlib.figure.Figure`` rather than pyplot: no backend is switched and no figure is left
registered, so a notebook's own plots are untouched and a returned figure shows once.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import NeurocompileError


class PlotError(NeurocompileError):
    """Plotting is not possible (matplotlib missing, nothing to plot, file not writable)."""


def new_figure(figsize):
    """An empty ``matplotlib.figure.Figure`` of ``figsize`` inches, not managed by pyplot."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotError("plots need matplotlib, an optional extra: pip install '.[plot]' "
                        "(or pip install 'neurocompile[plot]')") from exc
    return Figure(figsize=figsize)


def colormap(name: str):
    import matplotlib
    return matplotlib.colormaps[name]


def save(fig, path) -> Path:
    """Write ``fig`` as PNG to ``path`` (folders created)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, format="png")
    except OSError as exc:
        raise PlotError(f"plot: cannot write '{path}' ({exc.strerror or exc})") from exc
    return path


FLOAT_STYLE = {"color": "#1f77b4", "label": "float"}
CHIP_STYLE = {"color": "#d62728", "label": "chip"}


def spiking_populations(ref, out, populations=None) -> list[str]:
    """Populations with probed spikes in both runs (optionally restricted to ``populations``)."""
    names = list(populations) if populations is not None else ref.populations
    keep = []
    for name in names:
        if name not in ref.populations:
            raise PlotError(f"plot: population '{name}' is not in the run; it has "
                            f"{', '.join(ref.populations)}")
        if name in ref.spike_probed and name in out.spike_probed:
            keep.append(name)
    return keep


def evenly_spaced(n: int, cap: int | None) -> np.ndarray:
    """Positions ``0..n-1`` to show: all of them, or ``cap`` spread evenly from first to last."""
    if cap is None or n <= cap:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, cap)).astype(np.int64))


def plain_numbers(ax, axis: str = "y") -> None:
    """Tick labels as the numbers themselves: no offset (``1e-6-6.5e1``), no scientific factor."""
    from matplotlib.ticker import ScalarFormatter

    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def readable_ylim(ax, values) -> None:
    """Plain tick labels; a flat signal (spread below 0.1 % of its size, e.g. a resting membrane
    whose float and chip values differ by rounding) gets a range of +-5 % of its value (+-1 unit
    at least) instead of one zoomed onto its rounding noise."""
    plain_numbers(ax)
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    low, high = float(values.min()), float(values.max())
    centre = (low + high) / 2
    if high - low <= 1e-3 * max(1.0, abs(centre)):
        half = max(1.0, 0.05 * abs(centre))
        ax.set_ylim(centre - half, centre + half)
