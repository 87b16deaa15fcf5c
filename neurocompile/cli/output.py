"""How much a command prints: ``-q/--quiet``, the default, ``-v/--verbose``.

* quiet (``-q``): warnings and the final result lines only (what was written, the verdict);
  errors go to stderr at every level;
* default: one or two lines per stage, short enough for one screen at 80 columns, with a live
  progress display while work runs (on a terminal only);
* verbose (``-v``): every table (network, rates, quantization, placement, chip activity, the
  full float-vs-chip comparison) and how long each reported step took.

Commands print through an :class:`Output`, which drops what the level does not show.
"""
from __future__ import annotations

import contextlib

from rich.console import Console

QUIET, NORMAL, VERBOSE = 0, 1, 2


def add_verbosity_arguments(parser) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (mutually exclusive), stored as ``args.verbosity``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET, default=NORMAL,
                       help="print only warnings and the final result lines (no progress display)")
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE,
                       help="print every table and how long each step took")


class Output:
    """``console`` filtered by ``verbosity`` (:data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`).

    Text is printed as plain text (never rich markup). On a terminal it is wrapped between
    words at the console's width; elsewhere (logs, pipes) every line stays one line, so that
    it can be searched for.
    """

    def __init__(self, console: Console, verbosity: int = NORMAL):
        self.console, self.verbosity = console, verbosity

    @property
    def verbose(self) -> bool:
        return self.verbosity >= VERBOSE

    def _print(self, item, style=None) -> None:
        if isinstance(item, str):
            self.console.print(item, markup=False, style=style, soft_wrap=not self.console.is_terminal)
        else:
            self.console.print(item)

    def result(self, *items) -> None:
        """A final result line: shown at every level."""
        for item in items:
            self._print(item)

    def warning(self, text: str) -> None:
        """``warning: text`` in yellow, at every level."""
        self._print(f"warning: {text}", style="yellow")

    def note(self, text: str) -> None:
        """A line in yellow that is not a warning (shown at the default level and above)."""
        if self.verbosity >= NORMAL:
            self._print(text, style="yellow")

    def info(self, *items) -> None:
        """Shown at the default level and above."""
        if self.verbosity >= NORMAL:
            for item in items:
                self._print(item)

    def detail(self, *items) -> None:
        """Shown with ``-v`` only."""
        if self.verbosity >= VERBOSE:
            for item in items:
                self._print(item)

    def rule(self, title: str) -> None:
        """A heading rule (rich markup in ``title``), at the default level and above."""
        if self.verbosity >= NORMAL:
            self.console.rule(title)

    def progress(self):
        """The live progress display for a ``with`` block: on a terminal, unless quiet."""
        from .progress_display import showing

        if self.verbosity < NORMAL:
            return contextlib.nullcontext()
        return showing(self.console, verbose=self.verbose)
