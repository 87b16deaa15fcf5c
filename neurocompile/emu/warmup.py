"""Load or compile the emulator's kernel in a helper process while the build's front end runs.

The first run after installing compiles the kernel :data:`neurocompile.emu.kernel.run_steps_lif`
(a few seconds on a 2-core machine) and stores it in numba's on-disk cache
(:func:`neurocompile.jit.cache_directory`; the helper inherits the environment, so it uses the
same folder); later processes load it in milliseconds. ``neurocompile build`` starts a helper
before it loads the user's network (:func:`start`): a separate Python process compiles the LIF
kernel for the argument types every run uses (:func:`kernel_argument_types`), which leaves it in the cache (programs
with AdEx neurons use a second variant, compiled by their first run), while the build loads the
network, simulates it in float and compiles it on the other core. Before its first chip run the
build waits for that process (:meth:`KernelWarmUp.wait`) and then loads the kernel from the
cache. A process, not a thread: numba's compiler is Python code that holds the GIL, and a
thread slowed the float reference run it overlapped by as much as it saved (measured on
examples/cuba.py). The argument types do not depend on the network, so the cached machine
code is the one every run uses. If anything goes wrong in the helper, the build simply
compiles the kernel itself.

A build asked to step its runs on several threads (``--threads N`` with ``N > 1``, or
``$NEUROCOMPILE_THREADS``; :mod:`.threads`) runs the kernel's threaded variant, whose first
compilation takes 26-32 s on a 2-core machine: the helper then compiles that variant too
(:func:`wants_threaded`). Without such a request it does not, since most builds never run it.
"""
from __future__ import annotations

import os
import subprocess
import sys


def kernel_arguments(ring_dtype="int32") -> tuple:
    """Arguments of the types a run passes to the kernel, with (almost) no data.

    The dtypes repeat those of :mod:`.layout` and :mod:`.state` (a dendritic ring that fits
    int32, i.e. all but extreme fan-ins); tests/emu keep them equal to a real run's.
    """
    import numpy as np

    from ..chip.adex import ADEX_COLUMNS
    from .layout import AdexTable, Fabric, LifTable, Registers, SynapseTable
    from .state import (BankState, Counters, Dendrites, Dimensions, Elements, Fired, Gates, HostSpikes, Learning,
                        Recording, ShortTerm)

    def a(dtype, *shape):
        return np.zeros(shape or (1,), dtype=dtype)

    i64, i32, i16 = np.int64, np.int32, np.int16
    return (
        0, 1, 7, Dimensions(0, 0, 0, 2, 1, 0), Registers(12, 6, 1 << 23, (1 << 23) - 1, -1, 1),
        LifTable(a(i64, 1, 8), a(i32), a(i64), a(i64)), AdexTable(a(i64, 1, len(ADEX_COLUMNS)), a(i32), a(i64)),
        SynapseTable(a(i64, 1, 15), a(i64, 1, 2), a(i64), a(i32), a(i16), a(i16), a(i64), a(i64), a(i64),
                     a(i64), a(i64), a(i32), a(i64, 1, 3), a(i64, 1, 4), a(i64)),
        Fabric(a(i32), a(i64), a(i64), a(i64), a(i64), a(i64), a(i64), a(np.float64), a(np.float64),
               a(i64, 1, 8)),
        BankState(a(i32, 2, 1), a(i16), a(i32), a(np.uint8, 8)),
        BankState(a(i32, 3, 1), a(i16), a(i32), a(np.uint8, 8)),
        Dendrites(a(np.dtype(ring_dtype)), a(i64), a(np.dtype(ring_dtype), 1, 1)), HostSpikes(a(i64), a(i64)),
        Fired(a(np.uint8, 8), a(i64), a(i64)),
        Recording(a(i64), a(np.bool_), a(i64), a(i64), a(i64), a(i64), a(i64), a(i64, 1, 1, 1)),
        Counters(a(i64, 1, 1, 1), a(np.float64, 1, 1), a(np.float64, 1, 1), a(i64, 1, 1), a(i64, 1, 1),
                 a(i64), a(i64), a(i64, 1, 1, 1), a(i64), a(i64, 1, 1)),
        Elements(a(i64, 1, 16), a(i32), a(i64), a(i64), a(i64), a(i64), a(i64), a(i64), a(i64), a(i32), a(i32),
                 a(i64), a(i64)), ShortTerm(a(i32), a(i32)), Gates(a(i32), a(i32)),
        Learning(a(i64), a(i64, 1, 10), a(i64), a(i64), a(i64), a(i64), a(i64), a(i32), a(i64), a(i64), a(i64),
                 a(i32), a(i32), a(i64), a(i64), a(np.uint8), a(np.uint8), a(i64), a(i64), i64(0), a(i64),
                 a(i32, 1, 1)),
    )


def kernel_argument_types() -> tuple:
    """The numba types of :func:`kernel_arguments` (the signature the helper compiles)."""
    import numba

    return tuple(numba.typeof(argument) for argument in kernel_arguments())


def compile_kernel(threaded: bool = False) -> None:
    """Compile (or load) the LIF kernel for :func:`kernel_argument_types`, and with ``threaded``
    its threaded variant (same arguments); what the helper runs."""
    from .kernel import THREADED, run_steps_lif

    types = kernel_argument_types()
    run_steps_lif.compile(types)
    if threaded:
        THREADED[False, False].compile(types)


#: The environment variable of a run's default thread count (:data:`.threads.THREADS_VARIABLE`;
#: repeated here because that module imports numpy, which the executable starts the helper
#: before loading; tests/emu/test_warmup.py keeps the two equal).
THREADS_VARIABLE = "NEUROCOMPILE_THREADS"


def wants_threaded(threads=None) -> bool:
    """Whether the build's runs will step on more than one thread: ``threads`` (the build's
    ``--threads``) if given, else ``$NEUROCOMPILE_THREADS``, is a whole number above 1. Anything
    else (not given, 1, not a number: the run itself reports that) is no. A count above numba's
    thread pool (1 on a 1-core machine) gives yes, and the helper compiles a variant the run
    never uses: time on a helper, not on the build."""
    if threads is None:
        threads = os.environ.get(THREADS_VARIABLE, "").strip()
    try:
        return int(threads) > 1
    except (TypeError, ValueError):
        return False


def threads_argument(argv) -> str | None:
    """The value of ``--threads`` in a command line (``--threads N`` or ``--threads=N``; the
    last one wins, as with argparse), else None; read before the command line is parsed."""
    value = None
    for k, word in enumerate(argv):
        if word == "--threads" and k + 1 < len(argv):
            value = argv[k + 1]
        elif word.startswith("--threads="):
            value = word.split("=", 1)[1]
    return value


class KernelWarmUp:
    """The helper process; :meth:`wait` before the first emulator run of this process."""

    def __init__(self, process: subprocess.Popen | None):
        self.process = process

    def running(self) -> bool:
        """Whether the helper is still compiling."""
        return self.process is not None and self.process.poll() is None

    def wait(self, timeout: float = 300.0) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # never block a build on its helper
            self.process.kill()
        self.process = None


_helper: KernelWarmUp | None = None


def start(threads=None) -> None:
    """Start the helper process, unless one is running or this process has the kernel already
    (a second build in one Python session, the tests). ``threads``: the build's ``--threads``
    (:func:`wants_threaded`: the helper then compiles the threaded variant too). The executable
    calls it before its heavy imports; ``neurocompile build`` calls it again (a no-op then)."""
    global _helper
    if _helper is not None:
        return
    threaded = wants_threaded(threads)
    kernel = sys.modules.get("neurocompile.emu.kernel")
    if (kernel is not None and getattr(kernel.run_steps_lif, "signatures", None)
            and (not threaded or kernel.THREADED[False, False].signatures)):
        return
    _helper = _spawn(threaded)


def finish() -> None:
    """Wait for a helper this process started (if any), so that the next kernel call loads the
    compiled kernel from the cache instead of compiling it a second time."""
    global _helper
    if _helper is not None:
        _helper.wait()
        _helper = None


def _spawn(threaded: bool = False) -> KernelWarmUp:
    """Start the helper process (best effort: on any error, no helper); ``threaded``: it also
    compiles the threaded variant."""
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if package_parent not in {os.path.abspath(p or os.curdir) for p in sys.path}:
        # e.g. a script that put a source checkout on sys.path itself: the helper needs it too
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", "from neurocompile.emu.warmup import compile_kernel; "
             f"compile_kernel({'threaded=True' if threaded else ''})"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return KernelWarmUp(None)
    return KernelWarmUp(process)
