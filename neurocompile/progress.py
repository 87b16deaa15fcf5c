"""Progress of long-running work: the library reports it, whoever listens shows it.

Library code that can run for more than a second (the float reference's step loop,
quantization, the placer's phases, routing, the emulator's steps) reports what it has done::

    from .. import progress

    with progress.stage("placement: refine", total=12, unit="sweeps") as task:
        for sweep in range(12):
            ...
            task.advance()               # one more sweep done

Nothing is shown by default: the reporter in place ignores every call, so the Python API
stays silent and its results never depend on it. The command line installs its own reporter
(:mod:`neurocompile.cli.progress_display`, a rich live display) with :func:`reporting` for the
duration of a command, and only when its output is a terminal.

Counts: ``total`` and :meth:`Task.advance` count what ``unit`` names (``"steps"``,
``"sweeps"``, ``"cores"``, ...); ``total=None`` is work of unknown length (a spinner).
:meth:`Task.advance` is cheap enough for a Python loop's every iteration (a few hundred
nanoseconds): it passes counts on to the reporter at most every :data:`MIN_INTERVAL_S`
seconds. Tasks may be advanced from several threads (the emulator runs the chunks of a
batch in parallel). Code that must choose how finely to split work (the emulator's compiled
kernel runs blocks of steps) asks :func:`listening` first and keeps its fastest path when
nobody listens.
"""
from __future__ import annotations

import contextlib
import threading
import time

#: Counts reach the reporter at most this often, seconds (and always when a task ends).
MIN_INTERVAL_S = 0.1


class Reporter:
    """What a progress display implements. This base class ignores everything (the default).

    ``start`` returns a handle the other two methods get back; ``completed`` and ``total``
    are counts of the task's unit (``total`` None: unknown).
    """

    def start(self, description: str, total: float | None, unit: str):
        return None

    def update(self, handle, completed: float, total: float | None, description: str) -> None:
        pass

    def finish(self, handle, completed: float, total: float | None, description: str) -> None:
        pass


class Task:
    """One piece of work being reported; a context manager that ends it on exit."""

    def __init__(self, reporter: Reporter, description: str, total: float | None, unit: str):
        self.reporter, self.description, self.total, self.unit = reporter, description, total, unit
        self.completed = 0.0
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self._handle = reporter.start(description, total, unit)
        self._open = True

    def advance(self, amount: float = 1) -> None:
        """Add ``amount`` units done."""
        with self._lock:
            self.completed += amount
            now = time.monotonic()
            if now - self._last >= MIN_INTERVAL_S:
                self._last = now
                self.reporter.update(self._handle, self.completed, self.total, self.description)

    def update(self, *, completed: float | None = None, total: float | None = None,
               description: str | None = None) -> None:
        """Set the count done, the total or the description (passed on at once)."""
        with self._lock:
            if completed is not None:
                self.completed = completed
            if total is not None:
                self.total = total
            if description is not None:
                self.description = description
            self._last = time.monotonic()
            self.reporter.update(self._handle, self.completed, self.total, self.description)

    def close(self) -> None:
        """End the task (idempotent)."""
        with self._lock:
            if self._open:
                self._open = False
                self.reporter.finish(self._handle, self.completed, self.total, self.description)

    def __enter__(self) -> "Task":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _SilentTask:
    """The task handed out while nobody listens: every call does nothing."""

    completed = 0.0
    total = None

    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, *, completed=None, total=None, description=None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "_SilentTask":
        return self

    def __exit__(self, *exc) -> None:
        pass


_SILENT = _SilentTask()
_reporter: Reporter | None = None


def stage(description: str, total: float | None = None, unit: str = "") -> Task:
    """A task reported to the installed reporter (a no-op one when none is installed).

    ``description``: what is being done, short (e.g. ``"placement: refine"``); ``total``:
    how many ``unit`` the work has, None if unknown.
    """
    if _reporter is None:
        return _SILENT
    return Task(_reporter, description, total, unit)


def listening() -> bool:
    """True while a reporter is installed (work may then be split finer to report it)."""
    return _reporter is not None


@contextlib.contextmanager
def reporting(reporter: Reporter | None):
    """Install ``reporter`` for the ``with`` block (None: report to nobody), then restore the
    previous one. Process-wide: tasks started in other threads report to it too."""
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = previous
