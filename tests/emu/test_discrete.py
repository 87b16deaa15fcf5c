"""DiscreteLIF networks on the emulator against the float reference: deeper networks with
learned per-neuron decays and thresholds, Leaky and Synaptic layers mixed, on batches."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocompile as nc
from tests.helpers import layer_rasters, random_trained_layers, trained_network

STEPS = 30
BATCH = 24


def runs(seed: int, **compile_options):
    layers = random_trained_layers(seed)
    rng = np.random.default_rng(seed)
    batch = rng.random((BATCH, STEPS, layers[0].weight.shape[0])) < 0.3
    padded = np.concatenate([batch, np.zeros((BATCH, len(layers), batch.shape[2]), dtype=bool)], axis=1)
    net = trained_network(layers)
    duration = (STEPS + len(layers)) * net.dt
    floats = nc.simulate(net, duration, inputs={"input": padded})
    calibration = compile_options.pop("calibration", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # worst-case register warnings of calibrated ranges
        program = nc.compile(net, "emu", ranges=floats[:calibration] if calibration else None, **compile_options)
    chips = program.run(duration, inputs={"input": padded})
    agreement = [np.mean([np.mean(layer_rasters(f, len(layers), STEPS)[k] == layer_rasters(c, len(layers), STEPS)[k])
                          for f, c in zip(floats, chips)]) for k in range(len(layers))]
    saturations = sum(sum(r.stats.saturations.values()) for r in chips)
    return np.array(agreement), saturations, program


@pytest.mark.parametrize("seed", [0, 1])
def test_calibrated_chip_follows_float_in_every_layer(seed):
    agreement, saturations, program = runs(seed, calibration=BATCH // 2)
    assert np.all(agreement >= 0.99), agreement
    assert saturations == 0
    report = program.quantized.populations["l1"].report
    assert report["range_from"] == "measured x margin"
    assert report["threshold_rel_error"] == pytest.approx(0.0, abs=1e-12)  # thresholds are exact


def test_worst_case_ranges_never_saturate_and_stay_close():
    agreement, saturations, program = runs(0)
    assert saturations == 0
    assert np.all(agreement >= 0.95), agreement
    assert program.quantized.populations["l1"].report["range_from"] == "worst case"


def test_two_part_weights_beat_single_mantissas():
    double, _, program = runs(1, calibration=BATCH // 2, weight_precision="double")
    single, _, single_program = runs(1, calibration=BATCH // 2, weight_precision="single")
    assert np.all(double > single), (double, single)
    names = {qp.name for qp in program.quantized.projections}
    assert "input->l1[+lo]" in names and "input->l1[-lo]" in names
    assert not any(name.endswith("lo]") for name in (qp.name for qp in single_program.quantized.projections))
