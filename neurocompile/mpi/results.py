"""One result file for a run (or a batch): ``neurocompile run --out FILE.npz``.

A NumPy ``.npz`` archive, no pickle. Keys, for each Result (prefixed ``sample<k>/`` in a batch):
``spikes/<population>/steps`` and ``.../indices`` (int64: the step and neuron of every probed
spike, in time order), ``counts/<population>`` (spikes per neuron, int64),
``traces/<population>/<variable>`` (the raw integer registers, (steps, probed neurons)),
``stats/<counter>`` (:class:`~neurocompile.chip.costs.RunStats` arrays: per-step counters,
energy in pJ and latency in ns per step, per-core totals), ``saturations`` (UTF-8 JSON of
population -> register -> events, as uint8), and ``dt`` (ms) and ``n_steps``.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np


def result_arrays(result, prefix: str = "") -> dict:
    """The arrays of one Result, keyed as in the module docstring."""
    out = {f"{prefix}dt": np.array(result.dt), f"{prefix}n_steps": np.array(result.n_steps)}
    for name in result.spike_probed:
        steps, indices = result.spike_steps(name)
        out[f"{prefix}spikes/{name}/steps"] = np.asarray(steps, dtype=np.int64)
        out[f"{prefix}spikes/{name}/indices"] = np.asarray(indices, dtype=np.int64)
    for name in result.populations:
        out[f"{prefix}counts/{name}"] = np.asarray(result._counts(name))
    for name, variable in result.traced:
        out[f"{prefix}traces/{name}/{variable}"] = np.asarray(result.trace(name, variable, raw=True))
    for field in dataclasses.fields(result.stats):
        value = getattr(result.stats, field.name)
        if isinstance(value, np.ndarray):
            out[f"{prefix}stats/{field.name}"] = value
    text = json.dumps(result.stats.saturations_per_population, sort_keys=True)
    out[f"{prefix}saturations"] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return out


def save_results(result, path) -> None:
    """Write ``result`` (a Result or a list of them) to ``path`` (``.npz``; folders created)."""
    arrays = {}
    if isinstance(result, list):
        for k, one in enumerate(result):
            arrays.update(result_arrays(one, f"sample{k}/"))
    else:
        arrays = result_arrays(result)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
