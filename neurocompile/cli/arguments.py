"""Argument types of the command line: each converts one text and says what it wanted."""
from __future__ import annotations

import argparse
import math


def _number(text: str, convert, noun: str, accept, rule: str):
    """``convert(text)`` if it parses and ``accept`` holds, else a usage error naming the rule."""
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be {rule}")
    return value


def positive_ms(text: str) -> float:
    """A finite time > 0, in ms."""
    return _number(text, float, "a number of ms", lambda v: 0 < v < math.inf, "a finite time > 0 ms")


def seed(text: str) -> int:
    """A random seed: an integer >= 0."""
    return _number(text, int, "an integer", lambda v: v >= 0, ">= 0")


def threads(text: str) -> int:
    """A thread count: an integer >= 1."""
    return _number(text, int, "a whole number of threads", lambda v: v >= 1, ">= 1")


def fraction(text: str) -> float:
    """A finite fraction >= 0, e.g. a tolerance of 0.05."""
    return _number(text, float, "a number", lambda v: 0 <= v < math.inf, "a fraction >= 0, e.g. 0.05")


def budget_seconds(text: str) -> float:
    """A time budget in seconds: > 0, or ``inf`` for none."""
    return _number(text, float, "a number of seconds", lambda v: 0 < v <= math.inf,
                   "a time > 0 s (or inf for no limit)")


def add_threads_argument(parser) -> None:
    """``--threads N``: the threads of the emulator run (``Program.run(threads=...)``)."""
    parser.add_argument("--threads", type=threads, default=None, metavar="N",
                        help="threads of the emulator run (default: $NEUROCOMPILE_THREADS, else the machine's "
                             "cores for the samples of a batch and one thread for a single run); "
                             "results are identical whatever N")
