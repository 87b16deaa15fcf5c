"""Entry point of the ``neurocompile`` command: argument parsing, dispatch and error reporting.

Every command module names itself (``NAME``, ``HELP``, ``DESCRIPTION``), may add its arguments
(``add_arguments(parser)``) and has a ``run(args, console)`` that returns an exit code.

Whatever escapes a command becomes one line on stderr, its traceback shown only with
``--debug``: an error neurocompile raises on purpose (:class:`NeurocompileError`, including
problems in the user's network file) as ``error: ...`` with exit code 1; running out of memory
as one line saying what to reduce (exit 1); any other exception, a bug, as one line naming the
command, the file, the exception and how to report it (exit 1). Ctrl-C prints ``interrupted``
and exits with 130. Usage errors exit with 2 (argparse's convention): bad arguments, and a
network or program file that is missing or cannot be read (:class:`UnreadableFileError`, also
one line).
"""
from __future__ import annotations

import argparse
import sys

from rich.console import Console

from .. import __version__
from ..errors import NeurocompileError, UnreadableFileError, printable
from . import build, inspect, plot, run, targets

COMMANDS = (build, run, inspect, targets, plot)

EXIT_OK = 0
EXIT_BUILD_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurocompile",
        description="Compile spiking neural networks (LIF, AdEx, ExpIF, Izhikevich) to neuromorphic targets.",
    )
    parser.add_argument("--version", action="version", version=f"neurocompile {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = subparsers.add_parser(command.NAME, parents=[common], help=command.HELP,
                                    description=command.DESCRIPTION)
        if hasattr(command, "add_arguments"):
            command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    # Piped output (logs, CI) gets a fixed, wide layout instead of rich's 80-column default.
    width = None if sys.stdout.isatty() else 160
    console = Console(highlight=False, width=width)
    errors = Console(stderr=True, highlight=False)
    try:
        return args.run(args, console)
    except UnreadableFileError as exc:  # a file named on the command line: nothing of it ran
        if args.debug:
            raise
        errors.print(f"error: {exc}", markup=False, soft_wrap=True)
        return EXIT_USAGE
    except NeurocompileError as exc:
        if args.debug:
            raise
        hint = " (run with --debug for the traceback)" if exc.__cause__ is not None else ""
        errors.print(f"error: {exc}{hint}", markup=False, soft_wrap=True)
        return EXIT_BUILD_ERROR
    except KeyboardInterrupt:
        errors.print("interrupted", markup=False)
        return EXIT_INTERRUPTED
    except MemoryError as exc:  # numpy's "Unable to allocate 47.7 GiB ..." included
        if args.debug:
            raise
        errors.print(f"error: {_command(args)} ran out of memory ({_first_line(exc) or 'MemoryError'}); "
                     f"{REDUCE.get(args.command, 'use smaller inputs')}", markup=False, soft_wrap=True)
        return EXIT_BUILD_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback with --debug
        if args.debug:
            raise
        detail = f"{type(exc).__name__}: {_first_line(exc)}" if _first_line(exc) else type(exc).__name__
        errors.print(f"neurocompile: internal error in {_command(args)} ({detail}); run with --debug for "
                     "the traceback and please report it", markup=False, soft_wrap=True)
        return EXIT_BUILD_ERROR


#: What to make smaller when a command runs out of memory.
REDUCE = {
    "build": "reduce the network (neurons, synapses), the --duration of the runs or the probed "
             "neurons and variables",
    "run": "reduce --duration or the probed neurons and variables (rebuild the program)",
    "inspect": "the program is too large to show on this machine",
    "plot": "reduce --duration or the populations plotted",
}


def _command(args) -> str:
    """The command and the file it works on, e.g. ``build of 'net.py'``."""
    for name in ("network_file", "program"):
        path = getattr(args, name, None)
        if path is not None:
            return f"{args.command} of '{printable(path)}'"
    return args.command


def _first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message, printable and at most 300 characters."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = printable(lines[0]) if lines else ""
    return text if len(text) <= 300 else text[:297] + "..."


if __name__ == "__main__":
    sys.exit(main())
