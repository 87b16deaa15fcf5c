"""One emulator run on 1 thread against the same run on 2 threads: a table of times.

Usage::

    python bench/threads.py [--repeats 3] [--quick] [--ring N ...] [--only cuba|ring|lif|launch]

Rows: CUBA 4k (the network of bench/performance.py) for 1 s (10,000 steps), and the
1M-neuron / 100M-synapse ring of bench/large_network.py at dt 0.1 ms (1000 steps) and at dt
1 ms (200 steps); ``--quick`` uses a 200k-neuron ring, ``--ring N`` (repeatable) rings of N
neurons (to find where a second thread starts to pay). Each
program is compiled and loaded once; its runs with ``threads=1`` and ``threads=2`` alternate, best of ``--repeats`` each (the
machine's load varies; interleaving keeps the ratio fair), and their results are checked equal
(spike counts, per-step counters). The LIF pass on 1M neurons is timed alone the same way
(:func:`~neurocompile.emu.kernel.lif_pass` against
:func:`~neurocompile.emu.threaded.lif_pass_threaded`), against the plain vectorised update
of bench/limits.py on one core, and the cost of one launch of numba's thread pool (an empty
parallel loop over 2 items, launched 10,000 times from compiled code; a threaded step launches
twice). The load (``os.getloadavg``) is printed before and after.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import time
import warnings

import numpy as np

import neurocompile as nc

_HERE = os.path.dirname(os.path.abspath(__file__))


def _bench_module(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", os.path.join(_HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cuba(n: int = 4000, seed: int = 1) -> nc.Network:
    """CUBA as bench/performance.py builds it (4000 LIF neurons, 2 % connectivity)."""
    net = nc.Network("cuba", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    n_exc = n * 4 // 5
    exc = net.population("exc", n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", n - n_exc, lif, v_init=nc.Uniform(-60.0, -50.0))
    for k, (pre, post, w) in enumerate([(exc, exc, 1.62), (exc, inh, 1.62), (inh, exc, -9.0), (inh, inh, -9.0)]):
        net.connect(pre, post, nc.FixedProbability(0.02, seed=k + 1), weight=w)
    net.probe(exc, "spikes")
    return net


def interleaved(program, duration: float, repeats: int) -> tuple[float, float, int]:
    """Best seconds of ``program.run(duration)`` on 1 and on 2 threads, alternating; checks the
    two runs agree. Returns ``(t1, t2, synaptic events)``."""
    program.run(duration / 10, threads=1)  # load (or compile) both kernels
    program.run(duration / 10, threads=2)
    best = {1: float("inf"), 2: float("inf")}
    results = {}
    for _ in range(repeats):
        for threads in (1, 2):
            started = time.perf_counter()
            results[threads] = program.run(duration, threads=threads)
            best[threads] = min(best[threads], time.perf_counter() - started)
    one, two = results[1], results[2]
    for name in one.counts:
        if not np.array_equal(one.counts[name], two.counts[name]):
            raise AssertionError(f"1 and 2 threads differ in the spike counts of {name}")
    if not np.array_equal(one.stats.synops_per_step, two.stats.synops_per_step):
        raise AssertionError("1 and 2 threads differ in the synaptic events per step")
    return best[1], best[2], int(one.stats.synops_per_step.sum())


def lif_pass_rates(n: int, repeats: int) -> tuple[float, float, float]:
    """Updates/s of the LIF pass on 1 and on 2 threads, and of the plain vectorised update of
    bench/limits.py (one core), on ``n`` neurons with the ring's parameters; interleaved."""
    import numba

    from neurocompile.chip.lif import LIF_COLUMNS
    from neurocompile.emu.kernel import lif_pass
    from neurocompile.emu.threaded import LIF_BLOCK, lif_pass_threaded
    from neurocompile.target import LOIHI_PRECISION as p

    limits = _bench_module("limits")
    slot, u, v, refractory, bias, flags = limits._state(n)
    sets = np.zeros((1, len(LIF_COLUMNS)), np.int64)
    sets[0, :8] = [80, 20, 32767, 0, 50, 0, 0, 1]  # as bench/limits.py: the ring at dt 0.1 ms
    low, high = p.dendrite_range
    blocks = np.arange(0, n + LIF_BLOCK, LIF_BLOCK).clip(max=n)
    blocks = np.unique(blocks)
    bound_set, counts = np.zeros(blocks.size - 1, np.int64), np.zeros((blocks.size - 1, 4), np.int64)
    partial = np.zeros((1, n), np.int32)  # the second thread's partial ring, merged as in a run

    def one():
        lif_pass(slot, u, v, refractory, bias, flags, sets, blocks, bound_set, 1, p.decay_bits,
                 p.alignment_shift_bits, p.state_half, p.saturation_limit, low, high, counts)

    def two():
        lif_pass_threaded(slot, u, v, refractory, bias, flags, sets, blocks, bound_set, 1, p.decay_bits,
                          p.alignment_shift_bits, p.state_half, p.saturation_limit, low, high, counts, partial, 0)

    previous = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        best = [0.0, 0.0, 0.0]
        for _ in range(repeats):
            best[0] = max(best[0], n / limits._best(one, 5))
            best[1] = max(best[1], n / limits._best(two, 5))
            best[2] = max(best[2], limits.neuron_limit(n))
    finally:
        numba.set_num_threads(previous)
    return best[0], best[1], best[2]


def launch_us(repeats: int) -> float:
    """Best microseconds per launch of an empty 2-item parallel loop on 2 threads."""
    import numba
    from numba import njit, prange

    @njit(parallel=True, nogil=True)
    def tiny(a):
        for k in prange(2):
            a[k] += 1

    @njit(nogil=True)
    def launches(a, n):
        for _ in range(n):
            tiny(a)

    a = np.zeros(2)
    previous = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        launches(a, 10)
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            launches(a, 10_000)
            best = min(best, (time.perf_counter() - started) / 10_000 * 1e6)
    finally:
        numba.set_num_threads(previous)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a 200k-neuron ring instead of 1M")
    parser.add_argument("--ring", type=int, action="append", default=[], metavar="N", help="ring sizes (neurons)")
    parser.add_argument("--only", action="append", choices=["cuba", "ring", "lif", "launch"], default=[])
    args = parser.parse_args(argv)
    only = set(args.only) or {"cuba", "ring", "lif", "launch"}
    import numba

    from neurocompile.emu.threads import choose_threading_layer

    choose_threading_layer()  # the layer runs use (for the LIF pass timed alone too)
    warnings.simplefilter("ignore")
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores, numba {numba.__version__}")
    rows = []

    def row(what, t1, t2, events=None):
        rate = "" if events is None else f"{events / t2 / 1e6:,.0f} M events/s on 2 threads"
        rows.append((what, f"{t1:.3f}", f"{t2:.3f}", f"{t1 / t2:.2f}x", rate))
        print("  ".join(rows[-1]), flush=True)  # as it comes (the table follows)

    if "cuba" in only:
        program = nc.compile(cuba(), "lava", placer="sequential")
        row("CUBA 4k, 1 s (10,000 steps)", *interleaved(program, 1000.0, args.repeats))
        del program
    coarse = None  # the 1M ring at dt 1 ms: (t1, t2, events, steps)
    if "ring" in only:
        large = _bench_module("large_network")
        sizes = args.ring or [200_000 if args.quick else 1_000_000]
        for n, (dt, duration) in ((n, run) for n in sizes for run in ((0.1, 100.0), (1.0, 200.0))):
            program = nc.compile(large.ring_network(n, dt=dt), large.board_target(16), placer="sequential")
            t1, t2, events = interleaved(program, duration, args.repeats)
            row(f"ring {n:,} / {n * 100:,} synapses, dt {dt:g} ms, {int(round(duration / dt))} steps", t1, t2, events)
            if n == 1_000_000 and dt == 1.0:
                coarse = (t1, t2, events, int(round(duration / dt)))
            del program
    if "lif" in only:
        one, two, limit = lif_pass_rates(1_000_000, args.repeats)
        rows.append(("LIF pass alone, 1M neurons: M updates/s", f"{one / 1e6:,.0f}", f"{two / 1e6:,.0f}",
                     f"{two / one:.2f}x", f"1-core limit (bench/limits.py) {limit / 1e6:,.0f}: "
                     f"{one / limit:.0%} / {two / limit:.0%}"))
        if coarse is not None:  # as bench/performance.py: the dt 1 ms run's time without its LIF passes
            t1, t2, events, steps = coarse
            scatter = _bench_module("limits").scatter_limit(1_000_000)
            d1, d2 = (events / max(t - steps * 1_000_000 / rate, 1e-9) for t, rate in ((t1, one), (t2, two)))
            rows.append(("Delivery, 1M ring at dt 1 ms: M events/s (run minus LIF passes)", f"{d1 / 1e6:,.0f}",
                         f"{d2 / 1e6:,.0f}", f"{d2 / d1:.2f}x", f"1-core random scatter-add limit "
                         f"{scatter / 1e6:,.0f}: {d1 / scatter:.0%} / {d2 / scatter:.0%}"))
    if "launch" in only:
        rows.append(("one launch of the thread pool (empty loop), us", "", f"{launch_us(args.repeats):.1f}", "", ""))
    print(f"threading layer: {numba.threading_layer()}; load after: {os.getloadavg()[0]:.2f} (1 min)")
    header = ("run", "1 thread s", "2 threads s", "speed-up", "")
    widths = [max(len(r[k]) for r in rows + [header]) for k in range(5)]
    for r in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    main()
