"""examples/izhikevich_types.py: every feature of Izhikevich (2004, Fig. 1) shows in the float
run (a check per feature), the checks are not vacuous, and the chip keeps every feature (spike
count within one of float's, first spike within 1 ms), as the README's table states."""
from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import run_example

EXAMPLE = run_example("izhikevich_types")
FEATURES = EXAMPLE["FEATURES"]

#: Two cells of Izhikevich (2003) that show only a few of the features: a regular-spiking
#: and a fast-spiking cell, run with each panel's input.
CONTROLS = {"regular spiking": dict(a=0.02, b=0.2, c=-65, d=8), "fast spiking": dict(a=0.1, b=0.2, c=-65, d=2)}


@pytest.fixture(scope="module")
def results():
    return EXAMPLE["evaluate"]("emu")


@pytest.mark.parametrize("key", list(FEATURES))
def test_float_run_shows_the_feature(results, key):
    row = results[key]
    assert row["float_shows"], (key, row["title"], row["float_detail"])


@pytest.mark.parametrize("key", list(FEATURES))
def test_chip_keeps_the_feature(results, key):
    row = results[key]
    assert abs(row["chip_spikes"] - row["float_spikes"]) <= 1, row
    assert row["first_spike_diff_ms"] <= 1.0, row
    assert row["chip_shows"], (key, row["chip_detail"])


def test_feature_checks_reject_cells_without_the_feature(monkeypatch):
    """The same inputs into a regular- or a fast-spiking cell: every check rejects at least
    one of the two (a check that accepted anything would pass both)."""
    accepted = {}
    for name, params in CONTROLS.items():
        for key, feature in FEATURES.items():
            monkeypatch.setitem(FEATURES, key, dataclasses.replace(feature, params=dict(feature.params, **params)))
            run, _ = EXAMPLE["run_feature"](key, None)
            monkeypatch.setitem(FEATURES, key, feature)
            accepted.setdefault(key, []).append(EXAMPLE["show_feature"](key, run)[0])
    assert not [key for key, flags in accepted.items() if all(flags)]
    # the regular-spiking cell has only the spike latency of these twenty
    assert [key for key, flags in accepted.items() if flags[0]] == ["I"]


def test_build_gives_one_neuron_at_the_panels_step():
    net = EXAMPLE["build"]("R")
    assert net.dt == 0.5 and net.populations["neuron"].size == 1
    with pytest.raises(KeyError, match="the features are A, B"):
        EXAMPLE["build"]("Z")
