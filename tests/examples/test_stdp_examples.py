"""The STDP examples build with ``neurocompile build`` and, at reduced durations, learn on the chip
as in float: Song et al.'s weights drift the same way (small KS distance of the final weights),
the pattern example finds the pattern on the chip (seed 1) and its early learning follows float."""
from __future__ import annotations

import numpy as np

import neurocompile as nc
from tests.examples.test_chip import build
from tests.helpers import run_example


def test_stdp_examples_build_for_the_emulator(tmp_path):
    for name in ("stdp_song2000", "stdp_pattern"):
        (tmp_path / name).mkdir()
        ctx = build(tmp_path / name, name, 300.0)
        assert ctx.comparison is not None
        assert "neuron" in ctx.comparison.populations


def test_song2000_chip_weights_follow_float():
    results = run_example("stdp_song2000")["evaluate"](rates=(20.0,), seconds=20.0, with_float=True)
    row = results[20.0]
    for kind in ("float", "chip"):
        w = row[kind]["weights"]
        assert w.size == 1000 and 0.0 <= w.min() and w.max() <= 1.0
    # after 20 s the distribution has moved away from uniform in both, the same way
    uniform = np.linspace(0, 1, 1000)
    ks = run_example("stdp_song2000")["ks_distance"]
    assert ks(row["float"]["weights"], uniform) > 0.05
    assert row["ks"] < 0.05
    assert abs(row["chip"]["near_0"] - row["float"]["near_0"]) < 0.05
    assert abs(row["chip"]["near_max"] - row["float"]["near_max"]) < 0.05


def test_pattern_is_found_on_chip_and_early_learning_follows_float():
    example = run_example("stdp_pattern")
    chip = example["evaluate"](seeds=(1,), seconds=300.0)[1]["chip"]
    # seed 1 (deterministic on the chip): the pattern's afferents win, the neuron fires to it
    assert chip["w_pattern"] > chip["w_other"] + 0.2 and chip["at_bounds"] > 0.8, chip
    assert chip["hits"] > 0.3 * chip["shown"] and chip["false_alarms_per_s"] < 0.5, chip
    # over the first 20 s the chip's weights follow the float ones: the same depression of both
    # groups (the learning is a race, so single synapses part ways once a spike moves by a step)
    net, proj, _ = example["pattern_network"](20000.0, 1)
    w_float = nc.simulate(net, 20000.0).weights(proj).data
    w_chip = nc.compile(net, "emu").run(20000.0).weights(proj).data
    half = w_float.size // 2
    for part in (slice(0, half), slice(half, None)):
        assert abs(w_chip[part].mean() - w_float[part].mean()) < 0.02
        assert w_float[part].mean() < 0.475 - 0.1  # they did move
    assert np.corrcoef(w_chip, w_float)[0, 1] > 0.4
