"""Short-term plasticity (Tsodyks–Markram): the float reference against the closed-form
steady state of a regular train, the chip against the float, both engines alike, errors."""
from __future__ import annotations


import numpy as np
import pytest

import neurocompile as nc
from tests.helpers import compile_quietly
from neurocompile.errors import NetworkError
from neurocompile.reference.delivery import ShortTermState

DT = 0.1


def _steady_train(stp, interval_ms: float, n: int = 200) -> np.ndarray:
    state = ShortTermState(stp, 1, DT)
    step = int(round(interval_ms / DT))
    return np.array([state.efficacy(k * step, np.array([0]))[0] for k in range(n)])


def test_depression_reaches_the_closed_form_steady_state():
    U, tau, interval = 0.5, 800.0, 50.0
    efficacy = _steady_train(nc.TsodyksMarkram(U=U, tau_rec=tau), interval)
    decay = np.exp(-interval / tau)
    x_steady = (1 - decay) / (1 - (1 - U) * decay)  # x just before a spike
    assert efficacy[0] == pytest.approx(U)
    assert efficacy[-1] == pytest.approx(U * x_steady, rel=1e-9)


def test_facilitation_reaches_the_closed_form_steady_state():
    U, tau, interval = 0.1, 500.0, 20.0
    efficacy = _steady_train(nc.TsodyksMarkram(U=U, tau_rec=0.0, tau_fac=tau), interval)
    decay = np.exp(-interval / tau)
    # u after the increment: u* = u*_before + U (1 - u*_before), u*_before = u* decay
    u_steady = U / (1 - (1 - U) * decay)
    assert efficacy[-1] == pytest.approx(u_steady, rel=1e-9)
    assert np.all(np.diff(efficacy) > 0)


def _train_network(stp, receptors: bool = True, rate_hz: float = 20.0, n: int = 30):
    net = nc.Network("stp", dt=DT)
    times = np.arange(n) * 1000.0 / rate_hz + 1.0
    src = net.population("src", 1, nc.SpikeTrains(times, np.zeros(n, dtype=int)))
    kw = {"receptors": {"ampa": nc.CurrentExp(tau=3.0)}} if receptors else {"tau_syn": 3.0}
    post = net.population("post", 1, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=0.0, **kw))
    net.connect(src, post, nc.AllToAll(), weight=5.0, stp=stp)
    net.probe(post, "v")
    return net, float(times[-1] + 50.0)


@pytest.mark.parametrize("stp, tolerance", [(nc.TsodyksMarkram(U=0.5, tau_rec=800.0), 0.025),
                                            (nc.TsodyksMarkram(U=0.1, tau_rec=100.0, tau_fac=1000.0), 0.035)])
def test_chip_follows_float_through_a_train(stp, tolerance):
    net, duration = _train_network(stp)
    ref = nc.simulate(net, duration)
    program = compile_quietly(net, "emu")
    chip = program.run(duration)
    v_float, v_chip = ref.trace("post", "v")[:, 0], chip.trace("post", "v")[:, 0]
    assert np.max(np.abs(v_chip - v_float)) <= tolerance * np.ptp(v_float)
    # the plasticity acts: the last PSPs differ clearly from the first
    realised = program.quantized.projections[0].report["stp"]
    assert realised["tau_rec"][1] == pytest.approx(float(stp.tau_rec), rel=1e-3)
    np.testing.assert_array_equal(chip.trace("post", "v", raw=True), program.run(duration, engine="numpy")
                                  .trace("post", "v", raw=True))


def test_soma_projection_with_coarse_values_is_warned():
    net, _ = _train_network(nc.TsodyksMarkram(U=0.5, tau_rec=800.0), receptors=False)
    with pytest.warns(UserWarning, match="short-term plasticity.*receptors="):
        nc.compile(net, "emu")


def test_recurrent_network_with_plasticity_engines_and_files_agree(tmp_path):
    net = nc.Network("rec", dt=DT, seed=2)
    drive = net.population("drive", 50, nc.PoissonSource(30.0, seed=1))
    lif = nc.LIF(tau_mem=20.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0, bias=14.5,
                 receptors={"e": nc.CurrentExp(tau=5.0), "i": nc.CurrentExp(tau=10.0)})
    exc = net.population("exc", 80, lif)
    net.connect(drive, exc, nc.FixedProbability(0.2, seed=1), weight=6.0, receptor="e",
                stp=nc.TsodyksMarkram(U=0.2, tau_rec=200.0, tau_fac=600.0))
    net.connect(exc, exc, nc.FixedProbability(0.1, seed=2), weight=-1.0, receptor="i", delay=nc.Uniform(0.1, 2.0),
                stp=nc.TsodyksMarkram(U=0.6, tau_rec=400.0))
    net.probe(exc, "spikes")
    net.probe(exc[:3], "v")
    program = compile_quietly(net, "emu")
    fast = program.run(300.0)
    rate_float = nc.simulate(net, 300.0).rates("exc").mean()
    assert rate_float > 5.0 and abs(fast.rates("exc").mean() - rate_float) < 0.05 * rate_float
    for other in (program.run(300.0, engine="numpy"), (program.save(tmp_path / "r.ncp"),
                                                       nc.load(tmp_path / "r.ncp"))[1].run(300.0)):
        for x, y in zip(fast.spike_steps("exc"), other.spike_steps("exc")):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(fast.trace("exc", "v", raw=True), other.trace("exc", "v", raw=True))


@pytest.mark.parametrize("kwargs, message", [({"U": 1.5, "tau_rec": 100.0}, "U = 1.5 must be in"),
                                             ({"U": 0.5, "tau_rec": -1.0}, "tau_rec"),
                                             ({"U": np.array([0.1, 0.2]), "tau_rec": 10.0}, "scalar"),
                                             ({"U": 0.5, "tau_rec": 10.0, "tau_d": 3.0}, "tau_d")])
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(NetworkError, match=message):
        nc.TsodyksMarkram(**kwargs)


def test_connect_rejects_a_non_plasticity_object():
    net = nc.Network("x", dt=DT)
    a = net.population("a", 2, nc.PoissonSource(10.0))
    b = net.population("b", 2, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0))
    with pytest.raises(NetworkError, match="stp"):
        net.connect(a, b, nc.AllToAll(), weight=1.0, stp={"U": 0.5})


@pytest.mark.parametrize("stp", [nc.TsodyksMarkram(U=0.5, tau_rec=800.0),
                                 nc.TsodyksMarkram(U=0.15, tau_rec=130.0, tau_fac=530.0)])
def test_epsc_amplitudes_of_a_20_hz_train_follow_the_recursion(stp):
    """Each EPSC (the jump of the receptor's current) against the Tsodyks–Markram recursion:
    within 1e-9 in float and 3 % on the chip (issue 17)."""
    n, interval, tau, weight = 10, 50.0, 3.0, 5.0
    net, duration = _train_network(stp, n=n)
    net.probe(net.populations["post"], "I_ampa")
    U, decay_rec = float(stp.U), np.exp(-interval / float(stp.tau_rec))
    decay_fac = np.exp(-interval / float(stp.tau_fac)) if float(stp.tau_fac) > 0 else 0.0
    u, x, recursion = 0.0, 1.0, []
    for _ in range(n):  # u relaxes to 0, x to 1 between spikes; facilitate, use, deplete
        u = u + U * (1 - u)
        recursion.append(weight * u * x)
        x = x - u * x
        u, x = u * decay_fac, 1 - (1 - x) * decay_rec
    arrivals = np.rint((np.arange(n) * interval + 1.0) / DT).astype(int) + 1  # one step of delay
    keep = np.exp(-DT / tau)
    for result, tolerance in ((nc.simulate(net, duration), 1e-9),
                              (compile_quietly(net, "emu").run(duration), 0.03)):
        current = result.trace("post", "I_ampa")[:, 0]  # recorded after the step's decay
        epsc = (current[arrivals] - current[arrivals - 1] * keep) / keep
        np.testing.assert_allclose(epsc, recursion, rtol=tolerance)
