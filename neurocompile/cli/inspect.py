"""``neurocompile inspect PROGRAM.ncp``: what a compiled program contains."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.errors import ConsoleError
from rich.table import Table

from ..program import ProgramFileError, load_program
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
        info.add_row(str(key), str(value))
    info.add_row("spike sources (host)", ", ".join(program.sources) or "-")
    info.add_row("probes", ", ".join(f"{p}.{v} ({len(i)})" for p, i, v in program.probes) or "-")
    info.add_row("step-current bias updates", str(len(program.quantized.bias_updates)))
    console.print(info)
    _print_report(console, program, args.program)
    issues = program.quantized.issues
    console.print("quantization issues: " + ("none" if not issues else ""), markup=False)
    for issue in issues:
        console.print(f"  - {issue}", markup=False, soft_wrap=True)
    return 0


def _print_report(console: Console, program, path) -> None:
    """Print the report's tables. The quantization report a file carries is free-form text
    and numbers for people (the loader checks what runs, not what is only shown): a report
    that cannot be shown is a damaged file, named in one line."""
    try:
        for table in tables(program):
            console.print(table)  # rich renders here: a malformed cell fails here
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ConsoleError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise ProgramFileError(f"'{path}': its quantization report cannot be shown "
                               f"({type(exc).__name__}: {detail})") from None
