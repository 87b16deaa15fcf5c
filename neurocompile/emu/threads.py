"""How many threads an emulator run uses: the ``threads`` argument, its default and its checks.

A run uses threads in two ways (:func:`neurocompile.emu.run.emulate`): the chunks of samples
of a large batch run in parallel Python threads, and a run of one chunk (a single sample,
or a batch of at most :data:`~neurocompile.emu.run.BATCH_CHUNK` samples) can share each
step's LIF pass and spike delivery among numba's threads (:mod:`.threaded`). Results are
identical whatever the thread count.

``threads=None`` takes ``$NEUROCOMPILE_THREADS`` if set, else the machine's cores for the
chunks of a batch; a single chunk is then stepped by one thread. Sharing a step pays little
on this 2-core machine: with both cores idle, bench/threads.py printed 1.04x and 0.98x for
the 1M-neuron ring (dt 0.1 and 1 ms) on 2 threads with numba's workqueue layer, 1.18x and
1.16x with OpenMP and passive waiting, and 0.05x for CUBA's 4,000 neurons (two launches of
the pool cost more than a 7 us step), while the threaded kernel's first use compiles for
26-32 s more. A thread count given (``threads=N``, ``--threads N``,
``$NEUROCOMPILE_THREADS``) steps a single chunk on that many threads, on any network (at most
numba's thread pool size, ``NUMBA_NUM_THREADS``, the machine's cores by default).
"""
from __future__ import annotations

import contextlib
import numbers
import os
import threading

from ..errors import NetworkError, invalid

#: Environment variable giving the default thread count of emulator runs.
THREADS_VARIABLE = "NEUROCOMPILE_THREADS"
def check_threads(threads, owner: str, param: str = "threads") -> int | None:
    """``threads`` as an int >= 1, or None; raises :class:`~neurocompile.errors.NetworkError`
    naming ``owner`` and ``param`` for anything else (0, a negative number, a bool, a float,
    a string)."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise invalid(owner, param, threads, "must be a whole number of threads (1 or more)")
    if threads < 1:
        raise invalid(owner, param, threads, "must be 1 or more")
    return int(threads)


def requested_threads(threads, owner: str = "emulator run") -> int | None:
    """The thread count asked for: ``threads`` checked, else ``$NEUROCOMPILE_THREADS`` checked,
    else None (the default). Errors name ``owner``."""
    threads = check_threads(threads, owner)
    if threads is not None:
        return threads
    text = os.environ.get(THREADS_VARIABLE, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise invalid(f"{owner} (environment)", THREADS_VARIABLE, text,
                      "must be a whole number of threads (1 or more)", cls=NetworkError) from None
    return check_threads(value, f"{owner} (environment)", THREADS_VARIABLE)


def step_threads(requested: int | None) -> int:
    """Threads that step a single chunk: the count asked for (at most numba's thread pool
    size), or 1 by default (module docstring)."""
    if requested is None or requested <= 1:
        return 1
    import numba

    return max(1, min(requested, numba.config.NUMBA_NUM_THREADS))


#: One threaded run at a time: with the workqueue layer, parallel launches from two Python
#: threads at once abort the process; a run on all cores gains nothing from a second one.
_LAUNCHES = threading.Lock()


def choose_threading_layer() -> None:
    """numba's ``workqueue`` threading layer, unless ``NUMBA_THREADING_LAYER`` names another or
    numba started its threads already (its layer is then fixed for the process).

    Why: numba would take OpenMP where libgomp is installed, whose threads spin while they wait;
    on a machine whose cores another job kept busy, that made a 2-thread run of the 1M-neuron
    ring at dt 0.1 ms 2.7x slower than one thread, where the workqueue's sleeping threads made
    it 1.2x slower (OpenMP with ``OMP_WAIT_POLICY=passive`` 1.3x; bench/threads.py). The
    workqueue needs no extra library, is safe to fork, and leaves the process's environment
    alone; its launches are slower (57-115 us against 8-27 us for passive OpenMP here,
    ``bench/threads.py --only launch``): ``NUMBA_THREADING_LAYER=omp
    OMP_WAIT_POLICY=passive`` chooses the latter."""
    import numba
    from numba.np.ufunc import parallel

    if "NUMBA_THREADING_LAYER" not in os.environ and not parallel._is_initialized:
        numba.config.THREADING_LAYER = "workqueue"


@contextlib.contextmanager
def numba_threads(count: int):
    """numba's thread count for launches from this thread set to ``count`` (thread-local),
    restored after; one such block at a time in the process (:data:`_LAUNCHES`)."""
    import numba

    with _LAUNCHES:
        choose_threading_layer()
        previous = numba.get_num_threads()
        numba.set_num_threads(count)
        try:
            yield
        finally:
            numba.set_num_threads(previous)
