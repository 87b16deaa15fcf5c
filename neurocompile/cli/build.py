"""``neurocompile build NET.py --target T``: run the compiler pipeline on a network file.

The build is a list of stages, run in order on one :class:`BuildContext`; each stage calls the
public Python function that does the work and prints what it found. Stages today::

    load       neurocompile.io.load_network              the user's network
    validate   neurocompile.target.load_target           target file, and that it runs the models
               neurocompile.quantize.support.model_support
    reference  neurocompile.simulate                     float run for --validate ms
    compile    neurocompile.compile                      quantize -> place -> route (report)
    emit       Program.save                              <out>/<name>.ncp
    chip       Program.run                               the same run on the target's back end
    compare    neurocompile.compare                      float vs chip, in numbers
    report     neurocompile.cli.report                   --report FILE.html: all of it, one page

Each stage reads what earlier stages left on the context and adds its own result there.
What it prints goes through :class:`~.output.Output`: a line or two per stage by default,
every table with ``-v``, only warnings and results with ``-q``; work that takes time shows
a live progress display on a terminal (:mod:`.progress_display`).
"""
from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from rich.console import Console

from .. import progress
from ..program import compile as compile_network
from ..emu import warmup
from ..errors import BuildError, NeurocompileError
from ..io.network_files import NIR_OPTIONS, load_network
from ..models import HH, DiscreteLI, DiscreteLIF
from ..nir.mapping import SEMANTICS
from ..memory import format_bytes
from ..program.preflight import check_before_reference, check_build_memory
from ..resources import available_memory_bytes
from ..program.report import tables as program_tables
from ..quantize.support import model_support
from ..validate import compare
from ..validate.compare import DEFAULT_TOLERANCE
from ..reference import simulate
from ..io.summaries import population_summaries, projection_summaries, rate_summaries
from ..target import load_target
from ..place import DEFAULT_PLACER, PLACERS
from ..place.budget import DEFAULT_PLACE_BUDGET_S
from . import render, summaries
from .arguments import add_threads_argument, budget_seconds, fraction, positive_ms, seed
from .output import NORMAL, Output, add_verbosity_arguments

DEFAULT_DURATION_MS = 200.0
DEFAULT_OUT = "build"


@dataclass
class BuildContext:
    """What the stages share: the arguments, the console and each stage's result."""

    network_file: Path
    target_name: str
    duration: float
    seed: int | None
    out: Path
    console: Console
    network: Any = None
    target: Any = None
    model_support: dict = field(default_factory=dict)
    reference: Any = None
    placer: str = DEFAULT_PLACER
    strict: bool = False
    threads: int | None = None
    tolerance: float | None = None
    program: Any = None
    program_path: Path | None = None
    chip: Any = None
    comparison: Any = None
    lava_run_ms: float | None = None
    nir_options: dict = field(default_factory=dict)  # .nir files only: read_nir's dt, semantics, ...
    stage_seconds: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)  # every warning line printed, without "warning: "
    memory: list = field(default_factory=list)    # the stages' MemoryEstimates (validate stage)
    memory_available: int = 0                     # bytes available when they were checked
    report_path: Path | None = None               # --report FILE.html
    lava_plan: Any = None                         # lava targets: the Lava process graph's plan
    place_budget_s: float = DEFAULT_PLACE_BUDGET_S
    verbosity: int = NORMAL
    output: Output | None = None  # what the stages print through (default: console at verbosity)

    def __post_init__(self):
        if self.output is None:
            self.output = Output(self.console, self.verbosity)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[BuildContext], None]
    summary: str
    applies: Callable[[BuildContext], bool] = lambda ctx: True


def load_stage(ctx: BuildContext) -> None:
    ctx.network = load_network(ctx.network_file, seed=ctx.seed, **ctx.nir_options)
    ctx.network.validate()
    net = ctx.network
    ctx.output.info(f"loaded {net!r} from {ctx.network_file}")
    if net.provenance:
        ctx.output.info("provenance: " + ", ".join(f"{k} = {v}" for k, v in net.provenance.items()))
    ctx.output.detail(render.population_table(net, population_summaries(net)))
    if net.projections:
        ctx.output.detail(render.projection_table(projection_summaries(net)))


def validate_stage(ctx: BuildContext) -> None:
    ctx.target = load_target(ctx.target_name)
    ctx.model_support = model_support(ctx.network, ctx.target)
    check_before_reference(ctx.network, ctx.target)  # before the float run, not after it
    ctx.memory = check_build_memory(ctx.network, ctx.target, ctx.duration, ctx.placer)
    ctx.memory_available = available_memory_bytes()
    ctx.output.info(f"target {ctx.target.summary()}")
    groups: dict = {}
    for name, how in ctx.model_support.items():
        model = type(ctx.network.populations[name].model).__name__
        groups.setdefault((model, how), []).append(name)
    for (model, how), names in groups.items():
        ctx.output.info(f"  {model}: {how.replace('_', ' ')} ({', '.join(names)})")
    worst = max(ctx.memory, key=lambda e: e.peak)
    ctx.output.info(f"memory: estimated peak {format_bytes(worst.peak)} ({worst.stage}) of "
                    f"{format_bytes(ctx.memory_available)} available")


def reference_stage(ctx: BuildContext) -> None:
    start = time.perf_counter()
    ctx.reference = simulate(ctx.network, ctx.duration)
    wall = time.perf_counter() - start
    rates = rate_summaries(ctx.reference)
    ctx.output.detail(render.rate_table(rates, f"Float reference, {ctx.reference.duration:g} ms"))
    ctx.output.info(f"float run: {ctx.reference.duration:g} ms simulated in {wall:.2f} s wall time")
    report = {
        "network": ctx.network.name,
        "dt_ms": ctx.network.dt,
        "duration_ms": ctx.reference.duration,
        "wall_time_s": wall,
        "rates_hz": [asdict(r) for r in rates],
    }
    path = ctx.out / f"{ctx.network.name}.reference.json"
    try:
        ctx.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"build: out = '{ctx.out}' cannot be written ({exc.strerror or exc})") from exc
    ctx.output.detail(f"wrote {path}")


def compile_stage(ctx: BuildContext) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Activity-aware placement: the float reference's rates weight the spike traffic.
        rates = None
        if ctx.reference is not None:
            rates = {p.name: ctx.reference.rates(p.name) for p in ctx.network.populations.values()}
        # Discrete-time (trained) populations size their registers from what the float run
        # reached (with a margin) rather than from the worst case no input reaches; HH
        # populations check that run's voltages against their gate tables.
        ranges = ctx.reference if _uses_float_ranges(ctx.network) else None
        ctx.program = compile_network(ctx.network, ctx.target, strict=ctx.strict, placer=ctx.placer,
                                      rates=rates, ranges=ranges, place_budget_s=ctx.place_budget_s)
    # The placement metrics under the rates the placer weighted traffic by.
    rates_from = "float reference" if rates is not None else None
    if ctx.output.verbose:
        ctx.output.detail(*program_tables(ctx.program, rates, rates_from=rates_from))
    else:
        ctx.output.info(*summaries.compile_lines(ctx.program, rates, rates_from))
    for note in ctx.program.placement.notes:
        ctx.output.note(f"placement: {note}")
    _warn(ctx, [str(w.message) for w in caught])
    if not caught:
        # Only what the compiler did: a register can still saturate while the program runs,
        # which the chip stage reports.
        detail = " (registers that saturate while running: see the chip run)" if ctx.output.verbose else ""
        ctx.output.info(f"quantization: no parameter or weight clipped or dropped by the compiler{detail}")


def _uses_float_ranges(network) -> bool:
    return any(isinstance(p.model, (DiscreteLIF, DiscreteLI, HH)) for p in network.populations.values())


def emit_stage(ctx: BuildContext) -> None:
    ctx.program_path = ctx.out / f"{ctx.network.name}.ncp"
    try:
        with progress.stage("writing the program"):
            ctx.program.save(ctx.program_path)
    except OSError as exc:
        raise BuildError(f"build: cannot write '{ctx.program_path}' ({exc.strerror or exc})") from exc
    ctx.output.result(f"wrote {ctx.program_path} (run it: neurocompile run {ctx.program_path} "
                      f"--duration {ctx.duration:g})")


def chip_stage(ctx: BuildContext) -> None:
    start = time.perf_counter()
    ctx.chip = ctx.program.run(ctx.duration, threads=ctx.threads)
    wall = time.perf_counter() - start
    ctx.output.detail(render.rate_table(rate_summaries(ctx.chip), f"Chip ({ctx.chip.backend}), "
                                        f"{ctx.chip.duration:g} ms"))
    totals = ctx.chip.stats.totals()
    ctx.output.detail(render.stats_table(totals))
    saturated = ctx.chip.stats.saturations_per_population
    for line in render.saturation_lines(saturated):  # the report lists them from the run itself
        ctx.output.warning(line.removeprefix("warning: "))
    if not saturated:
        ctx.output.info("chip run: no register saturated")
    ctx.output.info(f"chip run: {ctx.chip.duration:g} ms emulated in {wall:.2f} s wall time")
    if not ctx.output.verbose:
        ctx.output.info(summaries.activity_line(totals))


def compare_stage(ctx: BuildContext) -> None:
    with progress.stage("comparing float and chip"):
        ctx.comparison = compare(ctx.reference, ctx.chip, network=ctx.network)
    if ctx.output.verbose:
        ctx.output.detail(*ctx.comparison.tables())
    else:
        ctx.output.info(summaries.comparison_table(ctx.comparison))
    silent = ctx.comparison.silent_by_population()
    _warn(ctx, [_named(name, line) for name, line in silent.items()])
    tolerance = DEFAULT_TOLERANCE if ctx.tolerance is None else ctx.tolerance
    failing = ctx.comparison.failures_by_population(tolerance)
    failures = list(failing.values())
    if ctx.tolerance is not None or ctx.strict:
        if failures:
            given = f"--tolerance {ctx.tolerance:g}" if ctx.tolerance is not None else \
                f"--strict, default tolerance {tolerance:.0%}"
            raise BuildError(f"validation failed ({given}): " + "; ".join(failures))
        ctx.output.result(f"validation passed: every rate within {tolerance:.1%} of float")
    elif failures:
        _warn(ctx, [_named(name, line) for name, line in failing.items() if name not in silent])
        _warn(ctx, [f"chip rates differ from float by more than {tolerance:.0%} (the default "
                    "tolerance); the build still exits 0: pass --tolerance FRACTION or --strict to "
                    "make this an error"])
    elif len(silent) < len(ctx.comparison.populations):
        which = "every population that fired" if silent else "every population"
        ctx.output.result(f"rates: {which} within {tolerance:.0%} of float (the default tolerance; "
                          "--tolerance FRACTION or --strict makes a larger error fail the build)")


def _named(name: str, line: str) -> str:
    """A comparison line ("exc: ...") as "population 'exc': ..."."""
    return f"population '{name}'{line[len(name):]}"


def _warn(ctx: BuildContext, lines) -> None:
    for line in lines:
        ctx.warnings.append(line)
        ctx.output.warning(line)


def lava_stage(ctx: BuildContext) -> None:
    """What the Lava graph contains; with ``--run MS``, run it and check it against the emulator."""
    from ..lava import build_lava
    from ..lava.plan import plan_program
    from ..lava.verify import mismatches

    ctx.lava_plan = plan = plan_program(ctx.program)
    ctx.output.info(render.lava_plan_table(plan))
    custom = [n for n in plan.neurons.values() if not n.runs_on_loihi]
    if custom:
        ctx.output.note(
            "note: " + ", ".join(f"'{n.name}'" for n in custom) + " run as neurocompile's own Lava "
            "processes (Python models of the chip's integer arithmetic): exact in Lava's CPU "
            "simulation, but they do not run on Loihi silicon")
    if ctx.lava_run_ms is None:
        ctx.output.info("add --run MS to run the graph in Lava (fixed_pt) and check it against the emulator")
        return
    start = time.perf_counter()
    with progress.stage(f"Lava run, {ctx.lava_run_ms:g} ms"):
        lava_result = build_lava(ctx.program, ctx.lava_run_ms).run(ctx.lava_run_ms)
    wall = time.perf_counter() - start
    emu_result = ctx.program.run(ctx.lava_run_ms, threads=ctx.threads)
    problems = mismatches(lava_result, emu_result)
    if problems:
        raise BuildError("Lava and the emulator disagree: " + "; ".join(problems))
    spikes = int(sum(c.sum() for c in emu_result.counts.values()))
    ctx.output.result(f"Lava fixed_pt run of {ctx.lava_run_ms:g} ms ({wall:.1f} s): identical to the "
                      f"emulator ({spikes} spikes, every probed trace)")


def report_stage(ctx: BuildContext) -> None:
    from .report import write_report

    path = write_report(ctx, ctx.report_path)
    ctx.output.result(f"wrote {path}")


STAGES: list[Stage] = [
    Stage("load", load_stage, "run the network file"),
    Stage("validate", validate_stage, "load the target and check it runs every model"),
    Stage("reference", reference_stage, "simulate in float64 for --validate ms"),
    Stage("compile", compile_stage, "quantize, place on cores, route"),
    Stage("emit", emit_stage, "write the compiled program"),
    Stage("lava", lava_stage, "the Lava process graph (lava targets)",
          applies=lambda ctx: ctx.target.backend == "lava"),
    Stage("chip", chip_stage, "run the compiled program on the target's back end"),
    Stage("compare", compare_stage, "float vs chip"),
    Stage("report", report_stage, "one HTML page of the tables, warnings and figures",
          applies=lambda ctx: ctx.report_path is not None),
]


def run_build(ctx: BuildContext, stages=None) -> BuildContext:
    """Run ``stages`` (default :data:`STAGES`) in order; an error stops the build."""
    number = 0
    for stage in stages or STAGES:
        if not stage.applies(ctx):
            continue
        number += 1
        ctx.output.rule(f"[bold]{number}. {stage.name}[/bold]: {stage.summary}")
        start = time.perf_counter()
        with progress.stage(f"{number}. {stage.name}"):
            stage.run(ctx)
        ctx.stage_seconds[stage.name] = time.perf_counter() - start
        if ctx.output.verbose:
            ctx.output.detail(f"{stage.name}: {ctx.stage_seconds[stage.name]:.2f} s")
    return ctx


# -- command line -----------------------------------------------------------------------------

NAME = "build"
HELP = "build a network file for a target"
DESCRIPTION = ("Load a network from a Python file (a module-level `net` or a `build()` function), check it "
               "against a target, compile it (quantize, place, route), write <out>/<name>.ncp, and compare a "
               "chip run with the float reference.")


def add_arguments(parser) -> None:
    parser.add_argument("network_file", metavar="NET.py", type=Path,
                        help="Python file defining `net` (a neurocompile.Network) or `build()`, "
                             "or a NIR graph (.nir)")
    parser.add_argument("--target", default="emu", metavar="TARGET",
                        help="built-in target name (see `neurocompile targets`) or path to a "
                             "target .toml file (default: emu)")
    parser.add_argument("--validate", "--duration", dest="duration", type=positive_ms,
                        default=DEFAULT_DURATION_MS, metavar="MS",
                        help="length of the float and chip runs that are compared, ms "
                             f"(default: {DEFAULT_DURATION_MS:g})")
    parser.add_argument("--tolerance", type=fraction, default=None, metavar="FRACTION",
                        help="fail (exit 1) when a population's chip rate differs from float by "
                             "more than this fraction, e.g. 0.05 (without it a difference above "
                             f"{DEFAULT_TOLERANCE:.0%} is a warning)")
    parser.add_argument("--placer", default=DEFAULT_PLACER, choices=sorted(PLACERS),
                        help=f"placement algorithm (default: {DEFAULT_PLACER})")
    parser.add_argument("--place-budget", dest="place_budget_s", type=budget_seconds,
                        default=DEFAULT_PLACE_BUDGET_S, metavar="SECONDS",
                        help="time the placer may take: its work is limited by the network's size "
                             "to about half of it (deterministic), and at this wall-clock time it "
                             "returns the best legal placement so far and says so; 'inf' for no "
                             f"limit (default: {DEFAULT_PLACE_BUDGET_S:g})")
    parser.add_argument("--strict", action="store_true",
                        help="make any value clipped during quantization an error, and a chip "
                             f"rate more than {DEFAULT_TOLERANCE:.0%} (or --tolerance) off float "
                             "a failure (exit 1)")
    add_threads_argument(parser)
    parser.add_argument("--run", dest="lava_run_ms", type=positive_ms, default=None, metavar="MS",
                        help="lava targets: run the Lava graph for MS ms (fixed_pt, needs lava-nc) "
                             "and fail if its spikes differ from the emulator's")
    parser.add_argument("--seed", type=seed, default=None, metavar="N",
                        help="pass seed=N to the file's build(seed=...) function")
    parser.add_argument("--dt", type=positive_ms, default=None, metavar="MS",
                        help=".nir files: time step in ms at which the NIR graph is discretised "
                             "(default: the step the file implies, e.g. snnTorch's 0.1; needed "
                             "for files that imply none)")
    parser.add_argument("--semantics", choices=SEMANTICS, default=None,
                        help=".nir files: read the ODEs as that framework computes them "
                             "(snntorch, norse, sinabs: spike for spike with a trained network) "
                             "or exactly (exact); default auto: the file's exporter when it can "
                             "be told, else exact")
    parser.add_argument("--reset", choices=("zero", "subtract", "none"), default=None,
                        help=".nir files: reset to v_reset (zero), by subtracting the threshold, "
                             "or not at all (none; framework semantics only). NIR does not record "
                             "it; default: the semantics' own")
    parser.add_argument("--reset-delay", dest="reset_delay", action=argparse.BooleanOptionalAction,
                        default=None,
                        help=".nir files, framework semantics: reset one step after the spike "
                             "(snnTorch's reset_delay=True) or at once (--no-reset-delay)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), metavar="DIR",
                        help=f"output folder (default: {DEFAULT_OUT})")
    add_verbosity_arguments(parser)
    parser.add_argument("--report", type=Path, default=None, metavar="FILE.html",
                        help="also write one self-contained HTML page with every table, the warnings, "
                             "the float-vs-chip verdict and the figures (matplotlib), also when the "
                             "build fails")


def run(args, console: Console) -> int:
    warmup.start(args.threads)  # compiles the emulator's kernel on the other core meanwhile
    ctx = BuildContext(network_file=args.network_file, target_name=args.target,
                       duration=args.duration, seed=args.seed, out=args.out, console=console,
                       placer=args.placer, strict=args.strict, threads=args.threads, tolerance=args.tolerance,
                       lava_run_ms=args.lava_run_ms, place_budget_s=args.place_budget_s,
                       verbosity=args.verbosity, report_path=args.report,
                       nir_options={k: getattr(args, k) for k in NIR_OPTIONS if getattr(args, k) is not None})
    if ctx.report_path is not None:
        from .report import check_report_path
        check_report_path(ctx.report_path)  # before the build, not after it
    try:
        with ctx.output.progress():
            run_build(ctx)  # a helper still compiling goes on in the background and fills the cache
    except NeurocompileError as exc:
        if ctx.report_path is not None:
            _report_failure(ctx, exc)
        raise
    total = sum(ctx.stage_seconds.values())
    ctx.output.result(f"build of '{ctx.network.name}' for target '{ctx.target.name}' done in {total:.2f} s")
    return 0


def _report_failure(ctx: BuildContext, error: NeurocompileError) -> None:
    """Write the report of a build that stopped on ``error``, with what it reached; a report
    that cannot be written is a warning (the build's own error is the one to show)."""
    from .report import ReportError, write_report

    if isinstance(error, ReportError):
        return
    try:
        path = write_report(ctx, ctx.report_path, error)
    except ReportError as exc:
        _warn(ctx, [str(exc)])
        return
    ctx.output.result(f"wrote {path} (the build stopped with an error)")
