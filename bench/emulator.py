"""Emulator throughput: steps/s and synaptic events/s, beside Lava's fixed_pt simulation.

Networks: CUBA (Brette et al. 2007 benchmark 2: 4000 LIF neurons, 2 % connectivity, dt 0.1 ms)
and a 100,000-neuron ring with the same neuron and 100 local random synapses per neuron. Each
network is compiled once for the ``lava`` target (Loihi limits), and the *same* compiled
program is run on our emulator and, when lava-nc is importable (Python 3.10 environment), in
Lava with ``Loihi2SimCfg(select_tag="fixed_pt")``; spikes are compared.

Usage (from the repository root):
    python bench/emulator.py                 # full table (about a minute without Lava)
    python bench/emulator.py --quick         # shorter runs
Synaptic events/s counts delivered synapses (the emulator's synaptic_ops counter).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

# bench/lava.py sits beside this file: keep bench/ off sys.path so `import lava` finds lava-nc.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np
from rich.console import Console
from rich.table import Table

import neurocompile as nc


def cuba(n: int = 4000, in_degree: float = 80.0, seed: int = 0) -> nc.Network:
    """CUBA: 80 % excitatory, 20 % inhibitory; weights scaled so each neuron gets the same drive."""
    net = nc.Network(f"cuba{n}", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    n_exc = int(0.8 * n)
    exc = net.population("exc", n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n - n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    p = in_degree / n
    scale = 80.0 / in_degree
    for k, (pre, post, w) in enumerate([(exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0)]):
        net.connect(pre, post, nc.FixedProbability(p, seed=k + 1), weight=w * scale)
    net.probe(exc, "spikes")
    return net


def local_random(n: int = 100_000, in_degree: int = 100, reach: int = 500, seed: int = 0) -> nc.Network:
    """A ring of CUBA neurons, each receiving ``in_degree`` synapses from within ``reach`` neighbours.

    Random long-range connectivity would exceed a Loihi-like core's 4096 fan-in axons with a
    few dozen neurons per core; local connectivity is what large models placed on such chips
    have, and it keeps the 100k network on one board.
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    net = nc.Network(f"ring{n}", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    pop = net.population("exc", n, lif, v_init=nc.Uniform(-60.0, -50.0))
    post = np.repeat(np.arange(n), in_degree)
    offset = rng.integers(1, reach + 1, size=post.size) * rng.choice([-1, 1], size=post.size)
    pre = (post + offset) % n
    inhibitory = (pre % 5) == 0  # every fifth neuron inhibits
    weight = np.where(inhibitory, -9.0, 1.62) * 80.0 / in_degree
    matrix = sp.coo_matrix((weight, (pre, post)), shape=(n, n)).tocsr()
    net.connect(pop, pop, nc.Explicit(matrix))
    net.probe(pop, "spikes")
    return net


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def lava_available() -> bool:
    try:
        import lava.magma.core.run_configs  # noqa: F401
    except ImportError:
        return False
    return True


def measure(name: str, net: nc.Network, duration: float, lava_duration: float | None, rows: list,
            placer: str = "sequential"):
    # Placement does not change what is emulated; the sequential placer keeps the compile
    # column about quantization (bench/placement.py measures the placers).
    prog, t_compile = timed(lambda: nc.compile(net, "lava", placer=placer))
    n_steps = int(round(duration / net.dt))
    prog.run(10 * net.dt)  # loads (or compiles once) the numba kernels: not part of throughput
    emu, t_emu = timed(lambda: prog.run(duration))
    events = emu.stats.synops_per_step.sum()
    rows.append([name, "neurocompile emu", f"{prog.summary()['neurons']:,}", f"{prog.summary()['synapses']:,}",
                 f"{t_compile:.2f}", f"{n_steps}", f"{n_steps / t_emu:,.0f}", f"{events / t_emu:,.3g}", ""])
    if lava_duration is None:
        return
    if not lava_available():
        rows.append([name, "Lava fixed_pt", "", "", "", "", "not importable (needs Python 3.10 + lava-nc)", "", ""])
        return
    lava_steps = int(round(lava_duration / net.dt))
    lava_run, t_build = timed(prog.to_lava)
    lava_out, t_lava = timed(lambda: lava_run.run(lava_duration))
    emu_short = prog.run(lava_duration)
    same = bool(np.array_equal(lava_out.spikes("exc"), emu_short.spikes("exc")))
    lava_events = emu_short.stats.synops_per_step.sum()
    rows.append([name, "Lava fixed_pt (CPU)", "", "", f"{t_compile + t_build:.2f}", f"{lava_steps}",
                 f"{lava_steps / t_lava:,.0f}", f"{lava_events / t_lava:,.3g}",
                 "identical" if same else "MISMATCH"])
    rows.append([name, "speed-up emu / Lava", "", "", "", "", f"{(n_steps / t_emu) / (lava_steps / t_lava):.1f}x",
                 "", ""])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--no-lava", action="store_true", help="skip the Lava runs")
    args = parser.parse_args(argv)
    duration = 200.0 if args.quick else 1000.0
    lava_duration = None if args.no_lava else (50.0 if args.quick else 200.0)
    rows: list = []
    measure("CUBA 4k", cuba(4000), duration, lava_duration, rows)
    measure("local random 100k", local_random(100_000), duration / 5, None, rows)
    table = Table(title="Emulator throughput (same compiled program; lava target limits)")
    for col in ("network", "simulator", "neurons", "synapses", "compile s", "steps", "steps/s",
                "syn. events/s", "spikes vs emu"):
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(*row)
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
