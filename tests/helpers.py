"""Helpers shared by the tests: paths, network builders and assertions.

Imported as ``from tests.helpers import ...`` (``tests/`` is a package, see ``pyproject.toml``).
Test files import from here, never from each other or from ``conftest.py``, which holds only
fixtures.
"""
from __future__ import annotations

import contextlib
import dataclasses
import faulthandler
import runpy
import signal
import sys
import warnings
from pathlib import Path
from typing import Mapping, NamedTuple

import numpy as np
import scipy.sparse as sp

import neurocompile as nc
from neurocompile.target import Target, load_target

# -- paths -------------------------------------------------------------------------------------

REPO_DIR = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO_DIR / "examples"
TARGETS_DIR = REPO_DIR / "targets"
#: ../shared beside the project root (CI runs with it there; tests never copy its files).
SHARED_DIR = REPO_DIR.parent / "shared"
NIR_PAPER_DIR = SHARED_DIR / "nir-paper"


def run_example(name: str) -> dict:
    """The globals of ``examples/<name>.py`` after running it as a script module."""
    return runpy.run_path(str(EXAMPLES_DIR / f"{name}.py"))


def load_cuba() -> nc.Network:
    """A fresh CUBA network from examples/cuba.py (the issue's canonical user script)."""
    return run_example("cuba")["net"]


# -- compiling and comparing runs ----------------------------------------------------------------

def compile_quietly(net, target="emu", placer: str | None = None):
    """``nc.compile`` with quantization warnings silenced (tiny weights rounding to 0 and the
    like are expected in these test networks)."""
    kwargs = {} if placer is None else {"placer": placer}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nc.compile(net, target, **kwargs)


def assert_same(a, b) -> None:
    """Two Results agree on everything a run reports: steps, what was probed, spike counts,
    probed spikes, raw traces and every counter of ``Result.stats``."""
    assert a.n_steps == b.n_steps
    assert set(a.counts) == set(b.counts)
    assert sorted(a.spike_probed) == sorted(b.spike_probed)
    assert sorted(a.traced) == sorted(b.traced)
    for name in a.counts:
        np.testing.assert_array_equal(a.counts[name], b.counts[name], err_msg=name)
    for name in a.spike_probed:
        for x, y in zip(a.spike_steps(name), b.spike_steps(name)):
            np.testing.assert_array_equal(x, y, err_msg=name)
    for name, var in a.traced:
        np.testing.assert_array_equal(a.trace(name, var, raw=True), b.trace(name, var, raw=True),
                                      err_msg=f"{name}.{var}")
    for f in dataclasses.fields(a.stats):
        x, y = getattr(a.stats, f.name), getattr(b.stats, f.name)
        if isinstance(x, dict):
            assert x == y, f.name
        else:
            np.testing.assert_array_equal(x, y, err_msg=f.name)


def run_cli(capsys, *argv):
    """``neurocompile *argv`` in this process: (exit code, stdout, stderr)."""
    from neurocompile.cli.main import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rewrite_manifest(path: Path, edit) -> None:
    """Rewrite the program file (``.ncp``) at ``path`` with its manifest, the JSON tree of
    names, numbers and reports, changed in place by ``edit(tree)`` (a crafted file)."""
    import io
    import json
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    tree = json.loads(np.load(io.BytesIO(members["manifest.npy"])).tobytes().decode("utf-8"))
    edit(tree)
    out = io.BytesIO()
    np.save(out, np.frombuffer(json.dumps(tree).encode("utf-8"), dtype=np.uint8))
    members["manifest.npy"] = out.getvalue()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)


class Overrun(BaseException):
    """A block under :func:`deadline` ran too long (a BaseException: no ``except Exception``
    in the code under test swallows it)."""


@contextlib.contextmanager
def deadline(seconds: float, what: str):
    """Raise :class:`Overrun` naming ``what`` if the block takes longer than ``seconds`` of wall
    time, so that a hang fails the test instead of stalling the suite (SIGALRM: Unix, main
    thread). A loop inside C code (a compiled kernel, the HDF5 library) never returns to Python
    to see the signal: at four times ``seconds`` faulthandler prints every thread's traceback
    and ends the test process, which then fails instead of hanging."""
    def expire(signum, frame):
        raise Overrun(f"{what} took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(4 * seconds, exit=True, file=sys.__stderr__)  # not a captured stream
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_one_named_line(message: str, *names: str) -> None:
    """``message`` is one line of printable text (control characters from a file are escaped)
    that contains every string of ``names``."""
    assert message and "\n" not in message, message
    assert message.isprintable(), repr(message)
    for name in names:
        assert name in message, (name, message)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path


# -- small networks of the emulator tests ------------------------------------------------------

def single_lif_driven(weight=2.0, delay=0.1, tau_syn=5.0, reset="value", refractory=0.0,
                      spike_times=(1.0,)) -> nc.Network:
    """One LIF neuron ``n`` driven by one spike source ``src``; probes spikes, v and I_syn."""
    net = nc.Network("single", dt=0.1)
    src = net.spike_source("src", 1, times=list(spike_times), indices=[0] * len(spike_times))
    lif = nc.LIF(tau_mem=10.0, tau_syn=tau_syn, v_rest=0.0, v_reset=0.0, v_th=1.0,
                 refractory=refractory, reset=reset)
    pop = net.population("n", 1, lif)
    net.connect(src, pop, nc.AllToAll(), weight=weight, delay=delay)
    net.probe(pop, "spikes")
    net.probe(pop, "v")
    net.probe(pop, "I_syn")
    return net


# The emulator-path networks: every path of the engines (also pinned in tests/examples).

def lif_network() -> nc.Network:
    """LIF + LI readout, Poisson and spike-train sources, drawn delays, reset by subtraction,
    refractoriness, a step current (bias updates) and probes of every LIF variable."""
    net = nc.Network("paths-lif", dt=0.1, seed=5)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0, refractory=0.5)
    sub = nc.LIF(tau_mem=15.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0, reset="subtract")
    noise = net.poisson("noise", 60, rate=250.0)
    trains = net.spike_source("trains", 5, times=0.3 + 0.7 * np.arange(28),
                              indices=np.arange(28) % 5)
    a = net.population("a", 120, lif, v_init=nc.Uniform(0.0, 0.9))
    b = net.population("b", 40, sub)
    readout = net.population("readout", 3, nc.LI(tau_mem=20.0, tau_syn=5.0))
    net.connect(noise, a, nc.FixedProbability(0.2, seed=1), weight=nc.Normal(0.4, 0.1))
    net.connect(trains, b, nc.AllToAll(), weight=0.9, delay=nc.Uniform(0.1, 0.8))
    net.connect(a, a, nc.FixedProbability(0.05, seed=2), weight=-0.3, delay=nc.Uniform(0.1, 1.0))
    net.connect(a, b, nc.FixedProbability(0.1, seed=3), weight=0.5, delay=0.3)
    net.connect(b, readout, nc.AllToAll(), weight=0.2)
    net.current(b[:10], nc.StepCurrent(times=[5.0, 12.0], amplitudes=[0.2, 0.0]))
    net.probe(a, "spikes")
    net.probe(b, "spikes")
    net.probe(a[:4], "v")
    net.probe(a[2:6], "I_syn")
    net.probe(readout, "v")
    return net


def negative_exponent_network() -> nc.Network:
    """Tiny weights (negative exponent: per-(projection, delay) floored rings) next to normal ones."""
    net = nc.Network("paths-negexp", dt=0.1, seed=6)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    src = net.poisson("src", 200, rate=400.0)
    pop = net.population("n", 30, lif)
    net.connect(src, pop, nc.FixedProbability(0.5, seed=1), weight=0.002, delay=nc.Uniform(0.1, 0.4))
    net.connect(src, pop, nc.FixedProbability(0.1, seed=2), weight=0.3)
    net.probe(pop, "spikes")
    net.probe(pop[:3], "I_syn")
    return net


def adex_network() -> nc.Network:
    """AdEx population (Poisson input with drawn delays, a step current) driving a LIF one."""
    net = nc.Network("paths-adex", dt=0.1, seed=7)
    model = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0,
                    b=80.5, V_reset=-70.6, V_peak=-40.4, refractory=0.5, tau_syn=5.0)
    src = net.poisson("src", 80, 80.0)
    pop = net.population("adex", 25, model)
    lif = net.population("lif", 10, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, pop, nc.FixedProbability(0.3, seed=1), weight=300.0, delay=nc.Uniform(0.1, 0.5))
    net.connect(pop, lif, nc.AllToAll(), weight=0.6)
    net.current(pop[:5], nc.StepCurrent(times=[10.0], amplitudes=[500.0]))
    net.probe(pop, "spikes")
    net.probe(lif, "spikes")
    for var in ("v", "w", "I_syn"):
        net.probe(pop[:3], var)
    return net


def nonlinear_network(dt: float = 0.1, seed: int = 9) -> nc.Network:
    """Izhikevich cells of four of the 2003 paper's classes (per-neuron parameters, exponential
    and instantaneous synapses, recurrent inhibition, a step current) and an ExpIF population,
    all on the nonlinear soma, driven by Poisson input."""
    net = nc.Network("paths-nonlinear", dt=dt, seed=seed)
    classes = np.array([[0.02, 0.2, -65.0, 8.0], [0.1, 0.2, -65.0, 2.0], [0.02, 0.2, -50.0, 2.0],
                        [0.02, 0.2, -55.0, 4.0]])  # regular / fast spiking, chattering, bursting
    table = np.repeat(classes, 5, axis=0)
    izh = net.population("izh", 20, nc.Izhikevich(a=table[:, 0], b=table[:, 1], c=table[:, 2], d=table[:, 3],
                                                  tau_syn=np.where(np.arange(20) % 2, 5.0, 0.0)),
                         v_init=nc.Uniform(-70.0, -60.0))
    expif = net.population("expif", 8, nc.ExpIF(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0,
                                                V_reset=-58.0, V_peak=-40.0, refractory=0.5, tau_syn=5.0))
    src = net.poisson("src", 40, 100.0)
    net.connect(src, izh, nc.FixedProbability(0.4, seed=1), weight=nc.Uniform(2.0, 6.0), delay=nc.Uniform(0.1, 0.5))
    net.connect(izh, izh, nc.FixedProbability(0.3, seed=2), weight=-3.0, delay=0.2)
    net.connect(src, expif, nc.FixedProbability(0.5, seed=3), weight=150.0)
    net.connect(izh, expif, nc.FixedProbability(0.5, seed=4), weight=100.0)
    net.current(izh[:6], nc.StepCurrent(times=[5.0, 15.0], amplitudes=[10.0, 4.0]))
    for pop in (izh, expif):
        net.probe(pop, "spikes")
        net.probe(pop[:4], "v")
        net.probe(pop[:4], "I_syn")
    net.probe(izh[:4], "u")
    return net


def hh_network(dt: float = 0.025, seed: int = 10) -> nc.Network:
    """Hodgkin-Huxley neurons (exponential and instantaneous synapses, a step current, per-neuron
    conductances) driven by Poisson input, with every register probed."""
    net = nc.Network("paths-hh", dt=dt, seed=seed)
    hh = net.population("hh", 6, nc.HH(g_Na=np.array([120.0, 120.0, 110.0, 120.0, 100.0, 115.0]),
                                       tau_syn=np.array([0.5, 2.0, 0.0, 0.5, 2.0, 0.0]), I_e=np.linspace(0.0, 8.0, 6)))
    src = net.poisson("src", 20, 200.0)
    net.connect(src, hh, nc.FixedProbability(0.5, seed=1), weight=nc.Uniform(1.0, 4.0), delay=nc.Uniform(0.1, 0.5))
    net.connect(hh, hh, nc.FixedProbability(0.5, seed=2), weight=-2.0, delay=1.0)
    net.current(hh[:2], nc.StepCurrent(times=[10.0, 20.0], amplitudes=[15.0, 0.0]))
    net.probe(hh, "spikes")
    for variable in ("v", "m", "h", "n", "I_syn"):
        net.probe(hh[:3], variable)
    return net


def input_network() -> nc.Network:
    """A network fed per run: an empty spike source ``pixels`` (16) and currents into ``hidden``."""
    net = nc.Network("paths-inputs", dt=0.1, seed=8)
    pixels = net.spike_source("pixels", 16, times=[], indices=[])
    hidden = net.population("hidden", 20, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    out = net.population("out", 4, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pixels, hidden, nc.FixedProbability(0.5, seed=1), weight=nc.Normal(0.8, 0.3))
    net.connect(hidden, out, nc.FixedProbability(0.5, seed=2), weight=nc.Normal(0.5, 0.5))
    net.probe(hidden, "spikes")
    net.probe(out, "spikes")
    net.probe(out, "v")
    return net


# -- the Lava target's random network ----------------------------------------------------------

def random_lif_network(seed: int, refractory: float = 0.0, delays: bool = True,
                       reset: str = "value") -> nc.Network:
    """Source, excitatory and inhibitory LIF populations with random parameters.

    Projections: excitatory (including recurrent exc->exc), inhibitory, one mixed-sign, and
    large weights that need a positive weight exponent. With ``delays`` several projections
    draw per-synapse delays of 1..5 steps.
    """
    rng = np.random.default_rng(seed)
    net = nc.Network(f"random{seed}", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=float(rng.uniform(10, 30)), tau_syn=float(rng.uniform(2, 8)),
                 v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=refractory, reset=reset)
    src = net.poisson("src", 30, float(rng.uniform(300, 500)))
    exc = net.population("exc", 40, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", 12, lif, v_init=nc.Uniform(-60.0, -50.0))

    def delay():
        return nc.Uniform(0.1, 0.5) if delays else None

    net.connect(src, exc, nc.FixedProbability(0.3, seed=seed + 1), weight=float(rng.uniform(3.0, 5.0)),
                delay=delay())
    # Large and sparse: needs a weight exponent > 0.
    net.connect(src, inh, nc.FixedProbability(0.05, seed=seed + 2), weight=nc.Uniform(10.0, 40.0),
                delay=0.2 if delays else None)
    net.connect(exc, exc, nc.FixedProbability(0.15, seed=seed + 3), weight=1.2, delay=delay())
    net.connect(exc, inh, nc.FixedProbability(0.3, seed=seed + 4), weight=1.5, delay=0.3 if delays else None)
    net.connect(inh, exc, nc.FixedProbability(0.3, seed=seed + 5), weight=-6.0, delay=delay())
    mixed = rng.normal(0.0, 1.5, size=(12, 40)) * (rng.random((12, 40)) < 0.3)
    net.connect(inh, exc, nc.Explicit(mixed), name="inh->exc mixed")
    net.probe(exc, "spikes")
    net.probe(inh, "spikes")
    net.probe(exc[:6], "v")
    net.probe(exc[:6], "I_syn")
    net.probe(inh[:3], "v")
    return net


# -- placement: small targets and structured networks ----------------------------------------------

PLACEMENT_LIF = dict(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0)


def small_core_target(neurons=64, fanin=4096, synapses=65536, chips=4, name="tiny", parameter_sets=None):
    """The emu target with smaller cores (and 1, 2 or 4 chips), so that small networks span
    several cores, tiles and chips."""
    data = load_target("emu").to_dict()
    data["name"] = name
    data["core"].update(neurons=neurons, fanin_axons=fanin, synapse_entries=synapses)
    if parameter_sets is not None:
        data["core"]["neuron_parameter_sets"] = parameter_sets
    data["board"]["chips"] = chips
    data["board"]["chip_rows"], data["board"]["chip_cols"] = {1: (1, 1), 2: (1, 2), 4: (2, 2)}[chips]
    return Target.from_dict(data)


def sheet(side=30, k=30, sigma=2.0, seed=0, source=False, shuffle=False) -> nc.Network:
    """A 2D sheet, Gaussian connectivity (optionally fed by the host). Neuron i sits at grid
    cell i (row-major), or with ``shuffle`` at a random cell, so that the network order
    carries no locality."""
    rng = np.random.default_rng(seed)
    net = nc.Network(f"sheet{side}", dt=0.1, seed=seed)
    pop = net.population("sheet", side * side, nc.LIF(**PLACEMENT_LIF))
    cell = np.random.default_rng(seed + 1).permutation(side * side) if shuffle else np.arange(side * side)
    xy = np.stack(np.divmod(cell, side), axis=1)
    post = np.repeat(np.arange(side * side), k)
    src = np.clip(np.rint(xy[post] + rng.normal(0, sigma, (post.size, 2))), 0, side - 1).astype(int)
    pre = np.argsort(cell)[src[:, 0] * side + src[:, 1]]  # the neuron at each source cell
    net.connect(pop, pop, nc.Explicit(sp.csr_matrix((np.full(pre.size, 0.4), (pre, post)),
                                                    shape=(side * side, side * side))))
    if source:
        inp = net.poisson("input", 50, rate=200.0)
        net.connect(inp, pop[: side * 3], nc.FixedProbability(0.3, seed=3), weight=3.0)
    return net


def ring(n=1200, k=20, sigma=0.02, seed=0) -> nc.Network:
    """Excitatory and inhibitory neurons on a ring, each drawing ``k`` inputs from nearby angles."""
    rng = np.random.default_rng(seed)
    net = nc.Network("ring", dt=0.1, seed=seed)
    exc = net.population("exc", n, nc.LIF(**PLACEMENT_LIF))
    inh = net.population("inh", n // 4, nc.LIF(**{**PLACEMENT_LIF, "tau_mem": 10.0}))
    for pre, post, w in ((exc, exc, 0.5), (exc, inh, 0.5), (inh, exc, -2.0)):
        dst = np.repeat(np.arange(post.size), k)
        theta = dst / post.size + rng.normal(0, sigma, dst.size)
        src = np.rint((theta % 1) * pre.size).astype(int) % pre.size
        net.connect(pre, post, nc.Explicit(sp.csr_matrix((np.full(src.size, w), (src, dst)),
                                                         shape=(pre.size, post.size))))
    return net


def random_ei(n=600, p=0.05, seed=0) -> nc.Network:
    """A random excitatory/inhibitory network (80/20) with Poisson drive, no spatial structure."""
    net = nc.Network("random_ei", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    exc = net.population("exc", int(0.8 * n), lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n - int(0.8 * n), lif, v_init=nc.Uniform(-60.0, -50.0))
    inp = net.poisson("drive", 40, rate=50.0)
    for i, (a, b, w) in enumerate(((exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0))):
        net.connect(a, b, nc.FixedProbability(p, seed=i + 1), weight=w)
    net.connect(inp, exc, nc.FixedProbability(0.2, seed=9), weight=2.0)
    return net


#: Targets of the placement tests: the built-in ones and small cores that bind every limit.
PLACEMENT_TARGETS = {
    "emu": lambda: load_target("emu"),
    "lava": lambda: load_target("lava"),
    "tiny-multichip": lambda: small_core_target(neurons=64),
    "tight-fanin": lambda: small_core_target(neurons=256, fanin=300, synapses=4000),
    "param-sets": lambda: small_core_target(neurons=128, parameter_sets=1),
}


# -- AdEx ------------------------------------------------------------------------------------------

NAUD_2008 = {  # Naud et al. 2008, Table 1 (C pF, g_L nS, mV, a nS, tau_w ms, b pA, I_e pA)
    "tonic": dict(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, a=2.0, tau_w=30.0,
                  b=0.0, V_reset=-58.0, I_e=500.0),
    "adapting": dict(C=200.0, g_L=12.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, a=2.0, tau_w=300.0,
                     b=60.0, V_reset=-58.0, I_e=500.0),
}


def naud_population(names, **extra) -> dict:
    """Per-neuron AdEx parameter arrays (NAUD_2008 sets by name, one neuron each), with
    V_peak = 0 mV, no refractory period and tau_syn = 5 ms unless ``extra`` overrides them."""
    keys = NAUD_2008[names[0]].keys()
    params = {k: np.array([NAUD_2008[n][k] for n in names]) for k in keys}
    params.update({"V_peak": np.zeros(len(names)), "refractory": np.zeros(len(names)),
                   "tau_syn": np.full(len(names), 5.0)})
    params.update(extra)
    return params


ADEX_KEYS = ("C", "g_L", "E_L", "V_T", "delta_T", "a", "tau_w", "b", "V_reset", "V_peak",
             "refractory", "tau_syn", "I_e")


class AdexShadowResult(NamedTuple):
    """State after one float shadow step (float64 arrays, mV and pA) and the spike vector."""

    v: np.ndarray
    w: np.ndarray
    i_syn: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray


def adex_shadow_step(v, w, i_syn, input_pA, params: Mapping[str, object], dt: float, *,
                     I_e=None, refractory_left=None) -> AdexShadowResult:
    """The chip's AdEx update (docs/chip.md section 5.4) in float64, without rounding, table or
    saturation: it measures the error of the integers.

    Forward Euler for V and w, exact decay for I_syn, same order as the integer step, the
    exponential evaluated exactly at ``min(V, V_peak)``. ``input_pA``: summed synaptic
    weights arriving this step (pA); ``I_e`` overrides ``params["I_e"]`` (step currents).
    """
    p = {k: np.asarray(params[k], dtype=np.float64) for k in ADEX_KEYS}
    v = np.asarray(v, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    input_pA = np.asarray(input_pA, dtype=np.float64)
    if refractory_left is None:
        refractory_left = np.zeros(v.shape, dtype=np.int64)
    refractory_left = np.asarray(refractory_left, dtype=np.int64)
    drive = p["I_e"] if I_e is None else np.asarray(I_e, dtype=np.float64)
    instant = p["tau_syn"] == 0
    i = np.asarray(i_syn, dtype=np.float64) + np.where(instant, 0.0, input_pA)
    v0 = v + np.where(instant, input_pA / p["C"], 0.0)
    exp_term = p["g_L"] * p["delta_T"] * np.exp((np.minimum(v0, p["V_peak"]) - p["V_T"]) / p["delta_T"])
    v1 = v0 + dt / p["C"] * (-p["g_L"] * (v0 - p["E_L"]) + exp_term - w + i + drive)
    w1 = w + dt / p["tau_w"] * (p["a"] * (v0 - p["E_L"]) - w)
    safe_tau_syn = np.where(instant, 1.0, p["tau_syn"])
    i_next = np.where(instant, 0.0, i * np.exp(-dt / safe_tau_syn))
    held = refractory_left > 0
    v1 = np.where(held, p["V_reset"], v1)
    spiked = ~held & (v1 >= p["V_peak"])
    v1 = np.where(spiked, p["V_reset"], v1)
    w1 = np.where(spiked, w1 + p["b"], w1)
    steps = np.rint(p["refractory"] / dt).astype(np.int64)
    refractory_new = np.where(spiked, steps, np.maximum(refractory_left - 1, 0))
    return AdexShadowResult(v1, w1, i_next, spiked, refractory_new)


# -- trained (discrete-time) networks ----------------------------------------------------------

NIR_CLIENTS_DIR = SHARED_DIR / "nir-clients"


class TrainedLayer(NamedTuple):
    """One layer of a feed-forward network as snnTorch holds it: ``weight`` (n_in, n_out),
    ``bias``, per-neuron ``beta``, ``alpha`` (None: ``snn.Leaky``) and ``threshold``."""

    weight: np.ndarray
    bias: np.ndarray
    beta: np.ndarray
    alpha: np.ndarray | None
    threshold: np.ndarray


def random_trained_layers(seed: int, sizes=(24, 40, 32, 20, 6), synaptic=(False, True, False, True)):
    """Layers like a trained network's: learned per-neuron decays and thresholds, weights and
    biases of either sign, Leaky and Synaptic layers mixed."""
    rng = np.random.default_rng(seed)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(TrainedLayer(
            weight=rng.normal(0.0, 1.6 / np.sqrt(n_in), size=(n_in, n_out)),
            bias=rng.normal(0.0, 0.1, size=n_out),
            beta=rng.uniform(0.5, 0.99, size=n_out),
            alpha=rng.uniform(0.2, 0.9, size=n_out) if synaptic[k] else None,
            threshold=rng.uniform(0.7, 1.3, size=n_out)))
    return layers


def snntorch_numpy_run(layers, raster: np.ndarray) -> list[np.ndarray]:
    """The spikes of every layer, (steps, n_out) bool each, by the update equations that
    ../shared/nir-clients/README.md gives for snnTorch 1.0 (defaults: reset by subtraction one
    step after the spike, ``mem > threshold``), all in float64. ``I[t] = W x[t] + b`` is summed
    one presynaptic spike at a time in ascending order, as a float sum must be ordered to be
    reproducible bit for bit."""
    n_steps = raster.shape[0]
    mem = [np.zeros(layer.weight.shape[1]) for layer in layers]
    syn = [np.zeros(layer.weight.shape[1]) for layer in layers]
    out = [np.zeros((n_steps, layer.weight.shape[1]), dtype=bool) for layer in layers]
    for t in range(n_steps):
        x = raster[t]
        for k, layer in enumerate(layers):
            summed = np.zeros(layer.weight.shape[1])
            for j in np.flatnonzero(x):
                summed = summed + layer.weight[j]
            current = summed + layer.bias
            reset = mem[k] > layer.threshold
            if layer.alpha is not None:
                syn[k] = layer.alpha * syn[k] + current
                current = syn[k]
            mem[k] = layer.beta * mem[k] + current - reset * layer.threshold
            out[k][t] = mem[k] > layer.threshold
            x = out[k][t]
    return out


def trained_network(layers, dt: float = 0.1, raster: np.ndarray | None = None) -> nc.Network:
    """``layers`` as DiscreteLIF populations ``l1``, ``l2``, ... behind a spike source
    ``input`` (driven by ``raster`` (steps, n_in) if given), snnTorch's semantics: layer k
    starts its bias at step k, when its first input arrives."""
    net = nc.Network("trained", dt=dt)
    n_in = layers[0].weight.shape[0]
    if raster is None:
        source = net.spike_source("input", n_in, times=[], indices=[])
    else:
        steps, ids = np.nonzero(raster)
        source = net.spike_source("input", n_in, times=steps * dt, indices=ids)
    pre = source
    for k, layer in enumerate(layers, start=1):
        model = nc.DiscreteLIF(beta=layer.beta, alpha=0.0 if layer.alpha is None else layer.alpha,
                               threshold=layer.threshold, bias=layer.bias, bias_onset=k * dt,
                               reset="subtract", reset_delay=1)
        post = net.population(f"l{k}", layer.weight.shape[1], model)
        net.connect(pre, post, nc.Explicit(sp.csr_matrix(layer.weight)))
        net.probe(post, "spikes")
        pre = post
    return net


def layer_rasters(result, n_layers: int, n_steps: int) -> list[np.ndarray]:
    """Each layer's spikes as (n_steps, n) bool, shifted back by its depth (layer k runs k
    steps behind a framework whose edges take no time)."""
    rasters = []
    for k in range(1, n_layers + 1):
        name = f"l{k}"
        steps, ids = result.spike_steps(name)
        raster = np.zeros((n_steps, result.counts[name].size), dtype=bool)
        keep = (steps >= k) & (steps < n_steps + k)
        raster[steps[keep] - k, ids[keep]] = True
        rasters.append(raster)
    return rasters
