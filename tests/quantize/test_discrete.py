"""Quantization of DiscreteLIF / DiscreteLI (neurocompile.quantize.discrete, precise_weights):
register scales from worst-case or measured ranges, exact thresholds, two-part weights, and
saturation reported per population when a run leaves the measured range."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip import ChipOverflowError
from neurocompile.errors import NetworkError
from neurocompile.quantize.network import quantize
from neurocompile.target import load_target
from tests.helpers import random_trained_layers, trained_network

STEPS = 20


def network_and_inputs(seed=0, batch=6, p=0.3):
    layers = random_trained_layers(seed)
    net = trained_network(layers)
    rng = np.random.default_rng(seed)
    raster = rng.random((batch, STEPS + len(layers), layers[0].weight.shape[0])) < p
    raster[:, STEPS:] = False
    return net, raster, (STEPS + len(layers)) * net.dt


def quantized(net, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize(net, load_target("emu"), **options)


def test_thresholds_are_exact_and_scales_per_neuron():
    net, _, _ = network_and_inputs()
    q = quantized(net).populations["l2"]
    scale = q.bias_per_unit  # LSB per mV, one per neuron
    assert np.unique(scale).size > 1
    span = net["l2"].params["threshold"] - net["l2"].params["v_rest"]
    threshold = (q.params.field("vth_mant") << 6) / scale
    np.testing.assert_allclose(threshold, span, rtol=1e-15)


def test_measured_ranges_give_finer_registers_than_the_worst_case():
    net, raster, duration = network_and_inputs()
    floats = nc.simulate(net, duration, inputs={"input": raster})
    worst = quantized(net).populations["l3"]
    measured = quantized(net, ranges=floats).populations["l3"]
    assert worst.report["range_from"] == "worst case"
    assert measured.report["range_from"] == "measured x margin"
    assert np.all(measured.bias_per_unit >= worst.bias_per_unit)
    assert measured.report["voltage_lsb_mV"] < worst.report["voltage_lsb_mV"]


def test_a_silent_calibration_still_fits_every_bias():
    # A silent run measures small ranges; the scale must still leave room for each bias.
    net, raster, duration = network_and_inputs()
    for pop in ("l1", "l2", "l3", "l4"):
        net[pop].params["bias"] = np.where(np.arange(net[pop].size) % 2, 2.5, -2.5)
    silent = nc.simulate(net, duration)
    program = nc.compile(net, "emu", ranges=silent)  # no BuildError: the bias register fits
    for name in ("l1", "l4"):
        q = program.quantized.populations[name]
        assert q.report["bias_rel_error"] < 1e-3


def test_runs_beyond_the_measured_range_report_saturation_per_population():
    net, raster, duration = network_and_inputs(p=0.02)
    quiet = nc.simulate(net, duration, inputs={"input": raster})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(net, "emu", ranges=quiet)
    loud = np.ones_like(raster)
    loud[:, STEPS:] = False
    result = program.run(duration, inputs={"input": loud})[0]
    assert result.stats.saturations, "every input spiking every step leaves a 2x margin"
    for label, count in result.stats.saturations.items():
        assert label.split(":")[0] in {"'l1'", "'l2'", "'l3'", "'l4'"} and count > 0
        assert label.endswith(("dendritic input", "state v"))
    with pytest.raises(ChipOverflowError, match=r"'l\d'\[\d+\] at step \d+"):
        program.run(duration, inputs={"input": loud[:1]}, strict=True)


def test_weight_precision_choices():
    net, _, _ = network_and_inputs()
    with pytest.raises(NetworkError, match=r"weight_precision.*'triple'.*'auto', 'single', 'double'"):
        quantized(net, weight_precision="triple")
    single = quantized(net, weight_precision="single")
    double = quantized(net, weight_precision="double")
    auto = quantized(net)
    assert len(double.projections) > len(single.projections)
    assert [p.name for p in auto.projections] == [p.name for p in double.projections]  # discrete: double

    def rms(q):
        return max(p.report["rel_rms_error"] for p in q.projections if not p.name.endswith("lo]"))
    assert rms(double) < rms(single) / 10


def test_exact_lif_networks_keep_single_weights_by_default():
    net = nc.Network("ode", dt=0.1)
    src = net.poisson("src", 5, rate=100.0)
    pop = net.population("n", 3, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.AllToAll(), weight=0.3)
    assert [p.name for p in quantized(net).projections] == [p.name for p in net.projections]


def test_a_subnormal_threshold_is_named():
    """threshold - v_rest = 5.6e-309 (a damaged snnTorch file) made the scale inf and the weight
    split an OverflowError."""
    net = nc.Network("tiny_threshold", dt=0.1)
    src = net.spike_source("src", 1, times=[0.5], indices=[0])
    pop = net.population("n", 2, nc.DiscreteLIF(beta=0.9, threshold=5.56e-309))
    net.connect(src, pop, nc.AllToAll(), weight=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(nc.BuildError, match=r"Population 'n': threshold - v_rest = 5\.56e-309 mV is too small"):
            nc.compile(net, "emu")
