"""Every example builds for the emulator, and its documented float-vs-chip result holds.

Sizes and durations are reduced where the example's function takes them, to keep the whole
file within about two minutes on two cores; the assertions are the ones the docstrings state.
"""
from __future__ import annotations

import numpy as np
import pytest
from rich.console import Console

import neurocompile as nc
from neurocompile.cli.build import BuildContext, run_build
from tests.helpers import EXAMPLES_DIR, run_example

#: Examples that need an optional extra: name -> (module, extra).
NEEDS = {"digits": ("sklearn", "examples")}


def needs_extras(name: str) -> None:
    """Skip (with the reason) when example ``name`` needs a package that is not installed."""
    if name in NEEDS:
        module, extra = NEEDS[name]
        pytest.importorskip(module, reason=f"examples/{name}.py needs {module} (pip install '.[{extra}]')")


def build(tmp_path, name: str, duration: float):
    """``neurocompile build examples/<name>.py --target emu --validate <duration>``."""
    ctx = BuildContext(network_file=EXAMPLES_DIR / f"{name}.py", target_name="emu",
                       duration=duration, seed=None, out=tmp_path,
                       console=Console(file=open(tmp_path / "log.txt", "w"), width=160))
    run_build(ctx)
    assert (tmp_path / f"{ctx.network.name}.ncp").is_file()
    return ctx


@pytest.mark.parametrize("name, duration", [("adex_patterns", 20.0), ("brunel", 50.0),
                                            ("decision_making", 50.0), ("cann", 50.0),
                                            ("digits", 20.0)])
def test_example_builds_for_the_emulator(tmp_path, name, duration):
    needs_extras(name)
    ctx = build(tmp_path, name, duration)
    assert ctx.comparison is not None
    assert set(ctx.comparison.populations) == set(ctx.network.populations)


def test_cuba_chip_rates_within_5_percent_of_float(tmp_path):
    ctx = build(tmp_path, "cuba", 200.0)
    for name in ("exc", "inh"):
        pop = ctx.comparison.populations[name]
        assert 11.0 < pop.rate_float < 16.0
        assert pop.rate_rel_error < 0.05, (name, pop.rate_float, pop.rate_chip)
    assert ctx.comparison.populations["exc"].criterion == "distribution"
    assert ctx.comparison.passed(0.05)


def test_adex_every_pattern_class_matches_float():
    rows = run_example("adex_patterns")["evaluate"]()
    assert len(rows) == 10
    for name, row in rows.items():
        assert row["float"] == row["expected"], name
        assert row["chip"] == row["float"], (name, row)
        assert abs(row["chip_spikes"] - row["float_spikes"]) <= 1, (name, row)


def test_adex_firing_patterns_keep_their_class_on_chip():
    """Every AdEx firing pattern of examples/adex_patterns.py is classified the same on the chip."""
    adex = run_example("adex_patterns")
    patterns = adex["patterns"]()
    names = list(patterns)
    net = adex["build_packed"]()
    ref = nc.simulate(net, adex["DURATION_MS"])
    out = nc.compile(net, "emu").run(adex["DURATION_MS"])
    classify = adex["classify"]
    t_float, i_float = ref.spike_times("all")
    t_chip, i_chip = out.spike_times("all")
    float_labels = {n: classify(t_float[i_float == k]) for k, n in enumerate(names)}
    chip_labels = {n: classify(t_chip[i_chip == k]) for k, n in enumerate(names)}
    assert float_labels == {n: patterns[n][2] for n in names}
    assert chip_labels == float_labels


def test_brunel_asynchronous_irregular_on_float_and_chip():
    out = run_example("brunel")["evaluate"](duration=300.0)
    for label in ("float", "chip"):
        r = out[label]
        assert 30.0 < r["rate_exc"] < 90.0, (label, r)
        assert r["cv_exc"] > 0.8, (label, r)        # irregular
        assert r["chi_exc"] < 0.3, (label, r)       # asynchronous
    f, c = out["float"], out["chip"]
    assert abs(c["rate_exc"] - f["rate_exc"]) / f["rate_exc"] < 0.06
    assert abs(c["cv_exc"] - f["cv_exc"]) / f["cv_exc"] < 0.1
    exc = out["comparison"].populations["exc"]
    assert exc.criterion == "distribution" and exc.rate_ks < 0.2


def test_decision_making_trial_inputs_are_poisson_and_the_stimulus_is_biased():
    dm = run_example("decision_making")
    rasters = dm["trial_inputs"](0.512, seed=5)
    n_steps = int(round(dm["TRIAL_MS"] / dm["DT"]))
    background = rasters["background_NS"]
    assert background.shape == (n_steps, dm["N_NONSELECTIVE"] * dm["BACKGROUND_SOURCES"])
    rate = background.sum() / dm["N_NONSELECTIVE"] / (dm["TRIAL_MS"] * 1e-3)
    assert abs(rate - dm["BACKGROUND_HZ"]) < 0.01 * dm["BACKGROUND_HZ"], rate
    # a neuron's spikes per step are a Poisson count (variance = mean), not a Bernoulli draw
    counts = background.reshape(n_steps, dm["N_NONSELECTIVE"], dm["BACKGROUND_SOURCES"]).sum(axis=2)
    assert abs(counts.var() / counts.mean() - 1.0) < 0.01
    on = int(round(dm["STIMULUS_ON_MS"] / dm["DT"]))
    assert not rasters["stimulus_A"][:on].any()
    stim_ms = dm["STIMULUS_MS"] * 1e-3
    rate_a = rasters["stimulus_A"][on:].sum() / dm["N_SELECTIVE"] / stim_ms
    rate_b = rasters["stimulus_B"][on:].sum() / dm["N_SELECTIVE"] / stim_ms
    assert abs(rate_a - 40.0 * 1.512) < 3.0 and abs(rate_b - 40.0 * 0.488) < 3.0, (rate_a, rate_b)
    again = dm["trial_inputs"](0.512, seed=5)
    assert all(np.array_equal(rasters[k], again[k]) for k in rasters)


def test_decision_making_chip_decides_like_float_on_the_same_inputs():
    dm = run_example("decision_making")
    runs = {backend: dm["run_trials"](backend, trials=2, coherences=(0.512,)) for backend in ("float", "chip")}
    out = dm["psychometric"](runs)
    rates = {backend: np.asarray(run["rates"])[0] for backend, run in runs.items()}
    for backend in ("float", "chip"):
        assert out[backend]["p_a"] == [1.0]
        assert np.all(rates[backend][:, 0] > 20.0) and np.all(rates[backend][:, 1] < 5.0), rates
    # measured: winners 33.1 / 34.6 Hz float, 32.5 / 33.2 Hz chip
    assert np.all(np.abs(rates["chip"][:, 0] - rates["float"][:, 0]) < 0.15 * rates["float"][:, 0]), rates
    assert out["changed"] == 0.0 and out["agree"] == [True]


def test_cann_bump_holds_and_tracks_on_float_and_chip():
    out = run_example("cann")["evaluate"]()
    for label in ("float", "chip"):
        assert out[f"{label}_hold_error"] < 0.1
        assert out[f"{label}_track_error"] < 0.3
        assert out[f"{label}_silent_windows"] <= 1
    assert out["chip_vs_float"] < 0.1


def test_digits_chip_accuracy_within_one_point_of_float_snn():
    needs_extras("digits")
    out = run_example("digits")["evaluate"](n_test=120)
    assert out["ann"] > 0.93
    assert out["float"] >= out["ann"] - 0.02
    assert abs(out["chip"] - out["float"]) <= 0.01
