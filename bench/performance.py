"""Performance goals of the emulator and compiler, each measured beside its peer, in one table.

Rows (issue "Performance"):

1. CUBA (4000 LIF, 2 %, dt 0.1 ms): emulator steps/s vs Lava ``fixed_pt`` on the same compiled
   program (``lava`` target), spikes compared. Lava runs Loihi's own LIF where it is bit-exact
   (CUBA without refractoriness) and our ``NcLif`` process otherwise (CUBA, 5 ms refractory).
2. 1,000,000 neurons / 100,000,000 synapses (bench/large_network.py): compile time (quantize
   + place + usage + routes, ``placer="sequential"``), peak memory during compile vs the
   network's synapse arrays, emulated synaptic events/s.
3. Float reference on CUBA vs Brian2 (cython target, compilation cache warm) on the same
   network (identical connectivity) and duration.
4. Batched inference: B = 64 samples in one ``prog.run(inputs=batch)`` vs a Python loop of
   single runs, spikes compared per sample: the digits test set of examples/digits.py (one
   image per sample, as input currents) and a rate-coded network fed spike rasters.
5. Start-up: ``neurocompile build examples/cuba.py --target emu`` wall time, cold (numba cache
   cleared) and warm.
6. Peers (issue 22): CUBA 4k for 1 s, our emulator (warm kernel) and float reference beside
   Brian2 (cython, cpp_standalone) and NEST (2 threads) on the same network; the 1M/100M ring
   at dt 0.1 ms (1000 steps) and at dt 1 ms (200 steps), and NEST 2 threads beside ours on
   the 1M/100M and 200k/20M rings (NEST peaks at ~11 GB on 1M); the LIF pass and the delivery against
   this machine's limits (bench/limits.py). Each peer runs in its own
   environment (bench/peers.py), named by ``NC_BRIAN2_PYTHON`` and ``NC_NEST_PYTHON`` (default:
   this interpreter); a missing peer prints why.

Run it in the environment that has Lava and Brian2 (Python 3.10)::

    PYTHONPATH=. python bench/performance.py            # full (about 10 minutes)
    PYTHONPATH=. python bench/performance.py --quick    # shorter runs, smaller large network

or, for the peers table alone, with the peers in their own environments::

    NC_BRIAN2_PYTHON=/path/brian2-venv/bin/python NC_NEST_PYTHON=/path/nest-venv/bin/python \
        PYTHONPATH=. python bench/performance.py --only peers

Missing Lava or Brian2 leave their peer cells empty, saying why.
"""
from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]  # bench/lava.py vs lava
sys.path.insert(0, os.path.dirname(_HERE))

import numpy as np  # noqa: E402

import neurocompile as nc  # noqa: E402

REPO = os.path.dirname(_HERE)


def _load_bench_module(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"bench_{name}", os.path.join(_HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quiet_compile(net, target, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nc.compile(net, target, **kw)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def cuba(refractory: float = 5.0, n: int = 4000, seed: int = 1) -> nc.Network:
    """The CUBA benchmark of examples/cuba.py (optionally without refractoriness)."""
    net = nc.Network(f"cuba{n}" + ("" if refractory else "-norefr"), dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=refractory)
    n_exc = n * 4 // 5
    exc = net.population("exc", n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n - n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    for k, (pre, post, w) in enumerate([(exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0)]):
        net.connect(pre, post, nc.FixedProbability(0.02, seed=k + 1), weight=w)
    net.probe(exc, "spikes")
    return net


# -- 1. emulator vs Lava -------------------------------------------------------------------

def bench_lava(rows, duration, lava_duration):
    for refractory, label in ((5.0, "CUBA 4k (refractory 5 ms; Lava NcLif)"),
                              (0.0, "CUBA 4k (no refractory; Lava's own LIF)")):
        prog = _quiet_compile(cuba(refractory), "lava", placer="sequential")
        prog.run(10.0)  # load the compiled kernel
        emu, t_emu = timed(lambda: prog.run(duration))
        emu_sps = emu.n_steps / t_emu
        ref, t_ref = timed(lambda: prog.run(min(duration, 200.0), engine="numpy"))
        try:
            from neurocompile.lava import build_lava
            importlib.import_module("lava.magma.core.run_configs")  # is lava-nc there?
        except ImportError as exc:
            rows.append((f"{label}: emulator steps/s", f"{emu_sps:,.0f}",
                         f"Lava not importable ({exc.__class__.__name__})", ">= 50x Lava", "?"))
            continue
        lava_run = build_lava(prog, lava_duration)
        out = lava_run.run(lava_duration)
        lava_sps = out.n_steps / lava_run.timings["run"]
        short = prog.run(lava_duration)
        same = bool(np.array_equal(out.spikes("exc"), short.spikes("exc"))
                    and all(np.array_equal(out.counts[k], short.counts[k]) for k in short.counts))
        rows.append((f"{label}: emulator steps/s (numpy path {ref.n_steps / t_ref:,.0f})",
                     f"{emu_sps:,.0f}", f"Lava fixed_pt {lava_sps:,.0f} ({out.n_steps} steps)",
                     ">= 50x", f"{emu_sps / lava_sps:,.0f}x, spikes {'identical' if same else 'DIFFER'}"))


# -- 2. large network ----------------------------------------------------------------------

class PeakRss:
    """Samples this process's resident memory every 10 ms (peak since the last reset)."""

    def __init__(self):
        self.peak = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def now() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self._stop:
            self.peak = max(self.peak, self.now())
            time.sleep(0.01)

    def reset(self):
        self.peak = self.now()

    def stop(self):
        self._stop = True


def bench_large(rows, n, run_ms):
    large = _load_bench_module("large_network")
    rss = PeakRss()
    net, t_build = timed(lambda: large.ring_network(n))
    syn_bytes = large.synapse_bytes(net)
    target = large.board_target(16)
    rss.reset()
    before = rss.now()
    prog, t_compile = timed(lambda: _quiet_compile(net, target, placer="sequential"))
    peak = rss.peak
    syn = prog.summary()["synapses"]
    rows.append((f"{n:,} neurons / {syn:,} synapses: compile s (quantize+place+usage+routes; "
                 f"network built in {t_build:.0f} s)", f"{t_compile:.1f}", "", "<= 120 s",
                 "yes" if t_compile <= 120 else "NO"))
    rows.append(("  peak memory during compile / synapse arrays "
                 f"({syn_bytes / 1e9:.2f} GB: weights, indices, delays)",
                 f"{(peak - before) / syn_bytes:.2f}x above the loaded network; "
                 f"{peak / syn_bytes:.2f}x whole process", "", "<= 3x",
                 "yes" if peak - before <= 3 * syn_bytes else "NO"))
    rss.reset()
    prog.run(net.dt * 10)  # load
    result, t_run = timed(lambda: prog.run(run_ms))
    events = int(result.stats.synops_per_step.sum())
    rate = float(result.rates("neurons").mean())
    run_peak = rss.peak
    rss.stop()
    rows.append((f"  emulation: synaptic events/s ({result.n_steps} steps, {rate:.1f} Hz, "
                 f"peak RSS {run_peak / 1e9:.1f} GB)", f"{events / t_run / 1e6:.1f} M/s",
                 f"{result.n_steps / t_run:.1f} steps/s", ">= 20 M/s",
                 "yes" if events / t_run >= 20e6 else "NO"))


# -- 3. reference vs Brian2 ---------------------------------------------------------------

def brian2_cuba(net, duration_ms):
    """Brian2 (cython) run time of the same CUBA network (same synapses); compile cache warm."""
    import brian2 as b2

    b2.prefs.codegen.target = "cython"
    b2.prefs.logging.console_log_level = "ERROR" if hasattr(b2.prefs, "logging") else None

    def build_and_run(duration):
        b2.start_scope()
        b2.defaultclock.dt = net.dt * b2.ms
        eqs = """dv/dt = (v_rest - v + I) / tau_mem : volt (unless refractory)
                 dI/dt = -I / tau_syn : volt"""
        namespace = {"v_rest": -49.0 * b2.mV, "tau_mem": 20.0 * b2.ms, "tau_syn": 5.0 * b2.ms}
        sizes = {name: pop.size for name, pop in net.populations.items()}
        groups = {name: b2.NeuronGroup(size, eqs, threshold="v >= -50*mV", reset="v = -60*mV",
                                       refractory=5.0 * b2.ms, method="exact", namespace=namespace,
                                       name=f"g_{name}")
                  for name, size in sizes.items()}
        rng = np.random.default_rng(0)
        for name, g in groups.items():
            g.v = rng.uniform(-60.0, -50.0, size=g.N) * b2.mV
        synapses = []
        for k, proj in enumerate(net.projections):
            pre, post, weights, _ = proj.synapse_arrays()
            s = b2.Synapses(groups[proj.pre.name], groups[proj.post.name], "w : volt",
                            on_pre="I_post += w", delay=net.dt * b2.ms, name=f"s{k}")
            s.connect(i=pre.astype(np.int32), j=np.asarray(post, dtype=np.int32))
            s.w = weights * b2.mV
            del pre, post, weights
            synapses.append(s)
        monitor = b2.SpikeMonitor(groups["exc"])
        network = b2.Network(list(groups.values()), synapses, monitor)
        start = time.perf_counter()
        network.run(duration * b2.ms)
        return time.perf_counter() - start, monitor.num_spikes

    build_and_run(5.0)  # compiles (or loads) the cython code objects
    return build_and_run(duration_ms)


def bench_reference(rows, duration, repeats=3):
    """Best of ``repeats`` runs for each simulator, interleaved (the machine's load varies)."""
    net = cuba(5.0)
    ref, t_ref = timed(lambda: nc.simulate(net, duration))
    try:
        t_b2, b2_spikes = brian2_cuba(net, duration)
        for _ in range(repeats - 1):
            t_ref = min(t_ref, timed(lambda: nc.simulate(net, duration))[1])
            t_b2 = min(t_b2, brian2_cuba(net, duration)[0])
    except ImportError as exc:
        rows.append((f"Float reference on CUBA 4k, {duration:.0f} ms: s", f"{t_ref:.2f}",
                     f"Brian2 not importable ({exc})", "<= 2x Brian2", "?"))
        return
    ratio = t_ref / t_b2
    rows.append((f"Float reference on CUBA 4k, {duration:.0f} ms: run s, best of {repeats} "
                 f"({int(ref.counts['exc'].sum())} vs {b2_spikes} exc spikes)",
                 f"{t_ref:.2f}", f"Brian2 cython {t_b2:.2f} (cache warm)", "<= 2x",
                 f"{ratio:.2f}x {'(yes)' if ratio <= 2 else '(NO)'}"))


# -- 4. batched inference -----------------------------------------------------------------

def digits_like(n_in=64, n_hidden=100, n_out=10, seed=0) -> nc.Network:
    """An 8x8-pixel rate-coded classifier shape: pixels (spike input) -> hidden -> output."""
    net = nc.Network("digits-like", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0, refractory=1.0)
    pixels = net.spike_source("pixels", n_in, times=[], indices=[])
    hidden = net.population("hidden", n_hidden, lif)
    out = net.population("out", n_out, lif)
    net.connect(pixels, hidden, nc.AllToAll(), weight=nc.Normal(0.15, 0.3, seed=1))
    net.connect(hidden, out, nc.AllToAll(), weight=nc.Normal(0.1, 0.3, seed=2))
    net.probe(hidden, "spikes")
    net.probe(out, "spikes")
    return net


def bench_batch_digits(rows, batch):
    """The digits test set (examples/digits.py): one classifier copy, one image per sample as
    its input currents; B samples in one run vs a Python loop of single runs."""
    sys.path.insert(0, os.path.join(REPO, "examples"))
    try:
        import digits
    except ImportError as exc:
        rows.append((f"Batched inference, digits test set, B = {batch}", "?",
                     f"examples/digits.py needs scikit-learn ({exc})", ">= 5x loop", "?"))
        return
    finally:
        sys.path.pop(0)
    _, _, x_test, y_test = digits.dataset()
    prog = _quiet_compile(digits.build(n_test=1), "emu")  # built for image 0; others as input
    currents = digits.MAX_RATE * digits.TAU_MEM_MS / digits.DT_MS * (x_test[:batch] - x_test[0])
    duration = digits.DURATION_MS
    prog.run(duration, inputs={"input": currents[:2]})  # load the kernel
    batched, t_batch = min((timed(lambda: prog.run(duration, inputs={"input": currents})) for _ in range(3)),
                           key=lambda pair: pair[1])
    loop, t_loop = min((timed(lambda: [prog.run(duration, inputs={"input": c}) for c in currents])
                        for _ in range(3)), key=lambda pair: pair[1])
    same = all(np.array_equal(a.counts[k], b.counts[k]) and np.array_equal(a.trace("output", "v", raw=True),
                                                                           b.trace("output", "v", raw=True))
               for a, b in zip(batched, loop) for k in a.counts)
    accuracy = np.mean([np.argmax(r.counts["output"]) == y for r, y in zip(batched, y_test[:batch])])
    rows.append((f"Batched inference, digits test set (examples/digits.py), B = {batch}, "
                 f"{int(round(duration / prog.dt))} steps: samples/s (best of 3; accuracy {accuracy:.1%})",
                 f"{batch / t_batch:,.0f}", f"Python loop {batch / t_loop:,.0f}", ">= 5x loop",
                 f"{t_loop / t_batch:.1f}x, spikes {'identical' if same else 'DIFFER'}"))


def bench_batch(rows, batch, duration):
    """A rate-coded 64-100-10 network driven by spike rasters, 1000 steps per sample: synaptic
    events dominate each sample's cost, so batching saves less here than on the digits set."""
    prog = _quiet_compile(digits_like(), "emu", placer="sequential")
    n_steps = int(round(duration / prog.dt))
    rng = np.random.default_rng(0)
    images = rng.random((batch, 64))
    rasters = rng.random((batch, n_steps, 64)) < images[:, None, :] * 200.0 * prog.dt * 1e-3
    prog.run(duration, inputs={"pixels": rasters[0]})  # load
    batched, t_batch = min((timed(lambda: prog.run(duration, inputs={"pixels": rasters})) for _ in range(3)),
                           key=lambda pair: pair[1])
    loop, t_loop = min((timed(lambda: [prog.run(duration, inputs={"pixels": r}) for r in rasters])
                        for _ in range(3)), key=lambda pair: pair[1])
    same = all(np.array_equal(a.counts[k], b.counts[k]) and np.array_equal(a.spikes("out"), b.spikes("out"))
               for a, b in zip(batched, loop) for k in a.counts)
    rows.append((f"Batched inference, rate-coded spike rasters, B = {batch}, {n_steps} steps: samples/s (best of 3)",
                 f"{batch / t_batch:,.0f}", f"Python loop {batch / t_loop:,.0f}", ">= 5x loop",
                 f"{t_loop / t_batch:.1f}x, spikes {'identical' if same else 'DIFFER'}"))


# -- 5. start-up ----------------------------------------------------------------------------

def clear_numba_cache():
    for path in glob.glob(os.path.join(REPO, "neurocompile", "**", "__pycache__", "*.nb[ic]"), recursive=True):
        os.remove(path)


def bench_startup(rows, cold_runs=3):
    """Wall time of the build command: ``cold_runs`` times with the numba cache cleared (judged
    by the median: the machine's load varies), then once warm."""
    cmd = [sys.executable, "-m", "neurocompile.cli", "build", os.path.join(REPO, "examples", "cuba.py"),
           "--target", "emu"]
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def build_once() -> float:
        out = tempfile.mkdtemp()
        start = time.perf_counter()
        proc = subprocess.run(cmd + ["--out", out], env=env, capture_output=True, text=True, cwd=out)
        seconds = time.perf_counter() - start
        shutil.rmtree(out, ignore_errors=True)
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            return float("nan")
        return seconds

    cold = []
    for _ in range(cold_runs):
        clear_numba_cache()
        cold.append(build_once())
    warm = build_once()
    median = float(np.median(cold))
    rows.append(("Start-up: neurocompile build examples/cuba.py --target emu: wall s",
                 f"cold (numba cache cleared) {', '.join(f'{t:.1f}' for t in cold)} (median {median:.1f}); "
                 f"warm {warm:.1f}", "", "< 10 s", "yes" if max(median, warm) < 10 else "NO"))


# -- 6. peers: Brian2 and NEST on the same networks ---------------------------------------

PEER_PYTHON = {"brian2": "NC_BRIAN2_PYTHON", "nest": "NC_NEST_PYTHON"}


def run_peer(peer: str, path: str, duration: float, repeats: int = 3, timeout: float = 3600.0):
    """Run ``peer`` (bench/peers.py) on the network file ``path``; returns (result dict, None)
    or (None, why it did not run)."""
    import json

    python = os.environ.get(PEER_PYTHON[peer.split("-")[0]], sys.executable)
    cmd = [python, os.path.join(_HERE, "peers.py"), peer, path, str(duration), str(repeats)]
    # NEST's OpenMP threads spin while they wait: on a machine whose cores other jobs share,
    # 2 threads then ran CUBA 17x slower than 1 (measured); passive waiting is what a shared
    # machine needs (set OMP_WAIT_POLICY to override).
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{peer}: {exc.__class__.__name__}: {exc}"
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line), None
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return None, f"{peer} did not run ({python}): {lines[-1] if lines else f'exit {proc.returncode}'}"


def _best_of(fn, repeats):
    return min(timed(fn)[1] for _ in range(repeats))


def bench_peers_cuba(rows, duration=1000.0, repeats=3):
    """CUBA 4k: emulator and float reference against Brian2 and NEST, each the best of
    ``repeats``; ours are timed before and after the peers (the machine's load varies)."""
    peers = _load_bench_module("peers")
    net = cuba(5.0)
    prog = _quiet_compile(net, "lava", placer="sequential")
    prog.run(10.0)  # loads the kernel
    nc.simulate(net, 10.0)  # and the reference's
    path = os.path.join(tempfile.mkdtemp(), "cuba.npz")
    peers.export_network(net, path)
    t_emu = _best_of(lambda: prog.run(duration), repeats)
    t_ref = _best_of(lambda: nc.simulate(net, duration), repeats)
    results = {peer: run_peer(peer, path, duration, repeats) for peer in ("brian2-cpp", "brian2-cython", "nest-2")}
    t_emu = min(t_emu, _best_of(lambda: prog.run(duration), repeats))
    t_ref = min(t_ref, _best_of(lambda: nc.simulate(net, duration), repeats))
    spikes = sum(int(c.sum()) for c in prog.run(duration).counts.values())

    def peer_cell(peer):
        out, why = results[peer]
        if out is None:
            return why, None
        extra = f", binary's loop {out['inner_run_s']:.3f}" if out.get("inner_run_s") not in (None, float("inf")) else ""
        return f"{peer} {out['run_s']:.3f} s ({out['spikes']} spikes{extra})", out["run_s"]

    cpp, t_cpp = peer_cell("brian2-cpp")
    cython, t_cython = peer_cell("brian2-cython")
    nest, t_nest = peer_cell("nest-2")
    if t_cpp is not None and results["brian2-cpp"][0].get("inner_run_s") not in (None, float("inf")):
        t_cpp = results["brian2-cpp"][0]["inner_run_s"]  # stricter: its loop alone, against our whole run
    rows.append((f"CUBA 4k, {duration:.0f} ms (dt 0.1 ms): emulator s, warm kernel, best of {repeats} "
                 f"({spikes} spikes)", f"{t_emu:.3f}", cpp, ">= 1.5x faster than Brian2 cpp_standalone's loop",
                 "?" if t_cpp is None else f"{t_cpp / t_emu:.1f}x {'(yes)' if t_cpp >= 1.5 * t_emu else '(NO)'}"))
    rows.append((f"CUBA 4k, {duration:.0f} ms: float reference s, best of {repeats}", f"{t_ref:.3f}", cython,
                 ">= Brian2 cython speed",
                 "?" if t_cython is None else f"{t_cython / t_ref:.1f}x {'(yes)' if t_cython >= t_ref else '(NO)'}"))
    rows.append((f"CUBA 4k, {duration:.0f} ms: NEST 2 threads s (for reference)", f"{t_emu:.3f}", nest, "",
                 "?" if t_nest is None else f"emulator {t_nest / t_emu:.1f}x faster"))


def measure_ring(size: int, dt: float, duration: float, repeats: int) -> tuple:
    """The 1M-style ring of bench/large_network.py compiled (sequential placer) and run
    ``repeats`` times after a short load run: (best run s, synaptic events, steps, mean rate Hz)."""
    large = _load_bench_module("large_network")
    program = _quiet_compile(large.ring_network(size, dt=dt), large.board_target(16), placer="sequential")
    program.run(dt * 10)  # load
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        result = program.run(duration)
        best = min(best, time.perf_counter() - started)
    return best, int(result.stats.synops_per_step.sum()), result.n_steps, float(result.rates("neurons").mean())


def bench_peers_large(rows, n=1_000_000, nest_n=200_000, repeats=2):
    """The ring of bench/large_network.py: dt 0.1 ms for 100 ms (1000 steps) and dt 1 ms for
    200 ms (200 steps); NEST with 2 threads on the same ring at dt 0.1 ms (also on the ring of
    ``nest_n`` neurons; NEST peaks at ~11 GB on 1M / 100M with the recorder limited as in
    bench/peers.py); the LIF pass and the delivery against the limits (bench/limits.py). Each
    of our ring runs is measured in its own process (:func:`measure_ring`)."""
    peers = _load_bench_module("peers")
    limits = _load_bench_module("limits")
    neuron_limit, lif_rate, scatter_limit = limits.measure(n)

    def measure(size, dt, duration):  # (best run s, events, steps, mean rate Hz)
        # Each ring in a fresh process: a run's speed depended on which programs the same
        # process had built and freed before it (allocator and page state), by up to 30 %.
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--ring", str(size), str(dt),
                               str(duration), str(repeats)], capture_output=True, text=True, check=True)
        return tuple(json.loads(done.stdout.strip().splitlines()[-1]))

    def nest_row(size, measured):
        t_run, events, steps, rate = measured
        syn = f"{size:,} neurons / {size * 100:,} synapses, dt 0.1 ms, {steps} steps ({rate:.1f} Hz)"
        path = os.path.join(tempfile.mkdtemp(), "ring.npz")
        peers.export_ring(path, size, 100, 500, 0, 0.1)
        nest, why = run_peer("nest-2", path, 100.0, repeats=1)
        if nest is not None:  # NEST records its first ``recorded`` neurons (bench/peers.py)
            nest_rate = nest["spikes"] / nest["recorded"] / (steps * 0.1e-3)
            why = f"NEST 2 threads {nest['run_s']:.1f} s ({nest_rate:.1f} Hz in its first {nest['recorded']:,} neurons)"
        rows.append((f"{syn}: emulator s, best of {repeats}", f"{t_run:.2f} ({events / t_run / 1e6:.0f} M events/s)",
                     why,
                     ">= 8x NEST", "?" if nest is None else
                     f"{nest['run_s'] / t_run:.1f}x {'(yes)' if nest['run_s'] >= 8 * t_run else '(NO)'}"))

    measured = {}
    for key, size, dt, duration in (("large", n, 0.1, 100.0), ("coarse", n, 1.0, 200.0),
                                    ("nest", nest_n, 0.1, 100.0)):
        measured[key] = measure(size, dt, duration)
    nest_row(n, measured["large"])
    if nest_n != n:
        nest_row(nest_n, measured["nest"])
    t_run1, events1, steps1, rate1 = measured["coarse"]
    syn = f"{n:,} neurons / {n * 100:,} synapses"
    rows.append((f"{syn}, dt 1 ms, {steps1} steps ({rate1:.1f} Hz): synaptic events/s",
                 f"{events1 / t_run1 / 1e6:.0f} M/s", f"{t_run1:.2f} s", ">= 100 M/s",
                 "yes" if events1 / t_run1 >= 100e6 else "NO"))
    rows.append(("LIF pass (bench/limits.py, 1 core, interleaved best of 3): M updates/s", f"{lif_rate / 1e6:,.0f}",
                 f"limit: plain vectorised int32 LIF update {neuron_limit / 1e6:,.0f}", ">= 50 % of the limit",
                 f"{lif_rate / neuron_limit:.0%} {'(yes)' if lif_rate >= 0.5 * neuron_limit else '(NO)'}"))
    # delivery: the dt 1 ms run's time without its neuron passes (everything else counted in)
    delivery = events1 / max(t_run1 - steps1 * n / lif_rate, 1e-9)
    rows.append(("Delivery, dt 1 ms ring: M events/s (run time minus the LIF passes, so a lower bound)",
                 f"{delivery / 1e6:,.0f}", f"limit: random scatter-add {scatter_limit / 1e6:,.0f}",
                 ">= 50 % of the limit",
                 f"{delivery / scatter_limit:.0%} {'(yes)' if delivery >= 0.5 * scatter_limit else '(NO)'}"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs; 200k-neuron large network")
    sections = ["lava", "large", "reference", "batch", "startup", "peers", "peers-large"]
    parser.add_argument("--skip", action="append", default=[], choices=sections)
    parser.add_argument("--only", action="append", default=[], choices=sections + ["peers-cuba"],
                        help="run only these sections (peers = peers-cuba and peers-large)")
    parser.add_argument("--ring", nargs=4, metavar=("NEURONS", "DT", "DURATION", "REPEATS"),
                        help=argparse.SUPPRESS)  # one ring measurement, as JSON (bench_peers_large)
    args = parser.parse_args(argv)
    if args.ring:
        size, dt, duration, repeats = args.ring
        print(json.dumps(measure_ring(int(size), float(dt), float(duration), int(repeats))))
        return
    if args.only:
        only = set(args.only) | ({"peers-cuba", "peers-large"} if "peers" in args.only else set())
        if only & {"peers-cuba", "peers-large"}:  # "peers" gates both of its parts
            only.add("peers")
        args.skip = [name for name in sections + ["peers-cuba"] if name not in only]
    rows: list = []
    started = time.perf_counter()
    if "startup" not in args.skip:
        bench_startup(rows)  # first: it clears the numba cache
    if "lava" not in args.skip:
        bench_lava(rows, duration=200.0 if args.quick else 1000.0, lava_duration=20.0 if args.quick else 100.0)
    if "reference" not in args.skip:
        bench_reference(rows, duration=200.0 if args.quick else 1000.0)
    if "batch" not in args.skip:
        bench_batch_digits(rows, batch=64)
        bench_batch(rows, batch=64, duration=100.0)
    if "large" not in args.skip:
        bench_large(rows, n=200_000 if args.quick else 1_000_000, run_ms=5.0 if args.quick else 100.0)
    if "peers" not in args.skip and "peers-cuba" not in args.skip:
        bench_peers_cuba(rows, duration=1000.0)
    if "peers" not in args.skip and "peers-large" not in args.skip:
        bench_peers_large(rows, n=200_000 if args.quick else 1_000_000)
    header = ("goal", "ours", "peer", "target", "met")
    print(f"\nneurocompile {nc.__version__}, Python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores; total {time.perf_counter() - started:.0f} s\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
