"""``neurocompile run PROGRAM.ncp --duration MS``: run a compiled program on its back end.

Under ``mpiexec -n K`` (K > 1) the run is spread over the K ranks (:mod:`neurocompile.mpi`):
partitioned for a single run, data-parallel for a batch given with ``--inputs``; rank 0 prints
and writes the results, the other ranks print only errors.
"""
from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from ..errors import DistributedError, invalid, unreadable_file
from ..io.summaries import rate_summaries
from . import render, summaries
from .arguments import add_threads_argument, positive_ms
from .output import Output, add_verbosity_arguments

NAME = "run"
HELP = "run a compiled program (.ncp)"
DESCRIPTION = ("Load a program written by `neurocompile build` and run it on the back end "
               "of the target it was compiled for. Under `mpiexec -n K` the run is spread over K ranks: "
               "the program's chips are split over them (bit-identical to one process), or, with a batch "
               "of --inputs, its samples.")


def add_arguments(parser) -> None:
    parser.add_argument("program", metavar="PROGRAM.ncp", type=Path)
    parser.add_argument("--duration", type=positive_ms, default=1000.0, metavar="MS",
                        help="simulated time, ms (default: 1000)")
    parser.add_argument("--strict", action="store_true",
                        help="stop with an error at the first register wrap or saturation")
    parser.add_argument("--inputs", type=Path, metavar="FILE.npz",
                        help="the run's inputs: population name -> spike raster (steps, size) or current (size,), "
                             "with a leading batch axis for a batch of samples")
    add_threads_argument(parser)
    parser.add_argument("--out", type=Path, metavar="FILE.npz",
                        help="write the result (spikes, counts, traces, per-step counters) to this file")
    add_verbosity_arguments(parser)


def _inputs(path: Path | None):
    if path is None:
        return None
    import numpy as np

    unreadable = unreadable_file(path, "inputs file")
    if unreadable is not None:
        raise unreadable
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise invalid("neurocompile run", "--inputs", str(path), f"is not a NumPy .npz file ({exc})") from None


def run(args, console: Console) -> int:
    from ..mpi.comm import launched_ranks

    output = Output(console, args.verbosity)
    if launched_ranks() > 1:
        return _run_mpi(args, console, output)
    from ..program import load_program

    inputs = _inputs(args.inputs)
    program = load_program(args.program)
    start = time.perf_counter()
    with output.progress():
        result = program.run(args.duration, strict=args.strict, inputs=inputs, threads=args.threads)
    _report(output, program.name, program.target.name, result, time.perf_counter() - start, args.out)
    return 0


def _run_mpi(args, console: Console, output: Output) -> int:
    from .. import mpi

    ranks = mpi.Ranks()
    start = time.perf_counter()
    try:
        inputs = ranks.guarded("reading --inputs", lambda: _inputs(args.inputs) if ranks.rank == 0 else None)
        done = mpi.run(args.program, args.duration, inputs=inputs, strict=args.strict, comm=ranks.comm)
    except DistributedError as exc:
        if getattr(exc, "lost", False):  # a rank died: MPI_Finalize would wait for it
            Console(stderr=True, highlight=False).print(f"error: {exc}", markup=False, soft_wrap=True)
            ranks.abort(1)
        raise
    wall = time.perf_counter() - start
    if done.rank != 0:
        return 0
    name = done.name
    how = (f"{done.ranks} ranks, partitioned by {done.partition.unit}" if done.mode == "partitioned"
           else f"{done.ranks} ranks, data-parallel")
    _report(output, name, how, done.result, wall, args.out)
    if done.mode == "partitioned":
        ex = done.exchange
        output.info(f"spike exchange (rank 0): {ex.sent + ex.received:,} ids in {ex.steps:,} steps, "
                    f"{ex.exchange_s:.2f} s exchanging, {ex.compute_s:.2f} s computing")
    return 0


def _report(output: Output, name: str, where: str, result, wall: float, out: Path | None) -> None:
    if out is not None:
        from ..mpi.results import save_results
        save_results(result, out)
    results = result if isinstance(result, list) else [result]
    for k, one in enumerate(results):
        label = f"'{name}' on {where} ({one.backend}), {one.duration:g} ms" + (
            f", sample {k}" if len(results) > 1 else "")
        output.info(render.rate_table(rate_summaries(one), label))
        totals = one.stats.totals()
        if output.verbose:
            output.detail(render.stats_table(totals))
        else:
            output.info(summaries.activity_line(totals))
        for line in render.saturation_lines(one.stats.saturations_per_population):
            output.warning(line.removeprefix("warning: "))
    steps = sum(r.n_steps for r in results)
    output.result(f"'{name}': {steps} steps in {wall:.2f} s ({steps / max(wall, 1e-9):,.0f} steps/s)"
                  + (f"; wrote {out}" if out is not None else ""))
