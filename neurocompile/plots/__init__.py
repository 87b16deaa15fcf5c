"""PNG plots of float-vs-chip runs (matplotlib, an optional extra: ``pip install '.[plot]'``).

``plot_raster``, ``plot_traces`` and ``plot_rates`` take the float reference and the chip
Result of the same network; matplotlib is imported only when a plot is drawn.
"""
from ._mpl import PlotError
from .rates import plot_rates
from .raster import plot_raster
from .traces import plot_traces

__all__ = ["PlotError", "plot_rates", "plot_raster", "plot_traces"]
