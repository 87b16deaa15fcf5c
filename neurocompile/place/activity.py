"""Expected spikes per time step of every neuron: the activity that weights spike traffic.

Rates come from the caller (e.g. a float reference run: ``{pop: Result.rates(pop)}``); a
population without a given rate uses its Poisson rate if it is a Poisson source and
``DEFAULT_RATE_HZ`` otherwise. The placers, the metrics (:mod:`.metrics`) and the traffic
lower bound (:mod:`.lower_bound`) all weight traffic by these expectations.
"""
from __future__ import annotations

import numpy as np

#: Firing rate assumed for a neuron without a given rate that is not a Poisson source, Hz.
DEFAULT_RATE_HZ = 10.0


def spikes_per_step(populations, dt: float, rates=None) -> dict[str, np.ndarray]:
    """Expected spikes per step of every neuron: ``rate * dt`` (rates in Hz, dt in ms).

    ``populations``: name -> (size, model or None). ``rates``: name -> Hz (scalar or array).
    Returns name -> float array (size,).
    """
    from ..ir.inputs import PoissonSource

    rates = rates or {}
    out = {}
    for name, (size, model) in populations.items():
        if name in rates:
            hz = np.broadcast_to(np.asarray(rates[name], dtype=float), (size,))
        elif isinstance(model, PoissonSource):
            hz = np.broadcast_to(model.rate, (size,))
        else:
            hz = np.full(size, DEFAULT_RATE_HZ)
        out[name] = np.asarray(hz, dtype=float) * dt * 1e-3
    return out


def rates_label(populations, rates=None, rates_from: str | None = None) -> str:
    """What :func:`spikes_per_step` weights traffic by, in words for reports and plots.

    With ``rates``: ``"<rates_from> rates"`` (``rates_from`` says where they come from, e.g.
    ``"float reference"``; default ``"given"``). Without: ``"uniform 10 Hz"``, with ``", Poisson
    sources at their own rate"`` when ``populations`` (as :func:`spikes_per_step` takes them)
    include Poisson sources.
    """
    from ..ir.inputs import PoissonSource

    if rates:
        return f"{rates_from or 'given'} rates"
    uniform = f"uniform {DEFAULT_RATE_HZ:g} Hz"
    if any(isinstance(model, PoissonSource) for _, model in populations.values()):
        return f"{uniform}, Poisson sources at their own rate"
    return uniform
