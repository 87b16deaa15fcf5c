"""``neurocompile inspect PROGRAM.ncp``: what a compiled program contains."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..program import load_program
from ..program.report import tables

NAME = "inspect"
HELP = "show the contents of a compiled program (.ncp)"
DESCRIPTION = ("Print the target, the compile options, the resources, the quantization "
               "report and the placement of a program written by `neurocompile build`.")


def add_arguments(parser) -> None:
    parser.add_argument("program", metavar="PROGRAM.ncp", type=Path)


def run(args, console: Console) -> int:
    program = load_program(args.program)
    info = Table(title=f"Program '{program.name}' ({args.program})")
    info.add_column("item")
    info.add_column("value")
    info.add_row("target", program.target.summary())
    info.add_row("dt", f"{program.dt:g} ms")
    for key, value in program.info.items():
        info.add_row(key, str(value))
    info.add_row("spike sources (host)", ", ".join(program.sources) or "-")
    info.add_row("probes", ", ".join(f"{p}.{v} ({len(i)})" for p, i, v in program.probes) or "-")
    info.add_row("step-current bias updates", str(len(program.quantized.bias_updates)))
    console.print(info)
    for table in tables(program):
        console.print(table)
    issues = program.quantized.issues
    console.print("quantization issues: " + ("none" if not issues else ""), markup=False)
    for issue in issues:
        console.print(f"  - {issue}", markup=False, soft_wrap=True)
    return 0
