"""``neurocompile run PROGRAM.ncp --duration MS``: run a compiled program on its back end."""
from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from ..program import load_program
from ..io.summaries import rate_summaries
from . import render, summaries
from .arguments import positive_ms
from .output import Output, add_verbosity_arguments

NAME = "run"
HELP = "run a compiled program (.ncp)"
DESCRIPTION = ("Load a program written by `neurocompile build` and run it on the back end "
               "of the target it was compiled for.")


def add_arguments(parser) -> None:
    parser.add_argument("program", metavar="PROGRAM.ncp", type=Path)
    parser.add_argument("--duration", type=positive_ms, default=1000.0, metavar="MS",
                        help="simulated time, ms (default: 1000)")
    parser.add_argument("--strict", action="store_true",
                        help="stop with an error at the first register wrap or saturation")
    add_verbosity_arguments(parser)


def run(args, console: Console) -> int:
    output = Output(console, args.verbosity)
    program = load_program(args.program)
    start = time.perf_counter()
    with output.progress():
        result = program.run(args.duration, strict=args.strict)
    wall = time.perf_counter() - start
    output.info(render.rate_table(rate_summaries(result),
                                  f"'{program.name}' on {program.target.name} ({result.backend}), "
                                  f"{result.duration:g} ms"))
    totals = result.stats.totals()
    if output.verbose:
        output.detail(render.stats_table(totals))
    else:
        output.info(summaries.activity_line(totals))
    for line in render.saturation_lines(result.stats.saturations_per_population):
        output.warning(line.removeprefix("warning: "))
    output.result(f"'{program.name}': {result.n_steps} steps in {wall:.2f} s "
                  f"({result.n_steps / max(wall, 1e-9):,.0f} steps/s)")
    return 0
