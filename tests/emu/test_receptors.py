"""Receptor elements on the chip (docs/chip.md section 4.5): quantization, emulator, files.

A single presynaptic spike per receptor kind gives the float PSP and the chip's within the
stated tolerances; both engines and a saved program give identical runs; saturation of an
element is counted and, in strict mode, an error naming the receptor; elements take neuron
slots of their core.
"""
from __future__ import annotations


import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip import ChipOverflowError
from neurocompile.errors import NetworkError
from neurocompile.quantize.receptors import LEAK_ELEMENT
from tests.helpers import compile_quietly

RECEPTORS = {"ampa": nc.CondExp(tau=5.0, E_rev=0.0), "gaba": nc.CondExp(tau=10.0, E_rev=-80.0),
             "nmda": nc.CondDualExp(tau_rise=2.0, tau_decay=100.0, E_rev=0.0, mg=1.0),
             "slow": nc.CurrentExp(tau=3.0), "fast": nc.CurrentExp(tau=0.0)}
LIF = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-65.0, v_th=-40.0, refractory=5.0, receptors=RECEPTORS)
ADEX = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0, b=80.5,
               V_reset=-70.6, V_peak=20.0, refractory=0.0, receptors=RECEPTORS)
# receptor -> (LIF weight, AdEx weight, probed variable, tolerance of the variable's trace)
KINDS = {"ampa": (0.5, 5.0, "g_ampa", 0.005), "gaba": (0.5, 5.0, "g_gaba", 0.005),
         "nmda": (0.4, 4.0, "g_nmda", 0.04),  # g of a dual exponential is probed one step behind
         "slow": (3.0, 100.0, "I_slow", 0.005), "fast": (2.0, 100.0, "v", 0.02)}


def _psp_network(model, receptor, weight, variable="v"):
    net = nc.Network("psp", dt=0.1)
    src = net.population("src", 1, nc.SpikeTrains([1.0, 30.0, 31.0], [0, 0, 0]))
    post = net.population("post", 1, model)
    net.connect(src, post, nc.AllToAll(), weight=weight, receptor=receptor)
    net.probe(post, "v")
    if variable != "v":
        net.probe(post, variable)
    return net


def _psp(model, receptor, weight, variable):
    net = _psp_network(model, receptor, weight, variable)
    ref = nc.simulate(net, duration=150.0)
    res = nc.compile(net, "emu").run(150.0)
    return ref, res


@pytest.mark.parametrize("receptor", sorted(KINDS))
@pytest.mark.parametrize("bank", ["LIF", "AdEx"])
def test_single_spike_response_matches_float(bank, receptor):
    lif_weight, adex_weight, variable, tolerance = KINDS[receptor]
    model, weight = (LIF, lif_weight) if bank == "LIF" else (ADEX, adex_weight)
    ref, res = _psp(model, receptor, weight, variable)
    v_float, v_chip = ref.trace("post", "v")[:, 0], res.trace("post", "v")[:, 0]
    peak = np.max(np.abs(v_float - v_float[0]))
    assert peak > 0.5  # a real PSP, not a silent neuron
    # conductance terms are first order in kappa G on the chip: within 2 % of the PSP
    assert np.max(np.abs(v_chip - v_float)) <= 0.02 * peak
    x_float, x_chip = ref.trace("post", variable)[:, 0], res.trace("post", variable)[:, 0]
    assert np.max(np.abs(x_chip - x_float)) <= tolerance * np.max(np.abs(x_float))


def _mixed_network(adex: bool = True):
    net = nc.Network("mixed", dt=0.1, seed=3)
    drive = net.population("drive", 80, nc.PoissonSource(40.0, seed=5))
    exc = net.population("exc", 120, LIF.replace(bias=21.0), v_init=nc.Uniform(-65.0, -45.0))
    inh = net.population("inh", 40, ADEX if adex else LIF.replace(bias=18.0), v_init=nc.Uniform(-70.0, -60.0))
    net.connect(drive, exc, nc.FixedProbability(0.2, seed=1), weight=0.3, receptor="ampa")
    net.connect(drive, inh, nc.FixedProbability(0.2, seed=2), weight=3.0 if adex else 0.1, receptor="nmda")
    net.connect(exc, exc, nc.FixedProbability(0.1, seed=3), weight=1.0, receptor="slow")
    net.connect(exc, inh, nc.FixedProbability(0.1, seed=4), weight=60.0 if adex else 1.0, receptor="fast")
    net.connect(inh, exc, nc.FixedProbability(0.2, seed=5), weight=0.3, receptor="gaba")
    net.probe(exc, "spikes")
    net.probe(inh, "spikes")
    net.probe(exc[:4], "v")
    net.probe(exc[:4], "g_gaba")
    net.probe(inh[:4], "v")
    net.probe(inh[:4], "g_nmda")
    net.probe(inh[:4], "h_nmda")
    return net


def _same(a, b):
    for name in ("exc", "inh"):
        for x, y in zip(a.spike_steps(name), b.spike_steps(name)):
            assert np.array_equal(x, y)
    for name, var in (("exc", "v"), ("exc", "g_gaba"), ("inh", "g_nmda"), ("inh", "h_nmda")):
        assert np.array_equal(a.trace(name, var), b.trace(name, var))


def test_engines_and_saved_program_agree_bit_for_bit(tmp_path):
    program = nc.compile(_mixed_network(), "emu")
    fast = program.run(300.0)
    assert fast.rates("exc").mean() > 1.0 and fast.rates("inh").mean() > 1.0
    _same(fast, program.run(300.0, engine="numpy"))
    program.save(tmp_path / "mixed.ncp")
    _same(fast, nc.load(tmp_path / "mixed.ncp").run(300.0))


def test_chip_rates_follow_float():
    net = _mixed_network(adex=False)
    ref = nc.simulate(net, duration=1000.0)
    res = nc.compile(net, "emu").run(1000.0)
    for name in ("exc", "inh"):
        f, c = ref.rates(name).mean(), res.rates(name).mean()
        assert f > 2.0
        # measured: exc 10.38 / 9.86 Hz, inh 69.58 / 70.18 Hz (float / chip), a recurrent network
        assert abs(c - f) <= 0.06 * f, (name, f, c)


def test_quantization_reports_realised_kinetics():
    program = nc.compile(_mixed_network(), "emu")
    report = program.quantized.populations["exc"].report["receptors"]
    assert set(report) == set(RECEPTORS) | {LEAK_ELEMENT}   # LIF: the leak element tops up dv/4096
    for name in ("ampa", "gaba"):
        requested, realised = report[name]["tau_decay"]
        assert np.allclose(realised, requested, rtol=1e-4)
        requested, realised = report[name]["E_rev"]
        assert np.allclose(realised, requested, atol=1e-3)
    requested, realised = report["nmda"]["tau_rise"]
    assert np.allclose(realised, requested, rtol=1e-4)
    from neurocompile.program.report import render_text
    text = render_text(program, width=160)
    assert "receptor elements" in text and "nmda" in text


def test_elements_take_neuron_slots_of_their_core():
    program = nc.compile(_mixed_network(), "emu")
    # the LIF population: soma, its receptors and the leak element
    assert program.info["compartments_per_neuron"] == 2 + len(RECEPTORS)
    limit = program.target.core.neurons // (2 + len(RECEPTORS))
    assert int(program.usage.neurons.max()) <= limit


def _saturating_network():
    net = nc.Network("sat", dt=0.1)
    src = net.population("src", 1, nc.SpikeTrains(np.arange(0.0, 50.0, 0.1), np.zeros(500, dtype=int)))
    post = net.population("post", 1, nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-65.0, v_th=-40.0,
                                            receptors={"slow": nc.CurrentExp(tau=100.0)}))
    net.connect(src, post, nc.AllToAll(), weight=0.01, receptor="slow")
    return net


def test_saturated_element_is_counted_and_strict_mode_names_it():
    program = nc.compile(_saturating_network(), "emu")
    counts = program.run(60.0).stats.saturations
    assert any("post" in key and n > 0 for key, n in counts.items()), counts
    with pytest.raises(ChipOverflowError, match=r"'post'\[0\] receptor 'slow'"):
        program.run(60.0, strict=True)


def test_nir_export_names_the_receptor_it_cannot_express(tmp_path):
    with pytest.raises(NetworkError, match="receptor 'ampa'.*conductance"):
        nc.write_nir(_mixed_network(adex=False), tmp_path / "x.nir")
    net = nc.Network("two", dt=0.1)
    net.population("p", 2, nc.LIF(tau_mem=10.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                                  receptors={"a": nc.CurrentExp(tau=2.0), "b": nc.CurrentExp(tau=8.0)}))
    with pytest.raises(NetworkError, match="receptor 'b' is a second synaptic current"):
        nc.write_nir(net, tmp_path / "y.nir")


def test_lava_plan_feeds_receptors_through_the_element_port():
    program = nc.compile(_mixed_network(), "emu")
    from neurocompile.lava.plan import plan_program
    plan = plan_program(program)
    assert plan.neurons["exc"].receptors == tuple(RECEPTORS) + (LEAK_ELEMENT,)   # the leak: last, no input
    block = next(b for b in plan.blocks if b.projection == "inh->exc")
    first = list(RECEPTORS).index("gaba") * 120
    assert block.port == "e_in" and block.weights.shape == ((len(RECEPTORS) + 1) * 120, 40)
    assert block.weights.tocoo().row.min() >= first and block.weights.tocoo().row.max() < first + 120


def test_a_batch_of_samples_equals_single_runs_with_elements_and_plasticity():
    """The kernel's per-sample path (B > 1) of the elements and of short-term plasticity."""
    net = _mixed_network()
    net.connect(net.populations["exc"], net.populations["exc"], nc.FixedProbability(0.05, seed=9), weight=0.5,
                receptor="slow", stp=nc.TsodyksMarkram(U=0.3, tau_rec=100.0, tau_fac=50.0), name="exc->exc stp")
    program = compile_quietly(net, "emu")
    currents = np.stack([np.full(120, 0.0), np.full(120, 2.5), np.full(120, -1.0)])
    batch = program.run(150.0, inputs={"exc": currents})
    assert len(batch) == 3
    for b in range(3):
        single = program.run(150.0, inputs={"exc": currents[b]})
        _same(batch[b], single)
        assert batch[b].stats.saturations == single.stats.saturations
    assert batch[1].rates("exc").mean() > batch[0].rates("exc").mean()


@pytest.mark.parametrize("bank", ["LIF", "AdEx"])
def test_magnesium_block_on_chip_follows_float(bank):
    """A blocked NMDA-like receptor: the chip's table of B(v) (docs/chip.md section 4.5) keeps
    the PSP within 2 % of the float one at rest and when depolarised, where the block lifts."""
    nmda = {"nmda": nc.CondDualExp(tau_rise=2.0, tau_decay=100.0, E_rev=0.0, mg=1.0)}
    peaks = []
    for rest in (-70.0, -45.0):
        if bank == "LIF":
            model, weight = nc.LIF(tau_mem=20.0, v_rest=rest, v_reset=-80.0, v_th=0.0, receptors=nmda), 0.5
        else:
            model, weight = nc.AdEx(C=200.0, g_L=10.0, E_L=rest, V_T=-30.0, delta_T=2.0, a=0.0, tau_w=100.0,
                                    b=0.0, V_reset=-80.0, V_peak=0.0, receptors=nmda), 5.0
        ref, res = _psp(model, "nmda", weight, "g_nmda")
        v_float, v_chip = ref.trace("post", "v")[:, 0], res.trace("post", "v")[:, 0]
        peak = np.max(np.abs(v_float - v_float[0]))
        assert np.max(np.abs(v_chip - v_float)) <= 0.02 * peak
        peaks.append(peak)
    assert peaks[1] > 1.5 * peaks[0]  # depolarised: less block, larger PSP despite less driving force
    program = nc.compile(_psp_network(model, "nmda", weight), "emu")
    block = program.quantized.populations["post"].report["receptors"]["nmda"]["mg_block"]
    assert block["max_error"] < 2.5e-3 and block["spacing_mV"] <= 0.25  # half a bin at the steepest slope


def test_a_target_without_the_receptor_kind_refuses_it_by_name():
    from neurocompile.errors import BuildError
    from neurocompile.target import Target, load_target

    spec = load_target("emu").to_dict()
    spec["models"]["native"] = [m for m in spec["models"]["native"] if m not in ("CondDualExp", "TsodyksMarkram")]
    target = Target.from_dict(spec)
    with pytest.raises(BuildError, match=r"Population 'exc', receptor 'nmda': model CondDualExp is not supported"):
        nc.compile(_mixed_network(), target)
    net = _mixed_network()
    spec["models"]["native"].append("CondDualExp")
    with pytest.raises(BuildError, match=r"Projection 'stp': model TsodyksMarkram is not supported"):
        net.connect(net.populations["drive"], net.populations["exc"], nc.FixedProbability(0.1, seed=4), weight=0.1,
                    receptor="ampa", stp=nc.TsodyksMarkram(U=0.5, tau_rec=100.0), name="stp")
        nc.compile(net, Target.from_dict(spec))
