"""Set-up time of the 1,000,000-neuron, 100,000,000-synapse ring (bench/large_network.py): building
the network, compiling it (``placer="sequential"``, 16 chips of the ``lava`` target) and the first
run of 10 steps (loading the emulator's kernel from a warm cache), each source tree in its own
fresh processes, interleaved, so that two versions can be compared in one run::

    PYTHONPATH=. python bench/setup_time.py                         # this checkout
    python bench/setup_time.py --tree /tmp/old --tree .             # two trees side by side

Each tree gets its own kernel cache folder; a first, untimed run per tree fills it. Prints one
row per tree: the best of ``--rounds`` runs of each phase and of the total, and the peak
resident memory.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))

ONE_RUN = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])  # the tree's package, ahead of the working directory ('' for -c)
from large_network import board_target, ring_network
import neurocompile as nc

t0 = time.perf_counter()
net = ring_network()
t1 = time.perf_counter()
prog = nc.compile(net, board_target(16), placer="sequential")
t2 = time.perf_counter()
prog.run(1.0)
t3 = time.perf_counter()
print(json.dumps({"package": nc.__file__, "network": t1 - t0, "compile": t2 - t1, "first run": t3 - t2,
                  "total": t3 - t0, "peak GB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))
"""


def one_run(tree: str, cache: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(tree), "NEUROCOMPILE_CACHE_DIR": cache,
           "PYTHONWARNINGS": "ignore"}
    # PYTHONPATH alone is not enough: `python -c` puts the working directory first on sys.path,
    # so run from a checkout every tree would import that checkout's package.
    done = subprocess.run([sys.executable, "-c", ONE_RUN, _HERE, os.path.abspath(tree)], env=env, capture_output=True,
                          text=True, cwd=tempfile.gettempdir(), check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: the run failed:\n{done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if not os.path.abspath(measured["package"]).startswith(os.path.abspath(tree) + os.sep):
        raise SystemExit(f"{tree}: the run imported neurocompile from {measured['package']}, not from this tree")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", help="a source tree (default: this checkout)")
    parser.add_argument("--rounds", type=int, default=2, help="timed runs per tree (default 2)")
    args = parser.parse_args()
    trees = args.tree or [os.path.dirname(_HERE)]
    with tempfile.TemporaryDirectory() as tmp:
        caches = {tree: os.path.join(tmp, str(k)) for k, tree in enumerate(trees)}
        for tree in trees:  # fill each tree's kernel cache (untimed)
            one_run(tree, caches[tree])
        runs = {tree: [] for tree in trees}
        for _ in range(args.rounds):
            for tree in trees:
                runs[tree].append(one_run(tree, caches[tree]))
    keys = ("network", "compile", "first run", "total", "peak GB")
    print(f"{'tree':<40}" + "".join(f"{k:>12}" for k in keys))
    for tree in trees:
        best = {k: min(r[k] for r in runs[tree]) for k in keys}
        print(f"{tree[-40:]:<40}" + "".join(f"{best[k]:>12.2f}" for k in keys))
    print(f"(seconds, best of {args.rounds}; the first run loads the kernel from a warm cache and runs 10 steps)")


if __name__ == "__main__":
    main()
