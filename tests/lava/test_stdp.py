"""STDP in Lava: our NcPlasticConnection learns exactly the emulator's weights and gives its
spikes, for a recurrent plastic network with delays, into the soma and into a receptor."""
from __future__ import annotations

import numpy as np

import neurocompile as nc
from tests.helpers import compile_quietly
from tests.lava.test_against_emulator import DURATION, assert_same_run


def _network():
    net = nc.Network("stdp_lava", dt=0.1, seed=5)
    drive = net.population("drive", 40, nc.PoissonSource(60.0, seed=2))
    exc = net.population("exc", 30, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                                             refractory=1.0, bias=10.0))
    cond = net.population("cond", 10, nc.LIF(tau_mem=10.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, bias=12.0,
                                              receptors={"e": nc.CondExp(tau=3.0, E_rev=0.0)}))
    stdp = nc.STDP(tau_plus=15.0, tau_minus=25.0, A_plus=0.02, A_minus=0.021, w_max=12.0)
    into = net.connect(drive, exc, nc.FixedProbability(0.4, seed=1), weight=nc.Uniform(2.0, 10.0), plasticity=stdp)
    recurrent = net.connect(exc, exc, nc.FixedProbability(0.2, seed=3), weight=nc.Uniform(0.5, 4.0),
                            delay=nc.Uniform(0.1, 2.0),
                            plasticity=nc.STDP(tau_plus=10.0, tau_minus=10.0, A_plus=0.05, A_minus=0.05, w_max=6.0,
                                               rule="multiplicative"))
    net.connect(exc, cond, nc.FixedProbability(0.3, seed=4), weight=nc.Uniform(0.0, 0.3), receptor="e",
                plasticity=nc.STDP(tau_plus=20.0, tau_minus=20.0, A_plus=0.03, A_minus=0.03, w_max=0.4))
    net.probe(exc, "spikes")
    net.probe(cond, "spikes")
    net.probe(exc[:3], "v")
    net.probe_weights(into, [0, 5, 17])
    net.probe_weights(recurrent, [1, 2])
    return net


def test_plastic_network_on_lava_learns_the_emulators_weights(lava):
    program = compile_quietly(_network(), "lava")
    emu, out, lava_run = assert_same_run(program, ["exc", "cond"], [("exc", "v")])
    plastic = [qp.name for qp in program.quantized.projections if qp.learning is not None]
    assert len(plastic) == 3
    assert {b.lava_class for b in lava_run.plan.blocks} == {"NcPlasticConnection"}
    assert "STDPLoihi" in lava_run.describe()
    changed = 0
    for name in plastic:
        np.testing.assert_array_equal(out.weights(name).toarray(), emu.weights(name).toarray(), err_msg=name)
        qp = next(p for p in program.quantized.projections if p.name == name)
        changed += int(np.sum(emu.weights(name).data != qp.plastic_weight * qp.report["stdp"]["weight_step"]))
    assert changed > 50  # the runs did learn
    for name in ("drive->exc", "exc->exc"):
        np.testing.assert_array_equal(out.weight_trace(name)[1], emu.weight_trace(name)[1], err_msg=name)
    assert emu.counts["exc"].sum() > 20 and emu.counts["cond"].sum() > 5
    assert out.n_steps * program.dt == DURATION


def test_learning_epochs_on_lava_learn_the_emulators_weights(lava):
    """With learning epochs of 4 steps (``[learning] epoch_log2 = 2``) the Lava connection keeps
    the epoch's flags as the emulator does: identical weights, weight probes and spikes, and
    fewer updates than the per-step rule's (each neuron's synapses once per epoch)."""
    from neurocompile.target import Target, load_target

    data = load_target("lava").to_dict()
    data["learning"]["epoch_log2"] = 2
    program = compile_quietly(_network(), Target.from_dict(data, source="<lava, epochs of 4 steps>"))
    emu, out, _ = assert_same_run(program, ["exc", "cond"], [("exc", "v")])
    plastic = [qp.name for qp in program.quantized.projections if qp.learning is not None]
    for name in plastic:
        np.testing.assert_array_equal(out.weights(name).toarray(), emu.weights(name).toarray(), err_msg=name)
    for name in ("drive->exc", "exc->exc"):
        np.testing.assert_array_equal(out.weight_trace(name)[1], emu.weight_trace(name)[1], err_msg=name)
    # the probed registers change only at the epochs' last steps (3, 7, 11, ...)
    trace = emu.weight_trace("drive->exc")[1]
    changed = np.flatnonzero(np.any(np.diff(trace, axis=0) != 0, axis=1)) + 1
    assert changed.size > 0 and np.all(changed % 4 == 3)
