"""Before/after timings of two source trees of neurocompile, interleaved, best of N.

Usage (each tree's own kernel cache; the trees are imported from their paths)::

    python bench/before_after.py /path/to/old/tree /path/to/new/tree [--float] [--large | --large-only]

Rows: CUBA 4k for 1 s on the emulator (warm kernel) and in the float reference; with
``--large`` the 1M/100M ring of bench/large_network.py at dt 0.1 ms (1000 steps) and at dt
1 ms (200 steps); with ``--float`` the float reference of each tree's ``examples/coba.py``
(1 s) and ``examples/stdp_song2000.py`` (one neuron, 1000 plastic inputs at 10 Hz, the first
20 s: 200000 steps, whose time per step is mostly Python's). Each measurement runs in a fresh
process per tree, the trees alternating.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r'''
import json, os, sys, time, warnings
tree, what, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
sys.path.insert(0, os.path.join(tree, "bench"))
import neurocompile as nc
warnings.simplefilter("ignore")
def best(fn):
    fn()
    out = float("inf")
    for _ in range(repeats):
        t = time.perf_counter(); fn(); out = min(out, time.perf_counter() - t)
    return out
if what.startswith("cuba"):
    net = nc.Network("cuba", dt=0.1, seed=1)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    exc = net.population("exc", 3200, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", 800, lif, v_init=nc.Uniform(-60.0, -50.0))
    for k, (pre, post, w) in enumerate([(exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0)]):
        net.connect(pre, post, nc.FixedProbability(0.02, seed=k + 1), weight=w)
    net.probe(exc, "spikes")
    if what == "cuba-emu":
        prog = nc.compile(net, "lava", placer="sequential")
        seconds = best(lambda: prog.run(1000.0))
        spikes = int(prog.run(1000.0).spikes("exc").sum())
    else:
        seconds = best(lambda: nc.simulate(net, 1000.0))
        spikes = int(nc.simulate(net, 1000.0).spikes("exc").sum())
elif what == "coba-ref":
    import runpy
    net = runpy.run_path(os.path.join(tree, "examples", "coba.py"), run_name="coba")["net"]
    seconds = best(lambda: nc.simulate(net, 1000.0))
    spikes = int(nc.simulate(net, 1000.0).counts["exc"].sum())
elif what == "song-ref":
    import runpy
    net = runpy.run_path(os.path.join(tree, "examples", "stdp_song2000.py"), run_name="song")["net"]
    nc.simulate(net, 10.0)  # compiled steps loaded, not timed
    start = time.perf_counter()
    result = nc.simulate(net, 20000.0)
    seconds = time.perf_counter() - start
    spikes = int(result.counts["neuron"].sum())
else:
    from large_network import ring_network, board_target
    dt = float(what.split("-")[1])
    prog = nc.compile(ring_network(1_000_000, dt=dt), board_target(16), placer="sequential")
    duration = 100.0 if dt == 0.1 else 200.0
    prog.run(dt * 10)
    seconds = best(lambda: prog.run(duration))
    result = prog.run(duration)
    spikes = int(result.stats.synops_per_step.sum())
print(json.dumps({"s": seconds, "spikes": spikes}))
'''


def measure(tree: str, what: str, repeats: int) -> dict:
    env = dict(os.environ, NEUROCOMPILE_CACHE_DIR=os.path.join(tree, ".nc-cache"))
    proc = subprocess.run([sys.executable, "-c", CHILD, tree, what, str(repeats)], capture_output=True, text=True,
                          env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{tree} {what} failed: {proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def main(argv=None):
    args = argv or sys.argv[1:]
    old, new = os.path.abspath(args[0]), os.path.abspath(args[1])
    rows = [] if "--large-only" in args else [("cuba-emu", "CUBA 4k, 1 s, emulator (warm kernel) s", 3, 2),
                                              ("cuba-ref", "CUBA 4k, 1 s, float reference s", 3, 2)]
    if "--float" in args:
        rows += [("coba-ref", "COBA 4k, 1 s, float reference s", 3, 2),
                 ("song-ref", "Song et al. (2000), 20 s (200000 steps), float reference s", 1, 2)]
    if "--large" in args or "--large-only" in args:
        rows += [("ring-0.1", "1M/100M ring, dt 0.1 ms, 1000 steps, emulator s", 2, 1),
                 ("ring-1.0", "1M/100M ring, dt 1 ms, 200 steps, emulator s", 2, 1)]
    print("| measurement | before | after | speed-up | same spikes/events |")
    print("|---|---|---|---|---|")
    for what, label, repeats, rounds in rows:
        before, after = {"s": float("inf")}, {"s": float("inf")}
        for _ in range(rounds):  # alternate the trees: the machine's load varies
            b, a = measure(old, what, repeats), measure(new, what, repeats)
            before = min(before, b, key=lambda r: r["s"])
            after = min(after, a, key=lambda r: r["s"])
        print(f"| {label} | {before['s']:.3f} | {after['s']:.3f} | {before['s'] / after['s']:.1f}x | "
              f"{'yes' if before['spikes'] == after['spikes'] else 'NO'} ({after['spikes']}) |", flush=True)


if __name__ == "__main__":
    main()
