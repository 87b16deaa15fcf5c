"""The command line's progress display: a rich live area of bars and spinners.

Every :func:`neurocompile.progress.stage` started while it is installed shows as one line:
a spinner, what is being done, a bar (when the total is known), the count with its unit and
the time elapsed. A line disappears when its task ends; with ``verbose`` a finished task
leaves one line saying how much it did and how long it took. The display redraws itself
:data:`REFRESH_PER_SECOND` times a second, so the elapsed time moves even while the work
reports nothing, and it fits 80 columns.

Only for a terminal: :func:`showing` installs nothing when the console is not one (logs, CI,
tests, pipes), so their output stays as it is.
"""
from __future__ import annotations

import contextlib
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from .. import progress

REFRESH_PER_SECOND = 4
#: Width of the description column and of the bar, characters.
DESCRIPTION_WIDTH = 30
BAR_WIDTH = 16


def count_text(completed: float, total: float | None, unit: str) -> str:
    """``"1,200/2,000 steps"``, ``"1,200 steps"`` when the total is unknown, ``""`` for work
    without a unit or a total."""
    if total is None and not unit:
        return ""
    done = f"{completed:,.0f}"
    text = done if total is None else f"{done}/{total:,.0f}"
    return f"{text} {unit}".rstrip()


class _CountColumn(ProgressColumn):
    def render(self, task) -> Text:
        return Text(count_text(task.completed, task.total, task.fields.get("unit", "")), style="progress.download")


class _BarColumn(BarColumn):
    """A bar when the total is known; blank otherwise (the spinner says it is working)."""

    def render(self, task):
        if task.total is None:
            return Text(" " * (self.bar_width or 0))
        return super().render(task)


class RichReporter(progress.Reporter):
    """:class:`neurocompile.progress.Reporter` drawing on ``console`` with rich."""

    def __init__(self, console: Console, verbose: bool = False):
        self.console, self.verbose = console, verbose
        self.display = Progress(
            SpinnerColumn(), TextColumn(f"{{task.description:<{DESCRIPTION_WIDTH}.{DESCRIPTION_WIDTH}}}"),
            _BarColumn(bar_width=BAR_WIDTH), _CountColumn(), TimeElapsedColumn(),
            console=console, transient=True, refresh_per_second=REFRESH_PER_SECOND)
        self._started: dict = {}

    def start(self, description, total, unit):
        handle = self.display.add_task(description, total=total, unit=unit)
        self._started[handle] = (time.perf_counter(), unit)
        return handle

    def update(self, handle, completed, total, description) -> None:
        self.display.update(handle, completed=completed, total=total, description=description)

    def finish(self, handle, completed, total, description) -> None:
        start, unit = self._started.pop(handle, (time.perf_counter(), ""))
        self.display.remove_task(handle)
        if self.verbose:
            count = count_text(completed, None, unit) if completed or unit else ""
            self.console.print(f"  {description}: {count + ' in ' if count else ''}"
                               f"{time.perf_counter() - start:.2f} s", markup=False, highlight=False, style="dim")


@contextlib.contextmanager
def showing(console: Console, enabled: bool = True, verbose: bool = False):
    """Show the progress of library work on ``console`` for the ``with`` block, if
    ``enabled`` and the console is a terminal; otherwise report to nobody."""
    if not enabled or not console.is_terminal:
        yield None
        return
    reporter = RichReporter(console, verbose=verbose)
    with reporter.display, progress.reporting(reporter):
        yield reporter
