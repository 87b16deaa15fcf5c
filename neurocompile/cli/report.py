"""``neurocompile build --report FILE.html``: what the build found, as one self-contained page.

The page has the tables the build prints, stage by stage (the same functions make them), the
memory estimate, every warning, the float-vs-chip verdict and the figures of ``neurocompile
plot`` (when matplotlib is installed); :mod:`neurocompile.io.html_report` writes it. A build
that stops with an error still writes the page, with the error and the stages it reached.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import BuildError, printable
from ..io.html_report import Image, Note, Section, page_html, write_page
from ..io.summaries import population_summaries, projection_summaries, rate_summaries
from ..io.tables import population_table, projection_table, rate_table
from ..memory import format_bytes
from ..validate.compare import DEFAULT_TOLERANCE
from . import render


def verdict(ctx) -> tuple[str, str]:
    """(status, text) of the float-vs-chip comparison: status "passed", "warnings" (the build
    exits 0 but something needs a look) or "failed" (the build stopped)."""
    if ctx.comparison is None:
        return "failed", "the build stopped before comparing chip with float"
    tolerance = DEFAULT_TOLERANCE if ctx.tolerance is None else ctx.tolerance
    failing = ctx.comparison.failures_by_population(tolerance)
    silent = ctx.comparison.silent_by_population()
    enforced = ctx.tolerance is not None or ctx.strict
    n = len(ctx.comparison.populations)
    if failing:
        names = ", ".join(f"'{name}'" for name in failing)
        text = f"the chip rate of {names} differs from float by more than {tolerance * 100:g}%"
        return ("failed", text) if enforced else ("warnings", text + " (a warning without --tolerance or --strict)")
    if len(silent) == n:
        return "warnings", "no population fired in float nor on chip: nothing to compare"
    which = "every population that fired" if silent else "every population"
    status = "warnings" if silent or ctx.warnings else "passed"
    return status, f"{which} within {tolerance * 100:g}% of float in mean rate"


def _load_section(ctx) -> Section:
    net = ctx.network
    blocks = [Note(f"loaded {net!r} from {ctx.network_file}")]
    if net.provenance:
        blocks.append(Note("provenance: " + ", ".join(f"{k} = {v}" for k, v in net.provenance.items())))
    blocks.append(population_table(net, population_summaries(net)))
    if net.projections:
        blocks.append(projection_table(projection_summaries(net)))
    return Section("Network", "network", blocks)


def _validate_section(ctx) -> Section:
    blocks = [Note(f"target {ctx.target.summary()}")]
    groups: dict = {}
    for name, how in ctx.model_support.items():
        model = type(ctx.network.populations[name].model).__name__
        groups.setdefault((model, how), []).append(name)
    blocks += [Note(f"{model}: {how.replace('_', ' ')} ({', '.join(names)})") for (model, how), names in groups.items()]
    if ctx.memory:
        blocks.append(render.memory_table(ctx.memory, ctx.memory_available))
    return Section("Target and memory", "target", blocks)


def _compile_section(ctx) -> Section:
    from ..program.report import issues_lines, tables

    rates = None
    if ctx.reference is not None:
        rates = {p: ctx.reference.rates(p) for p in ctx.network.populations}
    blocks = list(tables(ctx.program, rates, rates_from="float reference" if rates else None))
    issues = issues_lines(ctx.program)
    blocks.append(Note(f"quantization issues: {len(issues) or 'none'}"))
    blocks += [Note(line, "warning") for line in issues]
    if ctx.program_path is not None:
        blocks.append(Note(f"wrote {ctx.program_path} (run it: neurocompile run {ctx.program_path} "
                           f"--duration {ctx.duration:g})"))
    return Section("Compile: quantization, placement, routes", "compile", blocks)


def _chip_section(ctx) -> Section:
    chip = ctx.chip
    blocks = [rate_table(rate_summaries(chip), f"Chip ({chip.backend}), {chip.duration:g} ms"),
              render.stats_table(chip.stats.totals())]
    lines = render.saturation_lines(chip.stats.saturations_per_population)
    blocks += [Note(line.removeprefix("warning: "), "warning") for line in lines]
    if not lines:
        blocks.append(Note("no register saturated"))
    return Section("Chip run", "chip", blocks)


def _figures_section(ctx) -> Section:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return Section("Figures", "figures", [Note("figures need matplotlib: pip install 'neurocompile[plot]'",
                                                   "skipped")])
    from ..plots.overview import overview_figures, png_bytes

    blocks = []
    for drawn in overview_figures(ctx.reference, ctx.chip, ctx.network, ctx.program):
        if drawn.figure is None:
            blocks.append(Note(f"{drawn.caption}: not drawn, {drawn.reason}", "skipped"))
        else:
            blocks.append(Image(drawn.caption, png_bytes(drawn.figure), alt=f"{drawn.kind} figure"))
    return Section("Figures", "figures", blocks)


def report_sections(ctx) -> list[Section]:
    """The page's sections for what the build reached (a stage that did not run has none)."""
    sections = []
    if ctx.network is not None:
        sections.append(_load_section(ctx))
    if ctx.target is not None:
        sections.append(_validate_section(ctx))
    if ctx.reference is not None:
        sections.append(Section("Float reference", "reference", [
            rate_table(rate_summaries(ctx.reference), f"Float reference, {ctx.reference.duration:g} ms")]))
    if ctx.program is not None:
        sections.append(_compile_section(ctx))
    if ctx.lava_plan is not None:
        sections.append(Section("Lava process graph", "lava", [render.lava_plan_table(ctx.lava_plan)]))
    if ctx.chip is not None:
        sections.append(_chip_section(ctx))
    if ctx.comparison is not None:
        sections.append(Section("Float vs chip", "compare", list(ctx.comparison.tables())))
        sections.append(_figures_section(ctx))
    warnings = list(ctx.warnings)
    if ctx.chip is not None:
        warnings += [line.removeprefix("warning: ")
                     for line in render.saturation_lines(ctx.chip.stats.saturations_per_population)]
    sections.append(Section("Warnings", "warnings", [Note(line, "warning") for line in warnings]
                            or [Note("none")]))
    return sections


def report_html(ctx, error: BaseException | None = None) -> str:
    """The page of a build (``ctx``: the :class:`~neurocompile.cli.build.BuildContext` after
    :func:`~neurocompile.cli.build.run_build`), with ``error`` when the build stopped on it."""
    from .. import __version__

    name = ctx.network.name if ctx.network is not None else Path(ctx.network_file).stem
    facts = [("network file", str(ctx.network_file)), ("target", ctx.target_name),
             ("float and chip runs", f"{ctx.duration:g} ms each"), ("neurocompile", __version__)]
    if ctx.stage_seconds:
        facts.append(("stages", ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in ctx.stage_seconds.items())))
    if ctx.memory:
        facts.append(("estimated peak memory", f"{format_bytes(max(e.peak for e in ctx.memory))} of "
                                               f"{format_bytes(ctx.memory_available)} available"))
    status, text = verdict(ctx)
    if error is not None and status != "failed":
        status, text = "failed", "the build stopped with an error"
    errors = [printable(error)] if error is not None else []
    return page_html(f"neurocompile build: {name}", facts, report_sections(ctx), status, text, errors)


class ReportError(BuildError):
    """The report file cannot be written."""


def check_report_path(path) -> None:
    """Raise :class:`ReportError` before the build when ``path`` cannot be written: it is a
    folder, or its folder cannot be made or written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"build: --report '{path}' cannot be written ({exc.strerror or exc})") from exc
    if path.is_dir():
        raise ReportError(f"build: --report '{path}' is a folder; give a file name, e.g. '{path / 'report.html'}'")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ReportError(f"build: --report '{path}' cannot be written (permission denied)")


def write_report(ctx, path, error: BaseException | None = None) -> Path:
    """Write :func:`report_html` to ``path``; a ReportError naming the file if it cannot be written."""
    try:
        return write_page(path, report_html(ctx, error))
    except OSError as exc:
        raise ReportError(f"build: report '{path}' cannot be written ({exc.strerror or exc})") from exc

