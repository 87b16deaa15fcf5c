"""Membrane traces: float reference and chip run overlaid, one panel per recorded neuron."""
from __future__ import annotations

from ._mpl import CHIP_STYLE, FLOAT_STYLE, PlotError, pyplot, save


def traced(result) -> list[tuple[str, str]]:
    """(population, variable) pairs recorded in ``result``."""
    return list(getattr(result, "_traces", {}))


def plot_traces(ref, out, path, population: str | None = None, variable: str = "v",
                max_traces: int = 4, unit: str = "mV", t_max: float | None = None):
    """Write a PNG with one panel per recorded neuron (at most ``max_traces``), float solid and
    chip dashed, in physical units (the chip's integers converted back).

    ``population`` defaults to the first population whose ``variable`` was probed.
    Returns the path written.
    """
    pairs = [(p, v) for p, v in traced(ref) if v == variable and (p, v) in traced(out)]
    if population is not None:
        pairs = [(p, v) for p, v in pairs if p == population]
    if not pairs:
        what = f"'{variable}' of population '{population}'" if population else f"'{variable}'"
        raise PlotError(f"plot_traces: no trace of {what} in both runs; add "
                        f"net.probe(pop, '{variable}')")
    name = pairs[0][0]
    a, b = ref.trace(name, variable), out.trace(name, variable)
    indices = ref.trace_indices(name, variable)
    n = min(max_traces, a.shape[1])
    plt = pyplot()
    t_end = ref.duration if t_max is None else float(t_max)
    keep = ref.times <= t_end
    fig, axes = plt.subplots(n, 1, figsize=(10, 0.8 + 1.7 * n), sharex=True, squeeze=False)
    for k in range(n):
        ax = axes[k, 0]
        ax.plot(ref.times[keep], a[keep, k], lw=0.9, **FLOAT_STYLE)
        ax.plot(out.times[keep], b[keep, k], lw=0.9, ls="--", **CHIP_STYLE)
        ax.set_ylabel(f"{name}[{indices[k]}]\n{variable} ({unit})")
        ax.set_xlim(0, t_end)
    axes[0, 0].legend(loc="upper right", fontsize=8, ncol=2)
    axes[0, 0].set_title(f"{variable} of '{name}': float vs chip")
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    return save(fig, path)
