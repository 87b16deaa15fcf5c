"""Receptor elements: the leak element that makes a LIF soma's leak exact, and register sizing
on float runs (``ranges=``) instead of the worst case (docs/chip.md section 4.5)."""
import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip import ChipOverflowError
from neurocompile.quantize.receptors import LEAK_ELEMENT


def _relaxing_network(tau_mem: float, bias: float, model=nc.LIF):
    net = nc.Network("relax", dt=0.1)
    extra = {"v_reset": -70.0, "v_th": -40.0} if model is nc.LIF else {}
    cell = model(tau_mem=tau_mem, v_rest=-70.0, bias=bias, **extra,
                 receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0)})
    pop = net.population("cell", 1, cell, v_init=-45.0 if model is nc.LIF else -60.0)
    net.probe(pop, "v")
    return net


@pytest.mark.parametrize("tau_mem, bias", [(20.0, 0.0), (20.0, 18.0), (10.0, 12.0), (7.3, 5.0)])
def test_leak_element_gives_the_exact_membrane_time_constant(tau_mem, bias):
    net = _relaxing_network(tau_mem, bias)
    program = nc.compile(net, "emu")
    q = program.quantized.populations["cell"]
    assert LEAK_ELEMENT in q.receptors.names
    requested, realised = q.report["tau_mem"]
    assert np.allclose(realised, requested, rtol=1e-4)
    # the soma's 12-bit leak: dv = 20 for 20 ms (20.43 ms), dv = 41 for 10 ms (9.94 ms)
    assert q.receptors.report[LEAK_ELEMENT]["dv_rel_error"] > 1e-3
    assert q.params.dv.max() == 0
    ref, chip = nc.simulate(net, 60.0), program.run(60.0)
    v_ref, v_chip = ref.trace("cell", "v")[:, 0], chip.trace("cell", "v")[:, 0]
    # relaxation from -45 mV to -70 + bias: without the element the 12-bit leak is off by
    # 0.6-2 % in rate, about 0.08 mV at one time constant for 25 mV
    assert np.max(np.abs(v_chip - v_ref)) < 5e-3, np.max(np.abs(v_chip - v_ref))


def test_leak_element_on_li_and_its_slot():
    net = _relaxing_network(20.0, 10.0, model=nc.LI)
    program = nc.compile(net, "emu")
    assert program.info["compartments_per_neuron"] == 3   # soma, ampa, leak
    v_ref = nc.simulate(net, 40.0).trace("cell", "v")[:, 0]
    v_chip = program.run(40.0).trace("cell", "v")[:, 0]
    assert np.max(np.abs(v_chip - v_ref)) < 5e-3


def _many_small_inputs(rate_hz: float = 3.0):
    """A population fed through 'ampa' by two all-to-all blocks of 800 small synapses (Wang's
    w+ and w- weights) and one large synapse per neuron: the worst case sizes the register for
    all 1600 inputs at once, which leaves the small weights about 20 mantissa steps."""
    net = nc.Network("small_weights", dt=0.1, seed=3)
    cell = nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-55.0, v_th=-50.0, refractory=2.0,
                  receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0)})
    post = net.population("post", 50, cell, v_init=nc.Uniform(-65.0, -55.0))
    net.connect(net.poisson("many", 800, rate_hz), post, nc.AllToAll(), weight=0.002, receptor="ampa", name="plus")
    net.connect(net.poisson("more", 800, rate_hz), post, nc.AllToAll(), weight=0.00175, receptor="ampa",
                name="minus")
    net.connect(net.poisson("few", 50, 600.0), post, nc.OneToOne(), weight=0.084, receptor="ampa", name="large")
    net.probe(post, "g_ampa")
    return net


def _projection(program, name):
    return next(p for p in program.quantized.projections if p.name == name)


def test_ranges_size_receptor_registers_on_float_runs():
    net = _many_small_inputs()
    calibration = nc.simulate(net, 300.0)
    worst = nc.compile(net, "emu")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calibrated = nc.compile(net, "emu", ranges=calibration)
    assert not any("receptor 'ampa'" in str(w.message) for w in caught)
    report = calibrated.quantized.populations["post"].receptors.report["ampa"]
    assert report["sizing"] == "measured"
    assert report["g_lsb"] < worst.quantized.populations["post"].receptors.report["ampa"]["g_lsb"] / 4
    for name in ("plus", "minus"):
        error_worst = _projection(worst, name).report["rel_rms_error"]
        error_calibrated = _projection(calibrated, name).report["rel_rms_error"]
        # at the scale the worst case allows, 20 mantissa steps: errors of 1.2 / 2.2 % before the
        # scale was chosen for rounding, 0.1 % after; calibrated 0.01 %
        assert error_calibrated < 0.001 and error_calibrated <= error_worst, (name, error_calibrated, error_worst)
    # the calibrated chip follows float on the same run: conductance and rates
    ref, chip = nc.simulate(net, 300.0), calibrated.run(300.0)
    g_ref, g_chip = ref.trace("post", "g_ampa").mean(), chip.trace("post", "g_ampa").mean()
    assert abs(g_chip - g_ref) < 0.004 * g_ref, (g_ref, g_chip)
    assert not chip.stats.saturations


def test_run_beyond_the_calibration_saturates_and_is_counted():
    net = _many_small_inputs()
    program = nc.compile(net, "emu", ranges=nc.simulate(net, 200.0))
    burst = np.zeros((2000, 800), dtype=bool)
    burst[500:700:2] = True                       # 800 small inputs at 5 kHz for 20 ms
    result = program.run(200.0, inputs={"many": burst})
    assert sum(result.stats.saturations.values()) > 0
    with pytest.raises(ChipOverflowError, match="post"):
        program.run(200.0, strict=True, inputs={"many": burst})


def test_nmda_worst_case_is_one_volley_not_a_sustained_rate():
    """g = sum w s with every gate s <= 1: the sum of the weights bounds the register, at any rate."""
    net = nc.Network("nmda_bound", dt=0.1)
    cell = nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-55.0, v_th=-50.0, refractory=2.0,
                  receptors={"nmda": nc.NMDA()})
    post = net.population("post", 20, cell)
    pre = net.population("pre", 800, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-55.0, v_th=-50.0,
                                            refractory=2.0, tau_syn=2.0))
    net.connect(pre, post, nc.AllToAll(), weight=0.0066, receptor="nmda")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nc.compile(net, "emu")
    assert not any("receptor 'nmda'" in str(w.message) for w in caught), [str(w.message) for w in caught]
