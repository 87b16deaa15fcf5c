"""Plots of float-vs-chip runs (matplotlib, an optional extra: ``pip install '.[plot]'``).

Each plot takes the float reference and the chip Result of the same network. ``*_figure``
returns the ``matplotlib.figure.Figure`` (shown inline in a notebook); ``plot_*`` writes it
as a PNG and returns the path. matplotlib is imported only when a figure is drawn.

- ``raster_figure`` / ``plot_raster``: spikes per population, float beside chip.
- ``traces_figure`` / ``plot_traces``: every probed state variable, float and chip overlaid.
- ``rates_figure`` / ``plot_rates``: per-neuron rate, chip against float.
- ``rate_time_figure`` / ``plot_rate_time``: population rate over time, float and chip.
- ``neurocompile.plots.mesh``: the cores of a compiled program with load and link traffic.
"""
from ._mpl import PlotError
from .rate_time import plot_rate_time, rate_time_figure
from .rates import plot_rates, rates_figure
from .raster import plot_raster, raster_figure
from .traces import plot_traces, traces_figure

__all__ = ["PlotError", "plot_rate_time", "plot_rates", "plot_raster", "plot_traces",
           "rate_time_figure", "rates_figure", "raster_figure", "traces_figure"]
