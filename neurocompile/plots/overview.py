"""Every figure of a float-vs-chip run that has something to show, for a report.

:func:`overview_figures` draws the figures ``neurocompile plot`` writes (raster, per-neuron
rates, rates over time, traces, mesh) for the runs of one network, each only when its data
exist, and says for each figure left out why (no spikes probed, no state probed, ...).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from ._mpl import spiking_populations
from .rate_time import BIN_MS

#: The figures in the order a report shows them.
KINDS = ("raster", "rates_time", "rates", "traces", "mesh")


@dataclass(frozen=True)
class Drawn:
    """One figure of :func:`overview_figures`: its ``kind`` (a name of :data:`KINDS`), a
    caption, and the matplotlib Figure, or None with the ``reason`` it was left out."""

    kind: str
    caption: str
    figure: object = None
    reason: str = ""


def overview_figures(ref, chip, network, program=None, bin_ms: float = BIN_MS) -> list[Drawn]:
    """The figures of the float reference ``ref`` and the chip run ``chip`` of ``network``
    (its models give the units; its spike sources are left out of the rate scatter), and of
    ``program``'s placement (mesh, link traffic at the chip run's rates; None: no mesh).
    ``bin_ms``: sliding window of the rates over time, ms. One :class:`Drawn` per kind of
    :data:`KINDS`, drawn or with the reason it was not."""
    from .rate_time import rate_time_figure
    from .rates import rates_figure
    from .raster import raster_figure
    from .traces import traced, traces_figure

    out = []
    spiking = spiking_populations(ref, chip)
    no_spikes = "no population's spikes were probed (add net.probe(pop, 'spikes'))"
    if spiking:
        out.append(Drawn("raster", "Spike rasters: float reference (left) and chip (right)",
                         raster_figure(ref, chip)))
        out.append(Drawn("rates_time", f"Population rates over time ({bin_ms:g} ms sliding window): "
                                       "float solid, chip dashed", rate_time_figure(ref, chip, bin_ms)))
    else:
        out += [Drawn("raster", "Spike rasters", reason=no_spikes),
                Drawn("rates_time", "Population rates over time", reason=no_spikes)]
    neurons = [name for name, pop in network.populations.items() if not pop.is_source]
    if neurons:
        out.append(Drawn("rates", "Per-neuron firing rates, chip against float",
                         rates_figure(ref, chip, network=network)))
    else:
        out.append(Drawn("rates", "Per-neuron firing rates", reason="the network has only spike sources"))
    if any(pair in traced(chip) for pair in traced(ref)):
        out.append(Drawn("traces", "Probed state variables: float solid, chip dashed",
                         traces_figure(ref, chip, network=network)))
    else:
        out.append(Drawn("traces", "Probed state variables",
                         reason="no state variable was probed (add net.probe(pop, 'v'))"))
    if program is not None:
        from .mesh import mesh_figure

        rates = {name: chip.rates(name) for name in chip.populations}
        out.append(Drawn("mesh", "Placement on the chip's mesh: per-core load and link traffic at the "
                                 "chip run's rates", mesh_figure(program, rates=rates, rates_from="chip run")))
    return out


def png_bytes(figure, dpi: int = 100) -> bytes:
    """``figure`` as PNG bytes, cropped to what it draws (a colour bar's label included)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=dpi, format="png", bbox_inches="tight", pad_inches=0.1)
    return buffer.getvalue()
