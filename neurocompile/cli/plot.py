"""``neurocompile plot NET.py``: run a network in float and on the chip and write PNG plots.

    neurocompile plot NET.py [--program build/NAME.ncp] [--target T] [--duration MS]
                             [--out DIR] [--raster] [--traces] [--rates] [--rates-time]
                             [--bin MS] [--mesh]

The network file supplies the float network (a compiled ``.ncp`` holds only integers); the
chip run uses ``--program`` if given (a program compiled from the same network, e.g. by
``neurocompile build``), else the network compiled for ``--target``. Without any of
``--raster/--traces/--rates/--rates-time/--mesh`` every plot is written. Files:
``<out>/<name>_raster.png``, ``_traces.png``, ``_rates.png``, ``_rates_time.png``,
``_mesh.png``. Needs matplotlib (``pip install '.[plot]'``).
"""
from __future__ import annotations

import warnings
from pathlib import Path

from rich.console import Console

from .. import progress
from ..program import compile as compile_network
from ..errors import BuildError
from ..io.network_files import load_network
from ..program import load_program
from ..reference import simulate
from ..plots.rate_time import BIN_MS
from .arguments import positive_ms, seed
from .output import Output, add_verbosity_arguments

KINDS = ("raster", "traces", "rates", "rates_time", "mesh")

NAME = "plot"
HELP = "plot float vs chip runs of a network (PNG)"
DESCRIPTION = ("Run the network of NET.py in float and on the chip and write PNG plots: "
               "spike rasters side by side, every probed state variable overlaid, per-neuron "
               "rate scatter, population rates over time, and the core mesh with per-core load "
               "and link traffic.")


def add_arguments(parser) -> None:
    parser.add_argument("network_file", metavar="NET.py", type=Path,
                        help="Python file defining `net` or `build()` (the float network)")
    parser.add_argument("--program", type=Path, default=None, metavar="PROGRAM.ncp",
                        help="compiled program of the same network to run on the chip "
                             "(default: compile NET.py for --target)")
    parser.add_argument("--target", default="emu", metavar="TARGET",
                        help="target to compile for when --program is not given (default: emu)")
    parser.add_argument("--duration", type=positive_ms, default=200.0, metavar="MS",
                        help="length of both runs, ms (default: 200)")
    parser.add_argument("--seed", type=seed, default=None, metavar="N",
                        help="pass seed=N to the file's build(seed=...) function")
    parser.add_argument("--out", type=Path, default=Path("plots"), metavar="DIR",
                        help="output folder (default: plots)")
    for kind, text in (("raster", "spike rasters, float beside chip"),
                       ("traces", "every probed state variable, float and chip overlaid"),
                       ("rates", "per-neuron rates, chip vs float"),
                       ("rates_time", "population rates over time, float and chip (see --bin)"),
                       ("mesh", "cores of the chip with load and link traffic")):
        parser.add_argument(f"--{kind.replace('_', '-')}", dest=kind, action="store_true", help=text)
    parser.add_argument("--bin", dest="bin_ms", type=positive_ms, default=BIN_MS, metavar="MS",
                        help=f"--rates-time: sliding window of the rates, ms (default: {BIN_MS:g})")
    add_verbosity_arguments(parser)


def run(args, console: Console) -> int:
    output = Output(console, args.verbosity)
    with output.progress():
        written = _plot(args, output)
    for path in written:
        output.result(f"wrote {path}")
    return 0


def _plot(args, output: Output) -> list:
    """Run both simulations and write the plots asked for; returns the files written."""
    from ..plots import plot_rate_time, plot_rates, plot_raster, plot_traces

    kinds = [k for k in KINDS if getattr(args, k)] or list(KINDS)
    net = load_network(args.network_file, seed=args.seed)
    if args.program is not None:
        program = load_program(args.program)
        if program.name != net.name:
            raise BuildError(f"plot: --program '{args.program}' was compiled from network "
                             f"'{program.name}', not from '{net.name}' of {args.network_file}")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `neurocompile build` reports quantization
            program = compile_network(net, args.target)
    ref = simulate(net, args.duration)
    chip = program.run(args.duration)
    output.info(f"float and chip runs of '{net.name}' over {args.duration:g} ms done")
    stem = args.out / net.name
    written = []
    with progress.stage("plots", total=len(kinds), unit="plots") as task:
        if "raster" in kinds:
            written.append(plot_raster(ref, chip, f"{stem}_raster.png"))
            task.advance()
        if "traces" in kinds:
            written.append(plot_traces(ref, chip, f"{stem}_traces.png", network=net))
            task.advance()
        if "rates" in kinds:
            written.append(plot_rates(ref, chip, f"{stem}_rates.png", network=net))
            task.advance()
        if "rates_time" in kinds:
            written.append(plot_rate_time(ref, chip, f"{stem}_rates_time.png", bin_ms=args.bin_ms))
            task.advance()
        if "mesh" in kinds:
            try:
                from ..plots.mesh import plot_mesh
            except ImportError as exc:
                raise BuildError(f"plot: --mesh is not available in this installation ({exc})") from exc
            rates = {name: chip.rates(name) for name in chip.populations}
            written.append(plot_mesh(program, f"{stem}_mesh.png", rates=rates, rates_from="chip run"))
            task.advance()
    return written
