"""``neurocompile inspect PROGRAM.ncp``: what a compiled program contains."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..program import ProgramFileError, load_program
from ..program.report import add_text_row, tables

NAME = "inspect"
HELP = "show the contents of a compiled program (.ncp)"
DESCRIPTION = ("Print the target, the compile options, the resources, the quantization "
               "report and the placement of a program written by `neurocompile build`.")


def add_arguments(parser) -> None:
    parser.add_argument("program", metavar="PROGRAM.ncp", type=Path)


def run(args, console: Console) -> int:
    program = load_program(args.program)
    info = Table(title=Text(f"Program '{program.name}' ({args.program})"))
    info.add_column("item")
    info.add_column("value")
    add_text_row(info, "target", program.target.summary())
    add_text_row(info, "dt", f"{program.dt:g} ms")
    for key, value in program.info.items():
        add_text_row(info, str(key), str(value))
    add_text_row(info, "spike sources (host)", ", ".join(program.sources) or "-")
    add_text_row(info, "probes", ", ".join(f"{p}.{v} ({len(i)})" for p, i, v in program.probes) or "-")
    add_text_row(info, "step-current bias updates", str(len(program.quantized.bias_updates)))
    console.print(info)
    _print_report(console, program, args.program)
    issues = program.quantized.issues
    console.print("quantization issues: " + ("none" if not issues else ""), markup=False)
    for issue in issues:
        console.print(f"  - {issue}", markup=False, soft_wrap=True)
    return 0


def _print_report(console: Console, program, path) -> None:
    """Print the report's tables. The quantization report a file carries is numbers and text
    for people (the loader checks what runs, not what is only shown): an entry of the wrong
    kind is a damaged file, named in one line with the entry."""
    try:
        for table in tables(program):
            console.print(table)
    except ProgramFileError as exc:
        raise ProgramFileError(f"'{path}': {exc}") from None
