"""Receptor networks against Brian2: Brette's CUBA (two synaptic time constants) and COBA.

Runs ``examples/brette_cuba.py`` and ``examples/coba.py`` in our float reference and on the
emulator, and the same networks in Brian2 (cython runtime, Brian2's own integrator choice:
exact for CUBA, euler for COBA) for several seeds, and prints one table: mean rates E / I
(mean and spread over seeds) and simulation seconds for 1 s at dt 0.1 ms.

Brian2 runs in a subprocess per seed, by this interpreter when it has brian2 (``pip install
'.[bench]'``) or by ``--brian2-python`` (e.g. a venv with ``pip install brian2 'numpy<2.4'``:
Brian2 2.9 fails to import with numpy 2.4). Without either, only our side is printed. Seeds change the initial voltages (ours: the network
seed; the connectivity seeds stay those of the example files) and everything in Brian2.

    python bench/receptor_peers.py --brian2-python /path/to/venv/bin/python --seeds 5
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import neurocompile as nc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: Brian2 network of each example (same equations, parameters and 2 % connectivity, no delay).
BRIAN2 = r'''
import json, sys, time
import brian2 as b2
from brian2 import ms, mV
name, seed = sys.argv[1], int(sys.argv[2])
b2.prefs.codegen.target = "cython"
b2.defaultclock.dt = 0.1 * ms
b2.seed(seed)
NE, NI = 3200, 800
common = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV)
if name == "brette_cuba":
    ns = dict(common, El=-49 * mV, we=1.62 * mV, wi=-9 * mV)
    eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
             dge/dt = -ge / taue : volt
             dgi/dt = -gi / taui : volt"""
else:
    ns = dict(common, El=-60 * mV, Ee=0 * mV, Ei=-80 * mV, I=20 * mV, we=0.6, wi=6.7)
    eqs = """dv/dt = (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I) / taum : volt (unless refractory)
             dge/dt = -ge / taue : 1
             dgi/dt = -gi / taui : 1"""
P = b2.NeuronGroup(NE + NI, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, namespace=ns)
P.v = "Vr + rand() * (Vt - Vr)"
Ce = b2.Synapses(P, P, on_pre="ge += we", namespace=ns)
Ci = b2.Synapses(P, P, on_pre="gi += wi", namespace=ns)
Ce.connect("i < NE", p=0.02, namespace={"NE": NE})
Ci.connect("i >= NE", p=0.02, namespace={"NE": NE})
me, mi = b2.SpikeMonitor(P[:NE], record=False), b2.SpikeMonitor(P[NE:], record=False)
net = b2.Network(P, Ce, Ci, me, mi)
net.run(0 * ms)  # code generation and compilation, not timed
t = time.perf_counter()
net.run(1000 * ms)
print(json.dumps({"exc": me.num_spikes / NE, "inh": mi.num_spikes / NI, "sim_s": time.perf_counter() - t,
                  "version": b2.__version__}))
'''


def ours(name: str, seed: int) -> dict:
    """Float and chip rates and run times of ``examples/<name>.py`` with network seed ``seed``."""
    code = (EXAMPLES / f"{name}.py").read_text().replace("dt=0.1)", f"dt=0.1, seed={seed})", 1)
    namespace: dict = {}
    exec(compile(code, f"{name}.py", "exec"), namespace)  # noqa: S102 - our own example file
    net = namespace["net"]
    start = time.perf_counter()
    ref = nc.simulate(net, duration=1000.0)
    float_s = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(net, "emu")
    program.run(10.0)  # kernel compiled and loaded, not timed
    start = time.perf_counter()
    chip = program.run(1000.0)
    chip_s = time.perf_counter() - start
    return {"float": {"exc": ref.rates("exc").mean(), "inh": ref.rates("inh").mean(), "sim_s": float_s},
            "chip": {"exc": chip.rates("exc").mean(), "inh": chip.rates("inh").mean(), "sim_s": chip_s}}


def brian2(python: str, name: str, seed: int) -> dict:
    done = subprocess.run([python, "-c", BRIAN2, name, str(seed)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"Brian2 run failed for {name} seed {seed}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def spread(rows: list, key: str) -> str:
    values = np.array([r[key] for r in rows])
    return f"{values.mean():.2f} ± {values.std():.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brian2-python", help="interpreter with brian2 installed (omit: ours only)")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if args.brian2_python is None and importlib.util.find_spec("brian2") is not None:
        args.brian2_python = sys.executable
    print(f"{'network':12} {'simulator':26} {'seeds':>5} {'rate E Hz':>14} {'rate I Hz':>14} {'sim s':>7}")
    for name in ("brette_cuba", "coba"):
        runs = {"neurocompile float": [], "neurocompile chip (emu)": [], "Brian2 cython": []}
        for seed in range(1, args.seeds + 1):
            result = ours(name, seed)
            runs["neurocompile float"].append(result["float"])
            runs["neurocompile chip (emu)"].append(result["chip"])
            if args.brian2_python:
                runs["Brian2 cython"].append(brian2(args.brian2_python, name, seed))
        for simulator, rows in runs.items():
            if rows:
                label = simulator + (f" {rows[0]['version']}" if "version" in rows[0] else "")
                print(f"{name:12} {label:26} {len(rows):>5} {spread(rows, 'exc'):>14} {spread(rows, 'inh'):>14} "
                      f"{np.mean([r['sim_s'] for r in rows]):>7.3f}")


if __name__ == "__main__":
    main()
