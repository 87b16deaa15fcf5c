"""Peer simulators of the performance bench: Brian2 (cython, cpp_standalone) and NEST.

Each peer runs in its own Python environment (Brian2 2.9 needs numpy < 2.4, NEST installs from
PyPI into a separate venv), so this file imports neither neurocompile nor scipy: the bench
(bench/performance.py) writes the network to an ``.npz`` file (:func:`export_network`) and
runs::

    <peer python> bench/peers.py brian2-cython|brian2-cpp|nest-<threads> <network.npz> <duration ms> [repeats]

which prints one JSON line: the best of ``repeats`` (default 1) consecutive runs of the
duration (``run_s``, the simulation alone: building, connecting and code generation are timed
apart as ``build_s``; cpp_standalone's ``run_s`` is the binary's own run time, its process
start included) and the spike count of the last run (NEST: of its first ``recorded`` neurons,
at most :data:`NEST_RECORDED`).

The network: LIF populations with the CUBA neuron of examples/cuba.py (Brette et al. 2007:
``tau_mem`` 20 ms, ``tau_syn`` 5 ms, rest -49 mV, threshold -50 mV, reset -60 mV, 5 ms
refractory), current-based exponential synapses whose weight (mV) jumps the synaptic current
``I`` (in mV: ``dv/dt = (v_rest - v + I) / tau_mem``), explicit synapses with delays in steps,
and initial voltages; or a ring (bench/large_network.py) given by its generator's arguments,
which every peer rebuilds itself (100 M synapses do not go through a file).
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

#: NEST 3.10 (PyPI) holds ~32 KB per neuron connected to a spike recorder (6.4 GB for 200,000
#: neurons, measured with VmHWM), so larger networks record this many neurons, the first ones.
NEST_RECORDED = 20_000

NEURON = {"tau_mem": 20.0, "tau_syn": 5.0, "v_rest": -49.0, "v_th": -50.0, "v_reset": -60.0, "refractory": 5.0}


def export_network(net, path: str) -> None:
    """Write a neurocompile Network of CUBA LIF populations to ``path`` (npz) for the peers."""
    arrays = {"dt": np.float64(net.dt), "names": np.array(list(net.populations)),
              "sizes": np.array([p.size for p in net.populations.values()], dtype=np.int64)}
    for k, pop in enumerate(net.populations.values()):
        arrays[f"v{k}"] = np.asarray(pop.initial["v"], dtype=np.float64)
    names = list(net.populations)
    arrays["projections"] = np.array([[names.index(p.pre.name), names.index(p.post.name)] for p in net.projections],
                                     dtype=np.int64).reshape(-1, 2)
    for k, proj in enumerate(net.projections):
        pre, post, weight, delay = proj.synapse_arrays()
        arrays[f"pre{k}"], arrays[f"post{k}"] = pre.astype(np.int32), np.asarray(post, dtype=np.int32)
        arrays[f"w{k}"], arrays[f"d{k}"] = np.asarray(weight, dtype=np.float64), np.asarray(delay, dtype=np.int16)
    np.savez(path, **arrays)


def export_ring(path: str, n: int, fan_out: int, reach: int, seed: int, dt: float) -> None:
    """Write the arguments of bench/large_network.py's ring (the peers rebuild it)."""
    np.savez(path, ring=np.array([n, fan_out, reach, seed], dtype=np.int64), dt=np.float64(dt))


class Spec:
    """A network read back: populations (name, size, initial v) and projections (pre and post
    population, pre, post, weight mV, delay steps)."""

    def __init__(self, path: str):
        data = np.load(path)
        self.dt = float(data["dt"])
        if "ring" in data:
            n, fan_out, reach, seed = (int(x) for x in data["ring"])
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from large_network import ring_targets
            post, row_weight = ring_targets(n, fan_out, reach, seed)
            rng = np.random.default_rng(seed)
            self.populations = [("neurons", n, rng.uniform(-60.0, -50.0, n))]
            self.projections = [(0, 0, np.repeat(np.arange(n, dtype=np.int32), fan_out), post.reshape(-1),
                                 np.repeat(row_weight, fan_out), np.ones(n * fan_out, dtype=np.int16))]
            return
        self.populations = [(str(name), int(size), data[f"v{k}"])
                            for k, (name, size) in enumerate(zip(data["names"], data["sizes"]))]
        self.projections = [(int(a), int(b), data[f"pre{k}"], data[f"post{k}"], data[f"w{k}"], data[f"d{k}"])
                            for k, (a, b) in enumerate(data["projections"])]


def run_brian2(spec: Spec, duration: float, target: str, repeats: int = 1) -> dict:
    import brian2 as b2

    b2.prefs.logging.console_log_level = "ERROR"
    started = time.perf_counter()
    if target == "cpp_standalone":
        directory = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"nc_bench_brian2_{os.getpid()}")
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = spec.dt * b2.ms
    eqs = """dv/dt = (v_rest - v + I) / tau_mem : volt (unless refractory)
             dI/dt = -I / tau_syn : volt"""
    namespace = {"v_rest": NEURON["v_rest"] * b2.mV, "tau_mem": NEURON["tau_mem"] * b2.ms,
                 "tau_syn": NEURON["tau_syn"] * b2.ms}
    groups = []
    for name, size, v0 in spec.populations:
        g = b2.NeuronGroup(size, eqs, threshold=f"v >= {NEURON['v_th']}*mV", reset=f"v = {NEURON['v_reset']}*mV",
                           refractory=NEURON["refractory"] * b2.ms, method="exact", namespace=namespace,
                           name=f"g_{name}")
        g.v = v0 * b2.mV
        groups.append(g)
    synapses = []
    for k, (a, b, pre, post, weight, delay) in enumerate(spec.projections):
        uniform = bool(delay.size) and bool(np.all(delay == delay[0]))  # Brian2's faster homogeneous delay
        s = b2.Synapses(groups[a], groups[b], "w : volt", on_pre="I_post += w", name=f"s{k}",
                        delay=(float(delay[0]) * spec.dt * b2.ms) if uniform else None)
        s.connect(i=pre, j=post)
        s.w = weight * b2.mV
        if not uniform:
            s.delay = delay * spec.dt * b2.ms
        synapses.append(s)
    monitors = [b2.SpikeMonitor(g) for g in groups]
    network = b2.Network(groups, synapses, monitors)
    if target == "cpp_standalone":
        network.run(duration * b2.ms)
        build_started = time.perf_counter()
        b2.device.build(directory=directory, compile=True, run=False, clean=False)
        built = time.perf_counter()
        run_s = inner = float("inf")
        for _ in range(repeats):  # the same binary, run again from its initial state
            started_run = time.perf_counter()
            b2.device.run(directory=directory, with_output=False)
            run_s = min(run_s, time.perf_counter() - started_run)
            # the binary's own measure of its simulation loop (no process start, no file I/O)
            inner = min(inner, float(getattr(b2.device, "_last_run_time", float("inf")) or float("inf")))
        return {"run_s": run_s, "inner_run_s": inner, "build_s": built - started,
                "compile_s": built - build_started, "spikes": int(sum(m.num_spikes for m in monitors))}
    network.run(spec.dt * 10 * b2.ms)  # generates and compiles (or loads) the cython code
    built = time.perf_counter()
    run_s = float("inf")
    for _ in range(repeats):  # consecutive stretches of the same simulation
        started_run = time.perf_counter()
        before = sum(m.num_spikes for m in monitors)
        network.run(duration * b2.ms)
        run_s = min(run_s, time.perf_counter() - started_run)
    return {"run_s": run_s, "build_s": built - started,
            "spikes": int(sum(m.num_spikes for m in monitors) - before)}


def run_nest(spec: Spec, duration: float, threads: int, repeats: int = 1) -> dict:
    import nest

    nest.set_verbosity("M_ERROR")
    started = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": spec.dt, "local_num_threads": threads, "print_time": False})
    # iaf_psc_exp with C_m / tau_m = 1 nS: a current of w pA moves v like our w mV of I.
    c_m = NEURON["tau_mem"]  # pF, so that C_m / tau_m = 1 nS
    params = {"C_m": c_m, "tau_m": NEURON["tau_mem"], "tau_syn_ex": NEURON["tau_syn"],
              "tau_syn_in": NEURON["tau_syn"], "E_L": NEURON["v_rest"], "V_th": NEURON["v_th"],
              "V_reset": NEURON["v_reset"], "t_ref": NEURON["refractory"], "I_e": 0.0}
    nodes = []
    for name, size, v0 in spec.populations:
        pop = nest.Create("iaf_psc_exp", size, params=params)
        pop.V_m = v0
        nodes.append(pop)
    first = [int(p[0].global_id) for p in nodes]
    for a, b, pre, post, weight, delay in spec.projections:
        chunk = 10_000_000  # connect in chunks: NEST copies its arguments
        for lo in range(0, pre.size, chunk):
            hi = min(pre.size, lo + chunk)
            nest.Connect(np.asarray(pre[lo:hi], dtype=np.int64) + first[a],
                         np.asarray(post[lo:hi], dtype=np.int64) + first[b], "one_to_one",
                         {"synapse_model": "static_synapse", "weight": np.asarray(weight[lo:hi], dtype=np.float64),
                          "delay": np.maximum(np.asarray(delay[lo:hi], dtype=np.float64), 1.0) * spec.dt})
    recorder = nest.Create("spike_recorder")
    room = NEST_RECORDED
    for pop in nodes:
        if room > 0:
            nest.Connect(pop[:min(room, len(pop))], recorder)
            room -= min(room, len(pop))
    nest.Simulate(spec.dt * 10)  # builds the connection tables before the timed run
    built = time.perf_counter()
    run_s = float("inf")
    for _ in range(repeats):  # consecutive stretches of the same simulation
        before = int(recorder.n_events)
        started_run = time.perf_counter()
        nest.Simulate(duration)
        run_s = min(run_s, time.perf_counter() - started_run)
    recorded = NEST_RECORDED - max(room, 0)
    return {"run_s": run_s, "build_s": built - started, "spikes": int(recorder.n_events) - before,
            "recorded": recorded}


def main(argv=None) -> None:
    args = argv or sys.argv[1:]
    peer, path, duration = args[:3]
    repeats = int(args[3]) if len(args) > 3 else 1
    spec = Spec(path)
    if peer.startswith("brian2-"):
        out = run_brian2(spec, float(duration), {"cython": "cython", "cpp": "cpp_standalone"}[peer[7:]], repeats)
    elif peer.startswith("nest-"):
        out = run_nest(spec, float(duration), int(peer[5:]), repeats)
    else:
        raise SystemExit(f"unknown peer {peer!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
