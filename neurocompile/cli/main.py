"""Entry point of the ``neurocompile`` command: argument parsing, dispatch and error reporting.

Every command module names itself (``NAME``, ``HELP``, ``DESCRIPTION``), may add its arguments
(``add_arguments(parser)``) and has a ``run(args, console)`` that returns an exit code. Errors
neurocompile raises on purpose (:class:`NeurocompileError`, including problems in the user's
network file) become one line on stderr and exit code 1; the traceback is shown only with
``--debug``. Usage errors exit with 2 (argparse's convention): bad arguments, and a network or
program file that is missing or cannot be read (:class:`UnreadableFileError`, also one line).
"""
from __future__ import annotations

import argparse
import sys

from rich.console import Console

from .. import __version__
from ..errors import NeurocompileError, UnreadableFileError
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


if __name__ == "__main__":
    sys.exit(main())
