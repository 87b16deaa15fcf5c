"""Running the refinement's compiled loops under a work limit and a wall clock.

The loops (:func:`.core_swaps.swap_cores`, :func:`.unit_moves.move_units`) take a *control*
array, int64 (4,): ``control[SPENT]`` work units they have spent (about one tree-tile or
core visit each, counted the same on every machine), ``control[LIMIT]`` the units at which
they stop, ``control[STOP]`` nonzero to make them stop before the next unit or core (set
from outside when the wall clock runs out), ``control[VISITED]`` units or cores visited
(shown as progress). They check it between units, so stopping leaves a consistent state.

:func:`run_watched` runs such a loop in a worker thread (the loops release the GIL) while
the calling thread reports its progress and watches the placement budget's clock.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

import numpy as np

SPENT, LIMIT, STOP, VISITED = 0, 1, 2, 3
#: The largest limit the control array holds (stands for "no limit").
NO_LIMIT = np.iinfo(np.int64).max // 2
#: Seconds between looks at a running loop.
POLL_S = 0.1


def control_array(limit: float) -> np.ndarray:
    """A fresh control array with work limit ``limit`` units (inf: none)."""
    control = np.zeros(4, dtype=np.int64)
    control[LIMIT] = NO_LIMIT if math.isinf(limit) else int(min(max(limit, 0.0), NO_LIMIT))
    return control


def exhausted(control: np.ndarray) -> bool:
    """Whether a loop run with ``control`` was stopped (flag or work limit)."""
    return bool(control[STOP] != 0 or control[SPENT] >= control[LIMIT])


def run_watched(kernel, args: tuple, control: np.ndarray, budget=None, task=None):
    """``kernel(*args, control)``; while it runs, ``task`` (a progress task, or None) gets
    ``control[VISITED]`` as its count and, once ``budget``'s wall clock has run out
    (:meth:`.budget.PlacementBudget.out_of_time`), ``control[STOP]`` is set. Without a
    budget or a task the kernel runs in this thread."""
    if budget is not None and budget.out_of_time():
        control[STOP] = 1  # the loop returns at once, its state untouched
    if budget is None and task is None:
        return kernel(*args, control)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(kernel, *args, control)
        try:
            while True:
                try:
                    return future.result(timeout=POLL_S)
                except FutureTimeout:
                    if task is not None:
                        task.update(completed=int(control[VISITED]))
                    if budget is not None and budget.out_of_time():
                        control[STOP] = 1
        except BaseException:  # Ctrl-C in this thread: stop the loop before leaving
            control[STOP] = 1
            raise
