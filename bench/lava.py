"""Compile and run time of the Lava target beside the emulator, on the same compiled programs.

Run with the Python 3.10 environment that has lava-nc::

    PYTHONPATH=. python bench/lava.py [--duration MS] [--only NAME]

Prints a Markdown table: compile time (nc.compile), Lava graph build (processes) and Lava
compile + runtime start, run time and steps/s of both back ends, and whether the spike
rasters are identical. Lava's CPU simulation runs each process in its own OS process, so its
speed depends mostly on the number of processes and on the machine's cores.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

# This file is named lava.py: keep its directory off sys.path so that `import lava` finds lava-nc.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np

import neurocompile as nc
from neurocompile.lava import build_lava


def cuba(n: int = 4000, refractory: float = 5.0) -> nc.Network:
    """The Brette et al. (2007) CUBA benchmark: 80 % excitatory, 2 % connectivity."""
    net = nc.Network(f"cuba{n}" + ("" if refractory else "-norefr"), dt=0.1, seed=1)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0,
                 refractory=refractory)
    n_exc = n * 4 // 5
    exc = net.population("exc", n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n - n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    net.connect(exc, exc, nc.FixedProbability(0.02, seed=1), weight=1.62)
    net.connect(exc, inh, nc.FixedProbability(0.02, seed=2), weight=1.62)
    net.connect(inh, exc, nc.FixedProbability(0.02, seed=3), weight=-9.0)
    net.connect(inh, inh, nc.FixedProbability(0.02, seed=4), weight=-9.0)
    net.probe(exc, "spikes")
    net.probe(exc[:5], "v")
    return net


def driven(n: int = 1000) -> nc.Network:
    """Poisson-driven excitatory/inhibitory network with delays of 1..5 steps (DelaySparse)."""
    net = nc.Network(f"driven{n}-delays", dt=0.1, seed=2)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0)
    src = net.poisson("src", n // 2, 20.0)
    exc = net.population("exc", n * 4 // 5, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n // 5, lif, v_init=nc.Uniform(-60.0, -50.0))
    net.connect(src, exc, nc.FixedProbability(0.1, seed=1), weight=2.0, delay=nc.Uniform(0.1, 0.5))
    net.connect(exc, exc, nc.FixedProbability(0.02, seed=2), weight=1.0, delay=nc.Uniform(0.1, 0.5))
    net.connect(exc, inh, nc.FixedProbability(0.05, seed=3), weight=1.5)
    net.connect(inh, exc, nc.FixedProbability(0.05, seed=4), weight=-5.0)
    net.probe(exc, "spikes")
    return net


def adex(n: int = 200) -> nc.Network:
    """AdEx population (our NcAdex process) driven by Poisson input."""
    net = nc.Network(f"adex{n}", dt=0.1, seed=3)
    model = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0, tau_w=144.0,
                    b=80.5, V_reset=-70.6, V_peak=-40.4, refractory=0.0, tau_syn=5.0)
    src = net.poisson("src", 100, 50.0)
    pop = net.population("exc", n, model)
    net.connect(src, pop, nc.FixedProbability(0.2, seed=1), weight=400.0)
    net.probe(pop, "spikes")
    return net


def adex_target():
    import dataclasses
    from neurocompile.target import load_target
    # The lava target file has no [adex] table yet; borrow the emulator's.
    return dataclasses.replace(load_target("lava"), adex=load_target("emu").adex)


CASES = {
    "cuba4000": lambda: (cuba(4000), "lava"),
    "cuba4000-norefr": lambda: (cuba(4000, refractory=0.0), "lava"),
    "driven1000-delays": lambda: (driven(1000), "lava"),
    "adex200": lambda: (adex(200), adex_target()),
}


def bench(name: str, duration: float) -> dict:
    net, target = CASES[name]()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(net, target)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    emu = program.run(duration)
    emu_s = time.perf_counter() - t0
    lava_run = build_lava(program, duration)
    out = lava_run.run(duration)
    t = lava_run.timings
    pop = next(iter(out._spike_probes))
    kinds = sorted({n.kind for n in lava_run.plan.neurons.values()})
    return {
        "network": name, "neurons": program.summary()["neurons"],
        "synapses": program.summary()["synapses"], "steps": emu.n_steps,
        "processes": ", ".join(kinds),
        "compile_s": compile_s,
        "lava_build_s": t["build"] + t["compile"] + t["start"],
        "emu_run_s": emu_s, "emu_steps_s": emu.n_steps / emu_s,
        "lava_run_s": t["run"], "lava_steps_s": emu.n_steps / t["run"],
        "identical": bool(np.array_equal(out.spikes(pop), emu.spikes(pop))
                          and all(np.array_equal(out.counts[k], emu.counts[k]) for k in emu.counts)),
        "spikes": int(sum(c.sum() for c in emu.counts.values())),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=200.0, help="ms of simulated time (default 200)")
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    args = parser.parse_args(argv)
    rows = [bench(name, args.duration) for name in (args.only or CASES)]
    header = ("| network | neurons | synapses | steps | Lava neuron processes | nc.compile s | "
              "Lava build+compile+start s | emu run s | emu steps/s | Lava run s | Lava steps/s | "
              "spikes | identical |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in rows:
        print(f"| {r['network']} | {r['neurons']} | {r['synapses']} | {r['steps']} | {r['processes']} | "
              f"{r['compile_s']:.2f} | {r['lava_build_s']:.2f} | {r['emu_run_s']:.2f} | "
              f"{r['emu_steps_s']:.0f} | {r['lava_run_s']:.2f} | {r['lava_steps_s']:.0f} | "
              f"{r['spikes']} | {'yes' if r['identical'] else 'NO'} |")


if __name__ == "__main__":
    main()
