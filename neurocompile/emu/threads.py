"""How many threads an emulator run uses: the ``threads`` argument, its default and its checks.

A run uses threads in two ways (:func:`neurocompile.emu.run.emulate`): the chunks of samples
of a large batch run in parallel Python threads, and a run of one chunk (a single sample,
or a batch of at most :data:`~neurocompile.emu.run.BATCH_CHUNK` samples) shares each step's
LIF pass and spike delivery among numba's threads (:mod:`.threaded`). Results are identical
whatever the thread count.

``threads=None`` takes ``$NEUROCOMPILE_THREADS`` if set, else the machine's cores; in that
default case a single chunk is stepped by one thread below :data:`THREADED_MIN_ELEMENTS`
neurons x samples, where starting the threads twice a step costs more than the shared work
saves, and by the cores other jobs leave idle (:func:`idle_cores`) above it: a thread that
shares its core with another job holds up the other at every step. An explicit thread count
is used as given, on any network (at most numba's thread pool size, ``NUMBA_NUM_THREADS``, the
machine's cores by default). Measured with bench/threads.py on a 2-core machine whose cores
another job kept busy (README, "One run on both cores"): CUBA's 4,000 neurons ran 19x slower
on 2 threads (0.069 s -> 1.28 s for 10,000 steps), the 1M-neuron ring between 1.2x slower
(dt 0.1 ms) and 1.2x faster (dt 1 ms).
"""
from __future__ import annotations

import contextlib
import numbers
import os
import threading

from ..errors import NetworkError, invalid

#: Environment variable giving the default thread count of emulator runs.
THREADS_VARIABLE = "NEUROCOMPILE_THREADS"
#: Below this many neurons x samples in one chunk, a default run (``threads=None``) steps on one
#: thread. Two launches of numba's workqueue pool per step cost 2 x 57-115 us here, and on
#: the 1M-neuron ring 2 threads ran 1.0-1.2x faster at dt 1 ms (8.7 ms steps) but 0.8-0.9x at
#: dt 0.1 ms (2.3 ms steps) (bench/threads.py): nothing smaller paid off on this machine.
THREADED_MIN_ELEMENTS = 1_000_000


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


def idle_cores() -> int:
    """The machine's cores minus those other jobs keep busy: the cores less the 1-minute load
    average beyond this process's own thread (rounded), at least 1."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this system
        return cores
    return max(1, min(cores, round(cores - max(0.0, load - 1.0))))


def step_threads(requested: int | None, elements: int) -> int:
    """Threads that step a single chunk of ``elements`` neurons x samples: the requested count,
    or by default the idle cores (:func:`idle_cores`) from :data:`THREADED_MIN_ELEMENTS` on
    (else 1); at most numba's thread pool size."""
    if requested is None:
        requested = idle_cores() if elements >= THREADED_MIN_ELEMENTS else 1
    if requested <= 1:
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
