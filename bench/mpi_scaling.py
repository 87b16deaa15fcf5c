"""Partitioned emulation over MPI ranks: bit-identity, memory per rank, run time, exchange volume,
weak and strong scaling measured with 1 and 2 ranks, and a cost model for 8-768 ranks.

The network: CUBA-like self-driven LIF neurons on a ring (as bench/large_network.py), every
neuron sending ``fan_out`` synapses within ``reach`` of itself, split into ``parts`` populations
so that the program has ``parts * 3`` projections (each rank reads one projection of the file
at a time). Compiled for the ``lava`` target (Loihi core limits) on a 2 x 2 board of chips.

    PYTHONPATH=. python bench/mpi_scaling.py build --neurons 200000 --out /tmp/mpi-bench  # ~20M synapses
    PYTHONPATH=. python bench/mpi_scaling.py build --neurons 100000 --out /tmp/mpi-bench  # weak-scaling half
    PYTHONPATH=. python bench/mpi_scaling.py build --neurons 200000 --delay 1.0 --out /tmp/mpi-bench  # 10-step window
    PYTHONPATH=. python bench/mpi_scaling.py scaling /tmp/mpi-bench/ring200000.ncp --half \\
        /tmp/mpi-bench/ring100000.ncp --duration 100

``scaling`` runs the program in one process (``run``, no MPI) and with ``mpiexec -n 2``
(fresh processes each), checks that the 2-rank result file equals the 1-process one array by
array, prints each rank's peak resident memory (the process's whole peak: imports, program,
layout, state), run times and the measured exchange, then the cost model. ``run`` is the
per-process worker (it prints one JSON line per rank).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

#: Ids are int64 on the wire.
ID_BYTES = 8


def build(args) -> None:
    import neurocompile as nc
    from bench.large_network import board_target, ring_matrix

    n, parts = args.neurons, args.parts
    size = n // parts
    matrix = ring_matrix(size * parts, args.fan_out, args.reach, seed=0)
    net = nc.Network(f"ring{n}", dt=0.1, seed=0)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    pops = [net.population(f"p{k}", size, lif, v_init=nc.Uniform(-60.0, -50.0)) for k in range(parts)]
    for i in range(parts):
        rows = matrix[i * size:(i + 1) * size]
        for j in (i - 1, i, i + 1):
            block = rows[:, (j % parts) * size:(j % parts + 1) * size].tocsr()
            if block.nnz:
                net.connect(pops[i], pops[j % parts], nc.Explicit(block), delay=args.delay)
    for pop in pops:
        net.probe(pop[:200], "spikes")
    net.probe(pops[0][:4], "v")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(net, board_target(args.chips), placer="sequential")
    out = Path(args.out) / (f"ring{n}" + ("" if args.fan_out == 100 else f"x{args.fan_out}")
                            + ("" if args.delay is None else f"d{args.delay:g}") + ".ncp")
    program.save(out)
    print(f"{program!r}: compiled in {time.perf_counter() - started:.1f} s, wrote {out}")
    # A tiny program of the same target: runs before each measurement load the code (numba's
    # compiled chip functions and kernel) so that the baseline memory includes it.
    tiny = nc.Network("tiny", dt=0.1, seed=0)
    a = tiny.population("a", 8, lif)
    tiny.connect(a, a, nc.Explicit(ring_matrix(8, 2, 2, seed=0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nc.compile(tiny, board_target(args.chips), placer="sequential").save(Path(args.out) / "tiny.ncp")


def peak_mb() -> float:
    """This process's peak resident memory (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident memory now (MiB)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(args) -> None:
    import neurocompile as nc
    from neurocompile.mpi.comm import launched_ranks
    from neurocompile.mpi.results import save_results

    tiny = Path(args.program).with_name("tiny.ncp")
    if tiny.exists():  # load the code (numba's compiled functions) into the baseline
        nc.load(tiny).run(1.0)
    base = rss_mb()  # before the program is read
    started = time.perf_counter()
    if launched_ranks() == 1:
        program = nc.load(args.program)
        loaded = time.perf_counter()
        result = program.run(args.duration)
        ran = time.perf_counter()
        save_results(result, args.out)
        _report(args.out, 0, {"ranks": 1, "rank": 0, "load_s": loaded - started, "run_s": ran - loaded,
                              "peak_mb": peak_mb(), "base_mb": base, "steps": result.n_steps,
                              "spikes": int(result.stats.spikes_per_step.sum()),
                              "synops": int(result.stats.synops_per_step.sum())})
        return
    from neurocompile import mpi
    from neurocompile.mpi import partition as part

    ranks = mpi.Ranks()
    from neurocompile.mpi import local

    program, partition, whole = part.load_part(args.program, ranks.size, ranks.rank, by_neurons=not args.replicated)
    loaded = time.perf_counter()
    if isinstance(program, local.LocalProgram):
        result, exchange = local.run_local(ranks, program, whole, partition, args.duration)
        program = program.program
    else:
        result, exchange = part.run_partitioned(ranks, program, partition, args.duration)
    ran = time.perf_counter()
    mine = int(sum(qp.post_index.size for qp in program.quantized.projections))
    if ranks.rank == 0:
        save_results(result, args.out)
    peak = peak_mb()
    ids = np.arange(200, dtype=np.int64)  # the collective alone: 1000 allgathers of 200 ids
    ranks.allgather_array(ids, "timing")
    clock = time.perf_counter()
    for _ in range(1000):
        ranks.allgather_array(ids, "timing")
    collective = (time.perf_counter() - clock) / 1000
    _report(args.out, ranks.rank, {
        "ranks": ranks.size, "rank": ranks.rank, "load_s": loaded - started, "run_s": ran - loaded,
        "peak_mb": peak, "base_mb": base, "collective_s": collective, "steps": exchange.steps, "sent": exchange.sent,
        "received": exchange.received, "exchanges": exchange.exchanges, "window": exchange.window,
        "exchange_s": exchange.exchange_s, "compute_s": exchange.compute_s, "synapses_held": mine,
        "unit": partition.unit})


def _report(out: str, rank: int, row: dict) -> None:
    """Print ``row`` and write it beside the result file (``OUT.rank<r>.json``)."""
    Path(f"{out}.rank{rank}.json").write_text(json.dumps(row))
    print(json.dumps(row), flush=True)


def _launch(argv: list, ranks: int, out: Path) -> list[dict]:
    mpiexec = Path(sys.executable).with_name("mpiexec")
    command = ([str(mpiexec), "-n", str(ranks)] if ranks > 1 else []) + [sys.executable, __file__, *argv]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return [json.loads(Path(f"{out}.rank{r}.json").read_text()) for r in range(ranks)]


def _same(a: Path, b: Path) -> bool:
    with np.load(a) as x, np.load(b) as y:
        return sorted(x.files) == sorted(y.files) and all(np.array_equal(x[k], y[k]) for k in x.files)


def traffic(path: Path, ranks: int) -> dict:
    """From the placement and synapses: the neurons whose spikes must reach another rank
    against all neurons (what an exchange of every spike would send)."""
    import neurocompile as nc
    from neurocompile.mpi.partition import owners, plan

    program = nc.load(path)
    partition = plan(program.placement, ranks)
    order = list(program.quantized.populations)
    offset = dict(zip(order, np.cumsum([0] + [program.quantized.populations[n].size for n in order])))
    owner = owners(program.placement, order, {}, partition)
    crossing = np.zeros(owner.size, dtype=bool)
    for qp in program.quantized.projections:
        pre = offset[qp.pre] + np.repeat(np.arange(qp.indptr.size - 1), np.diff(qp.indptr))
        post = offset[qp.post] + qp.post_index
        crossing[pre[owner[pre] != owner[post]]] = True
    return {"neurons": int(owner.size), "crossing_neurons": int(crossing.sum())}


def scaling(args) -> None:
    out = Path(args.work)
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for label, program in (("full", args.program), ("half", args.half)):
        if program is None:
            continue
        for ranks in (1, 2):
            result = out / f"{label}-{ranks}.npz"
            rows[(label, ranks)] = _launch(["run", str(program), "--duration", str(args.duration), "--out",
                                            str(result)], ranks, result)
    one, two = rows[("full", 1)][0], rows[("full", 2)]
    identical = _same(out / "full-1.npz", out / "full-2.npz")
    print(f"program {args.program}, {args.duration:g} ms = {one['steps']} steps, {one['spikes']:,} spikes, "
          f"{one['synops']:,} synaptic ops")
    print(f"2-rank result bit-identical to 1 process (every array of the result file): {identical}")
    print("\npeak MiB: the process's whole peak resident memory; above base: minus its memory before reading "
          "the program (interpreter, numpy, numba, neurocompile and its compiled functions, loaded by a run of "
          "tiny.ncp)")
    print("ranks  rank  peak MiB  of 1-proc  above base  of 1-proc  load s  run s  compute s  exchange s  synapses held")
    one_above = one["peak_mb"] - one["base_mb"]
    print(f"{1:>5}  {0:>4}  {one['peak_mb']:>8.0f}  {1:>9.0%}  {one_above:>10.0f}  {1:>9.0%}  {one['load_s']:>6.1f}  "
          f"{one['run_s']:>5.2f}  {'-':>9}  {'-':>10}  {'all':>13}")
    for r in two:
        above = r["peak_mb"] - r["base_mb"]
        print(f"{2:>5}  {r['rank']:>4}  {r['peak_mb']:>8.0f}  {r['peak_mb'] / one['peak_mb']:>9.0%}  {above:>10.0f}  "
              f"{above / one_above:>9.0%}  {r['load_s']:>6.1f}  {r['run_s']:>5.2f}  {r['compute_s']:>9.2f}  "
              f"{r['exchange_s']:>10.2f}  {r['synapses_held']:>13,}")
    steps = two[0]["steps"]
    print(f"\nexchange window: {two[0]['window']} step{'s' * (two[0]['window'] != 1)} (the smallest delay of a "
          f"synapse between the ranks), {two[0]['exchanges']} exchanges in {steps} steps (each an allgather of the "
          f"message lengths and an allgatherv of the spike ids)")
    ids_per_step = sum(r["sent"] for r in two) / steps
    flow = traffic(Path(args.program), 2)
    all_ids = one["spikes"] / steps
    print(f"exchange per step: {ids_per_step:.1f} ids = {ids_per_step * ID_BYTES:.0f} B to every rank (the "
          f"spikes some other rank needs; all spikes would be {all_ids:.1f} ids = "
          f"{all_ids * ID_BYTES:.0f} B); measured {np.mean([r['exchange_s'] for r in two]) / steps * 1e6:.1f} us "
          f"per step (the exchanges and the waits for the slower rank); the collective alone (200 ids): "
          f"{two[0]['collective_s'] * 1e6:.1f} us")
    print(f"placement's inter-rank traffic: {flow['crossing_neurons']:,} of {flow['neurons']:,} neurons have "
          f"synapses on the other rank ({flow['crossing_neurons'] / flow['neurons']:.1%})")
    strong = one["run_s"] / max(r["run_s"] for r in two)
    print(f"\nstrong scaling (same program): 1 rank {one['run_s']:.2f} s, 2 ranks {max(r['run_s'] for r in two):.2f} s"
          f" (speed-up {strong:.2f}x; the machine has 2 cores and other jobs share them)")
    if ("half", 1) in rows:
        half = rows[("half", 1)][0]
        print(f"weak scaling (half the program on 1 rank, the whole on 2): {half['run_s']:.2f} s -> "
              f"{max(r['run_s'] for r in two):.2f} s (efficiency {half['run_s'] / max(r['run_s'] for r in two):.0%})")
    model(one, two, steps, f"{flow['crossing_neurons'] / flow['neurons']:.1%} of the neurons at 2 ranks")


def model(one: dict, two: list, steps: int, flow_note: str = "") -> None:
    """The cost model, from the measured per-rank compute and exchange costs (module docstring)."""
    neurons = 200_000 if "200000" in str(one.get("program", "ring200000")) else one.get("neurons", 200_000)
    per_neuron_step = one["run_s"] / (neurons * steps)  # this network: neuron updates dominate
    per_event = 1 / 27e6  # README "Performance": 27 M synaptic events/s on the 1M-neuron, 100M-synapse ring
    alpha = two[0]["collective_s"]  # one allgatherv between 2 ranks on this machine (shared memory)
    print(f"\ncost model: {per_neuron_step * 1e9:.1f} ns per neuron update (1-process run above), "
          f"{per_event * 1e9:.0f} ns per synaptic event (README: 27 M events/s on a 1e8-synapse ring, an upper "
          f"bound), allgather latency {alpha * 1e6:.1f} us at 2 ranks here, taken as "
          f"max(that, {LATENCY_S * 1e6:.0f} us) x log2(ranks) across nodes")
    n, fan, rate_hz, dt_ms = 100e6, 1000, 10.0, 1.0
    spikes = n * rate_hz * dt_ms / 1000
    events = spikes * fan
    print(f"Pohoiki-Springs-sized program: 768 chips, {n:.0e} neurons, {fan} synapses/neuron, {rate_hz:g} Hz, "
          f"dt {dt_ms:g} ms: {spikes:.0e} spikes and {events:.0e} synaptic events per step; ids int64")
    for label, bandwidth in (("100 Gb/s fabric (12.5 GB/s per rank)", 12.5e9), ("10 Gb/s Ethernet", 1.25e9)):
        print(f"\n{label}; compute per rank with the neurons split (the default) and with every neuron on "
              f"every rank (the fallback for receptor elements)")
        print("ranks  chips/rank  compute ms/step  (replicated)  allgather ms/step  targeted (random) ms/step  "
              "exchange share  window W for latency < 10 %")
        for k in (8, 16, 32, 64, 128, 256, 384, 768):
            compute = (events * per_event + n * per_neuron_step) / k
            this_code = events * per_event / k + n * per_neuron_step
            latency = max(alpha, LATENCY_S) * np.log2(k)
            allgather = latency + spikes * ID_BYTES / bandwidth  # every rank receives every spike
            # targeted: a rank receives only the spikes with a target on it (random connectivity)
            targeted = latency + spikes * (1 - (1 - 1 / k) ** fan) * ID_BYTES / bandwidth
            share = allgather / (allgather + compute)
            window = max(1, int(np.ceil(latency / (0.1 * compute))))
            print(f"{k:>5}  {768 // k:>10}  {compute * 1e3:>15.1f}  {this_code * 1e3:>12.0f}  {allgather * 1e3:>17.2f}  "
                  f"{targeted * 1e3:>25.2f}  {share:>14.1%}  {window:>3} step{'s' * (window != 1)}")
    crossing = events * per_event / (spikes * ID_BYTES / 1.25e9)
    print("\nallgather: every spike to every rank, which is what this code's exchange (the spikes some other rank "
          "needs) comes to with random connectivity of 1000 synapses per neuron; targeted: each rank receiving only "
          "the spikes with a target on it")
    print(f"exchange dominates (allgather time > compute time) from about {crossing:,.0f} ranks on 10 Gb/s "
          f"Ethernet and {crossing * 10:,.0f} on the 100 Gb/s fabric: the allgather's volume (every rank receives "
          f"all {spikes:.0e} ids, {spikes * ID_BYTES / 1e6:.0f} MB per step) does not shrink with more ranks while "
          f"compute does; a window only amortises the latency term; with local connectivity (the ring: "
          f"{flow_note}) the volume falls with the share of neurons that reach another rank")


#: Per-stage latency of a collective across nodes (EST: a few microseconds on InfiniBand/RoCE).
LATENCY_S = 5e-6


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--neurons", type=int, default=200_000)
    b.add_argument("--fan-out", type=int, default=100)
    b.add_argument("--reach", type=int, default=500)
    b.add_argument("--parts", type=int, default=8)
    b.add_argument("--chips", type=int, default=4, help="chips on the board (a square number)")
    b.add_argument("--delay", type=float, default=None, help="ms of every synapse (default: dt, one step)")
    b.add_argument("--out", default="/tmp/mpi-bench")
    r = sub.add_parser("run")
    r.add_argument("program")
    r.add_argument("--duration", type=float, default=100.0)
    r.add_argument("--out", required=True)
    r.add_argument("--replicated", action="store_true", help="every rank updates every neuron (synapses split)")
    s = sub.add_parser("scaling")
    s.add_argument("program")
    s.add_argument("--half")
    s.add_argument("--duration", type=float, default=100.0)
    s.add_argument("--work", default="/tmp/mpi-bench/results")
    args = parser.parse_args(argv)
    {"build": build, "run": run, "scaling": scaling}[args.command](args)


if __name__ == "__main__":
    main()
