"""Lazy matplotlib import: the plots are an optional extra (``pip install 'neurocompile[plot]'``)."""
from __future__ import annotations

from pathlib import Path

from ..errors import NeurocompileError


class PlotError(NeurocompileError):
    """Plotting is not possible (matplotlib missing, nothing to plot, file not writable)."""


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend (PNG files, no display needed)."""
    try:
        import matplotlib
    except ImportError as exc:
        raise PlotError("plots need matplotlib, an optional extra: pip install '.[plot]' "
                        "(or pip install 'neurocompile[plot]')") from exc
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def save(fig, path) -> Path:
    """Write ``fig`` as PNG to ``path`` (folders created) and close it."""
    plt = pyplot()
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, format="png")
    except OSError as exc:
        raise PlotError(f"plot: cannot write '{path}' ({exc.strerror or exc})") from exc
    finally:
        plt.close(fig)
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
