"""The examples do what their docstrings promise (float reference)."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from tests.helpers import load_cuba, run_example


@pytest.fixture(scope="module")
def adex_example():
    return run_example("adex_patterns")


def test_cuba_fires_around_13_hz():
    net = load_cuba()
    assert net.n_neurons == 4000
    result = nc.simulate(net, 1000.0)
    exc, inh = result.rates("exc").mean(), result.rates("inh").mean()
    assert 12.0 < exc < 15.0
    assert 12.0 < inh < 15.0
    assert result.trace("exc", "v").shape == (10000, 5)


def test_adex_example_builds_one_population_per_pattern(adex_example):
    net = adex_example["build"]()
    names = set(adex_example["patterns"]())
    assert set(net.populations) == names
    assert {"tonic", "adapting", "regular_bursting"} <= names
    assert all(pop.size == 1 and isinstance(pop.model, nc.AdEx) for pop in net.populations.values())
    assert {(p.population.name, p.variable) for p in net.probes} == {
        (name, var) for name in names for var in ("spikes", "v")}


def test_adex_patterns_are_classified_as_documented(adex_example):
    # The same neurons packed into one population (per-neuron parameter arrays), which the
    # reference simulates much faster than one population per neuron.
    patterns = adex_example["patterns"]()
    names = list(patterns)
    net = adex_example["build_packed"]()
    result = nc.simulate(net, adex_example["DURATION_MS"])
    times, ids = result.spike_times("all")
    labels = {name: adex_example["classify"](times[ids == k]) for k, name in enumerate(names)}
    assert labels == {name: patterns[name][2] for name in names}


def test_example_classify_is_the_library_classifier(adex_example):
    # The rules themselves are tested in tests/validate/test_patterns.py (classify_pattern).
    times = np.arange(110.0, 600.0, 10.0)
    assert adex_example["classify"](times) == nc.validate.classify_pattern(times, 100.0, 600.0) == "tonic"
