"""Learning epochs of the chip's STDP rule (docs/chip.md section 3.6, the target's
``[learning] epoch_log2``): with epochs of one step the per-step rule bit for bit, both engines
alike for longer ones, the pairing window sampled at the epochs' ends within the stated bound,
fewer learning updates when neurons spike several times in an epoch, an unfinished epoch not
applied, the report's epoch, and one-line errors for bad values of the key."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.program.report import render_text
from neurocompile.target import Target, load_target
from tests.reference.test_stdp import DT, LAGS, additive, pairs_network


def epoch_target(epoch_log2, name: str = "emu") -> Target:
    """The built-in target ``name`` with ``[learning] epoch_log2`` set (any value: the loader checks it)."""
    data = load_target(name).to_dict()
    data["learning"]["epoch_log2"] = epoch_log2
    return Target.from_dict(data, source=f"<{name}, epoch_log2 = {epoch_log2!r}>")


def recurrent_network() -> nc.Network:
    """Poisson drive onto 30 LIF neurons through an additive plastic projection, and a
    multiplicative plastic recurrent one with delays (as tests/lava/test_stdp.py)."""
    net = nc.Network("stdp_epochs", dt=0.1, seed=5)
    drive = net.population("drive", 40, nc.PoissonSource(60.0, seed=2))
    exc = net.population("exc", 30, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0,
                                             refractory=1.0, bias=10.0))
    net.connect(drive, exc, nc.FixedProbability(0.4, seed=1), weight=nc.Uniform(2.0, 10.0),
                plasticity=nc.STDP(tau_plus=15.0, tau_minus=25.0, A_plus=0.02, A_minus=0.021, w_max=12.0))
    net.connect(exc, exc, nc.FixedProbability(0.2, seed=3), weight=nc.Uniform(0.5, 4.0), delay=nc.Uniform(0.1, 2.0),
                plasticity=nc.STDP(tau_plus=10.0, tau_minus=10.0, A_plus=0.05, A_minus=0.05, w_max=6.0,
                                   rule="multiplicative"))
    net.probe(exc, "spikes")
    return net


def fingerprint(program, result) -> str:
    """A hash of the learned registers of every plastic projection and of the spikes of 'exc'."""
    h = hashlib.sha256()
    for qp in program.quantized.projections:
        if qp.learning is not None:
            registers = np.rint(result.weights(qp.name).data / qp.report["stdp"]["weight_step"])
            h.update(registers.astype(np.int64).tobytes())
    times, ids = result.spike_times("exc")
    h.update(np.rint(np.asarray(times) / 0.1).astype(np.int64).tobytes())
    h.update(np.asarray(ids, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


#: What the per-step rule gave for :func:`recurrent_network` over 100 ms before learning epochs
#: existed (commit 0ddd899): the fingerprint, learning updates and spikes of 'exc'.
PER_STEP_FINGERPRINT, PER_STEP_UPDATES, PER_STEP_SPIKES = "c5c0a2be11744a40", 10277, 261


def test_epochs_of_one_step_are_the_per_step_rule_bit_for_bit():
    net = recurrent_network()
    default = nc.compile(net, "emu")
    assert default.target.learning.epoch_log2 == 0
    explicit = nc.compile(net, epoch_target(0))
    runs = [default.run(100.0), explicit.run(100.0)]
    for program, result in zip((default, explicit), runs):
        assert fingerprint(program, result) == PER_STEP_FINGERPRINT
        assert result.stats.totals()["learning_updates"] == PER_STEP_UPDATES
        assert int(result.counts["exc"].sum()) == PER_STEP_SPIKES
    assert runs[0].stats.totals() == runs[1].stats.totals()
    np.testing.assert_array_equal(runs[0].stats.updates_per_core, runs[1].stats.updates_per_core)


def test_both_engines_and_two_threads_learn_the_same_in_epochs_of_8_steps():
    program = nc.compile(recurrent_network(), epoch_target(3))
    kernel = program.run(100.0)
    for other in (program.run(100.0, engine="numpy"), program.run(100.0, threads=2)):
        for qp in program.quantized.projections:
            if qp.learning is not None:
                np.testing.assert_array_equal(kernel.weights(qp.name).toarray(), other.weights(qp.name).toarray())
        np.testing.assert_array_equal(kernel.spikes("exc"), other.spikes("exc"))
        assert kernel.stats.totals() == other.stats.totals()
    assert fingerprint(program, kernel) != PER_STEP_FINGERPRINT  # the epochs do change the learning


@pytest.fixture(scope="module")
def window_by_epoch():
    """One pairing at every lag in -50..50 ms (additive rule) learned per step (k = 0) and in
    epochs of 8 steps (k = 3, 0.8 ms): both programs, both runs and the projection."""
    net, proj = pairs_network(additive())
    per_step, epochs = nc.compile(net, "emu"), nc.compile(net, epoch_target(3))
    return proj, per_step, epochs, per_step.run(150.0), epochs.run(150.0)


def test_the_window_in_epochs_of_8_steps_is_within_the_stated_bound(window_by_epoch):
    """docs/chip.md 3.6: a pair further apart than an epoch is seen at the ends of its two
    epochs, through traces that decayed up to E - 1 steps more than at the later spike: the
    change is the per-step chip change times ``exp(-d dt / tau)``, ``0 <= d <= E - 1``, so
    within ``1 - exp(-(E - 1) dt / tau)`` of it (4.0 % for tau+ = 17.02 ms, 2.0 % for
    tau- = 34.08 ms at E = 8, dt = 0.1 ms) plus one register step (each run rounds its
    update by half a step). A pair within one epoch is seen in both orders."""
    proj, per_step, epochs, run_0, run_3 = window_by_epoch
    np.testing.assert_array_equal(np.sort(run_3.spike_times("post")[0]), np.sort(run_0.spike_times("post")[0]))
    qp = next(p for p in epochs.quantized.projections if p.name == proj.name)
    stdp, step = qp.report["stdp"], qp.report["stdp"]["weight_step"]
    change_0 = run_0.weights(proj).toarray().diagonal() - 0.5
    change_3 = run_3.weights(proj).toarray().diagonal() - 0.5
    epoch = 8
    apart = np.abs(LAGS) >= epoch * DT
    tau = np.where(LAGS > 0, stdp["tau_plus"][1], stdp["tau_minus"][1])
    relative = 1.0 - np.exp(-(epoch - 1) * DT / tau)
    assert relative[LAGS > 0].max() == pytest.approx(0.0403, abs=5e-4)
    assert relative[LAGS < 0].max() == pytest.approx(0.0203, abs=5e-4)
    error = np.abs(change_3 - change_0)
    assert np.all(error[apart] <= relative[apart] * np.abs(change_0[apart]) + 1.0 * step + 1e-12)
    # the end-of-epoch traces have only decayed further: never a larger change (beyond rounding)
    assert np.all(np.sign(change_3[apart]) == np.sign(change_0[apart]))
    assert np.all(np.abs(change_3[apart]) <= np.abs(change_0[apart]) + 1.0 * step + 1e-12)
    # measured: at most 9 register steps, 3.5 % of the window's peak (A_plus w_max = 0.01)
    assert error[apart].max() <= 9 * step + 1e-12
    assert error[apart].max() / 0.01 < 0.035
    # lag 0: pre and post in one epoch, both flagged at its end (step 607) with traces 7 steps
    # old: depression and potentiation, A_plus k_x^7 - A_minus k_y^7 instead of A_plus
    zero = np.flatnonzero(LAGS == 0.0)[0]
    both = (stdp["A_plus"][1] * np.exp(-7 * DT / stdp["tau_plus"][1])
            - stdp["A_minus"][1] * np.exp(-7 * DT / stdp["tau_minus"][1])) * stdp["w_max"][1]
    assert change_0[zero] == pytest.approx(0.01, abs=2 * step)
    assert both < 0 and abs(change_3[zero] - both) <= 2 * step


def test_weights_change_only_at_the_ends_of_epochs(window_by_epoch):
    proj, per_step, epochs, run_0, run_3 = window_by_epoch
    # every synapse is depressed once and potentiated once, per step or per epoch alike
    assert run_3.stats.totals()["learning_updates"] == run_0.stats.totals()["learning_updates"] == 2 * len(LAGS)
    assert run_3.stats.totals()["energy_uJ"] == pytest.approx(run_0.stats.totals()["energy_uJ"], rel=1e-12)


def _bursts_network():
    """One presynaptic neuron onto two postsynaptic ones (two plastic synapses). The pre neuron
    spikes at steps 104, 106, 108; post 0 at 105 and 109 (all in the epoch 104..111 of 8 steps),
    post 1 at 201 (epoch 200..207)."""
    net = nc.Network("bursts", dt=DT)
    pre = net.spike_source("pre", 1, times=[10.4, 10.6, 10.8], indices=[0, 0, 0])
    post = net.population("post", 2, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    kick = net.spike_source("kick", 2, times=[10.4, 10.8, 20.0], indices=[0, 0, 1])  # arrives a step later
    net.connect(kick, post, nc.OneToOne(), weight=5.0)
    proj = net.connect(pre, post, nc.AllToAll(), weight=0.1, plasticity=additive())
    net.probe(post, "spikes")
    net.probe_weights(proj, [0, 1])
    return net, proj


def test_learning_updates_drop_when_neurons_spike_several_times_in_an_epoch():
    """Per step: 3 pre spikes x 2 synapses + 3 post spikes x 1 synapse = 9 updates. In epochs
    of 8 steps: the pre neuron's 2 synapses once (epoch 104..111), post 0's synapse once (same
    epoch), post 1's once (epoch 200..207) = 4, at steps 111 and 207 only."""
    net, proj = _bursts_network()
    run_0 = nc.compile(net, "emu").run(30.0)
    run_3 = nc.compile(net, epoch_target(3)).run(30.0)
    times, ids = run_3.spike_times("post")
    np.testing.assert_array_equal(np.rint(np.asarray(times)[np.argsort(ids, kind="stable")] / DT), [105, 109, 201])
    np.testing.assert_array_equal(run_3.spikes("post"), run_0.spikes("post"))
    assert run_0.stats.totals()["learning_updates"] == 9
    assert run_3.stats.totals()["learning_updates"] == 4
    _, trace = run_3.weight_trace(proj)
    changed = np.flatnonzero(np.any(np.diff(trace, axis=0) != 0, axis=1)) + 1
    np.testing.assert_array_equal(changed, [111, 207])
    assert not np.array_equal(run_3.weights(proj).toarray(), run_0.weights(proj).toarray())


def test_an_unfinished_epoch_is_not_applied():
    """A run of 110 steps ends inside the epoch 104..111: its spikes leave the weights as they
    were, with no learning update (a run starts a new epoch at its step 0, with zero traces)."""
    net, proj = _bursts_network()
    program = nc.compile(net, epoch_target(3))
    short = program.run(11.0)
    assert short.n_steps == 110 and short.counts["post"].sum() == 2
    assert short.stats.totals()["learning_updates"] == 0
    np.testing.assert_array_equal(short.weights(proj).toarray(), program.run(10.0).weights(proj).toarray())
    assert program.run(11.2).stats.totals()["learning_updates"] == 3  # step 111 ends the epoch


def test_the_report_shows_the_epoch_and_its_window_loss(window_by_epoch):
    _, per_step, epochs, _, _ = window_by_epoch
    text = render_text(epochs, width=250)
    assert "epoch 8 steps (0.8 ms)" in text
    assert "epoch loss +, -" in text and "4.0%, 2.0%" in text  # tau+ 17.02 ms, tau- 34.08 ms
    text = render_text(per_step, width=250)
    assert "epoch 1 step (0.1 ms): every step" in text and "0.0%, 0.0%" in text


@pytest.mark.parametrize("value, rule", [(-1, "must be an integer in 0..16"), (17, "must be an integer in 0..16"),
                                         (2.5, "must be an integer in 0..16 (got a float)"),
                                         ("3", "must be an integer in 0..16 (got a string)"),
                                         (True, "must be an integer in 0..16 (got a boolean)")])
def test_bad_epochs_are_one_line_named_errors(value, rule):
    with pytest.raises(nc.TargetError) as info:
        epoch_target(value)
    message = str(info.value)
    assert re.search(re.escape(f"learning.epoch_log2 = {value!r} {rule}"), message), message
    assert "\n" not in message
