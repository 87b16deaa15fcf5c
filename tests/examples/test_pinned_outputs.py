"""Pinned outputs: every example and every test network compiles and runs to the same bits.

For each case the test compiles the network for the ``emu`` target, saves the program and runs
it on both emulator engines, then hashes

* the ``.ncp`` file's arrays, as the sorted set of their (dtype, shape, bytes) digests: a
  change of the manifest's layout, of the order in which arrays are written or of how many
  copies of one array a file holds does not count, while any changed value, dtype or shape
  does;
* each engine's run: spike counts of every neuron, probed spikes (step, neuron), raw probed
  traces and every counter of ``Result.stats`` (energy and latency included).

Both engines must give the same run digest, and every digest must equal the one pinned in
``tests/data/pinned_outputs.json`` for this environment (the placer's spectral embedding and
a few float roundings depend on numpy/scipy builds, so pins are kept per numpy major version).
Regenerate the pins only for an intended change of behaviour:
``NEUROCOMPILE_UPDATE_PINS=1 python -m pytest tests/examples/test_pinned_outputs.py``.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import neurocompile as nc
from tests.helpers import adex_network, input_network, lif_network, load_cuba, negative_exponent_network, run_example

#: tests/data/pinned_outputs.json (the data folder sits beside this file's folder).
PINS = Path(__file__).resolve().parents[1] / "data" / "pinned_outputs.json"
UPDATE = os.environ.get("NEUROCOMPILE_UPDATE_PINS") == "1"


def environment_key() -> str:
    return f"numpy{np.__version__.split('.')[0]}"


# -- digests ------------------------------------------------------------------------------------

def _digest_array(array) -> str:
    array = np.ascontiguousarray(array)
    h = hashlib.sha256()
    h.update(f"{array.dtype.str}{array.shape}".encode())
    h.update(array.tobytes())
    return h.hexdigest()


def _canonical(array) -> np.ndarray:
    """Integers as int64, floats as float64, booleans as bool: a dtype change inside the
    emulator (int32 state, int16 counters) is not a change of what a run reports."""
    array = np.asarray(array)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        return array.astype(np.float64)
    return array


def program_digest(path: Path) -> str:
    with np.load(path, allow_pickle=False) as archive:
        digests = sorted({_digest_array(archive[name]) for name in archive.files if name != "manifest"})
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def run_digest(result) -> str:
    h = hashlib.sha256()

    def add(label, array):
        h.update(label.encode())
        h.update(_digest_array(_canonical(array)).encode())

    for name in sorted(result.counts):
        add(f"counts:{name}", result.counts[name])
    for name in sorted(result.spike_probed):
        steps, ids = result.spike_steps(name)
        add(f"spikes:{name}", np.stack([steps, ids]))
    for name, var in sorted(result.traced):
        add(f"trace:{name}.{var}", result.trace(name, var, raw=True))
    for f in dataclasses.fields(result.stats):
        name, value = f.name, getattr(result.stats, f.name)
        if name == "saturations_per_population":  # hashed as its flat view, the field it replaced
            name, value = "saturations", result.stats.saturations
        if name in ("updates_per_step", "updates_per_core") and not np.any(value):
            continue  # learning counters (added later) of a run without plastic projections
        if isinstance(value, dict):
            h.update(f"{name}:{sorted(value.items())}".encode())
        else:
            add(f"stats:{name}", value)
    return h.hexdigest()


# -- cases --------------------------------------------------------------------------------------

def _example(name: str, **kwargs):
    module = run_example(name)
    return module["build"](**kwargs) if kwargs or "build" in module else module["net"]


def _batch_inputs():
    rng = np.random.default_rng(11)
    return {"pixels": rng.random((3, 150, 16)) < 0.05, "hidden": rng.uniform(0.5, 3.0, size=(3, 20))}


#: name -> (network builder, placer, duration ms, inputs builder or None)
CASES = {
    "cuba": (load_cuba, "spectral", 20.0, None),
    "brunel": (lambda: _example("brunel", n_exc=400), "spectral", 20.0, None),
    "adex_patterns": (lambda: _example("adex_patterns"), "spectral", 150.0, None),
    "adex_patterns_packed": (lambda: run_example("adex_patterns")["build_packed"](),
                             "spectral", 150.0, None),
    "cann": (lambda: _example("cann", n=128, duration=60.0), "spectral", 60.0, None),
    "decision_making": (lambda: _example("decision_making"), "spectral", 30.0, None),
    "paths_lif": (lif_network, "sequential", 30.0, None),
    "paths_lif_spectral": (lif_network, "spectral", 30.0, None),
    "paths_negative_exponent": (negative_exponent_network, "sequential", 30.0, None),
    "paths_adex": (adex_network, "sequential", 30.0, None),
    "paths_inputs_batch": (input_network, "sequential", 15.0, _batch_inputs),
}

OPTIONAL_CASES = {
    "digits": ("sklearn", lambda: _example("digits", n_test=6), "spectral", 20.0),
    "nir_lif": ("nir", lambda: _example("nir_lif"), "spectral", 100.0),
}


def _load_pins() -> dict:
    return json.loads(PINS.read_text()) if PINS.is_file() else {}


def _store_pin(case: str, digests: dict) -> None:
    pins = _load_pins()
    pins.setdefault(environment_key(), {})[case] = digests
    PINS.parent.mkdir(parents=True, exist_ok=True)
    PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")


def _digests(tmp_path, build, placer, duration, inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = nc.compile(build(), "emu", placer=placer)
    path = tmp_path / "program.ncp"
    prog.save(path)
    run_inputs = inputs() if inputs else None
    fast = prog.run(duration, inputs=run_inputs)
    numpy_engine = prog.run(duration, inputs=run_inputs, engine="numpy")
    fast, numpy_engine = (r if isinstance(r, list) else [r] for r in (fast, numpy_engine))
    fast_digests = [run_digest(r) for r in fast]
    assert fast_digests == [run_digest(r) for r in numpy_engine], "the two engines disagree"
    assert sum(int(c.sum()) for r in fast for c in r.counts.values()) > 0, "nothing spiked"
    return {"program": program_digest(path), "runs": fast_digests}


def _check(case: str, digests: dict) -> None:
    if UPDATE:
        _store_pin(case, digests)
        return
    pinned = _load_pins().get(environment_key(), {}).get(case)
    assert pinned is not None, (
        f"no pinned digests for case '{case}' under '{environment_key()}' in {PINS}; generate them "
        "with NEUROCOMPILE_UPDATE_PINS=1 on the commit whose outputs are the reference")
    assert digests["program"] == pinned["program"], f"{case}: the compiled program changed"
    assert digests["runs"] == pinned["runs"], f"{case}: the runs changed"


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_equal_the_pinned_ones(tmp_path, case):
    build, placer, duration, inputs = CASES[case]
    _check(case, _digests(tmp_path, build, placer, duration, inputs))


@pytest.mark.parametrize("case", sorted(OPTIONAL_CASES))
def test_optional_example_outputs_equal_the_pinned_ones(tmp_path, case, nir_paper_dir):
    extra, build, placer, duration = OPTIONAL_CASES[case]
    pytest.importorskip(extra, reason=f"the '{case}' example needs {extra}")
    _check(case, _digests(tmp_path, build, placer, duration, None))
