"""Trained snnTorch networks (../shared/nir-clients) in Lava: the emulator's spikes and
voltages, image by image. Their reset by subtraction one step late runs in our NcLif process."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.lava import build_lava
from tests.helpers import NIR_CLIENTS_DIR, run_example

pytest.importorskip("nir", reason="reading .nir files needs the 'nir' extra")

IMAGES = (0, 57, 201)


@pytest.mark.parametrize("model", ["leaky", "synaptic"])
def test_trained_network_in_lava_equals_the_emulator(lava, model):
    example = run_example("snntorch_digits")
    rasters, _ = example["test_inputs"](NIR_CLIENTS_DIR)
    base = example["build"](model, 0, NIR_CLIENTS_DIR)
    duration = example["RUN_STEPS"] * base.dt
    padded = np.concatenate([rasters[:40], np.zeros((40, 2, 64), dtype=bool)], axis=1)
    calibration = nc.simulate(base, duration, inputs={"input": padded})
    for image in IMAGES:
        net = example["build"](model, image, NIR_CLIENTS_DIR)
        net.probe(net["n1"], "v")
        net.probe(net["n3"], "v")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = nc.compile(net, "lava", ranges=calibration)
        emu = program.run(duration)
        lava_run = build_lava(program, duration)
        assert "NcLif" in lava_run.describe()
        out = lava_run.run(duration)
        assert sum(int(c.sum()) for c in emu.counts.values()) > 20
        for name in emu.counts:
            np.testing.assert_array_equal(out.counts[name], emu.counts[name], err_msg=f"{model} {image} {name}")
        for pop in ("n1", "n3"):
            np.testing.assert_array_equal(out.spikes(pop), emu.spikes(pop), err_msg=f"{model} {image} {pop}")
            np.testing.assert_array_equal(out.trace(pop, "v", raw=True), emu.trace(pop, "v", raw=True),
                                          err_msg=f"{model} {image} {pop}.v")
