"""Load or compile the emulator's kernel in a helper process while the build's front end runs.

The first run after installing compiles the kernel :data:`neurocompile.emu.kernel.run_steps_lif` (about 5 s
on a 2-core machine) and stores it in numba's on-disk cache; later processes load it in
milliseconds. ``neurocompile build`` starts :func:`start_kernel_warm_up` before it loads the
user's network: a separate Python process compiles the LIF kernel for its argument types
(:data:`KERNEL_SIGNATURE`), which leaves it in the cache (programs with AdEx neurons use a second variant,
compiled by their first run), while the build loads the network, simulates it in float
and compiles it on the other core. Before its first chip run the build waits for that process
(:meth:`KernelWarmUp.wait`) and then loads the kernel from the cache. A process, not a thread:
numba's compiler is Python code that holds the GIL, and a thread slowed the float reference
run it overlapped by as much as it saved (measured on examples/cuba.py). The kernel's argument
types do not depend on the network, so the cached machine code is the one every run uses.
If anything goes wrong in the helper, the build simply compiles the kernel itself.
"""
from __future__ import annotations

import os
import subprocess
import sys


#: Argument types of the LIF kernel as every run calls it (a dendritic ring that fits int32,
#: i.e. all but extreme fan-ins; others compile their own variant). Compiling from this
#: signature spares the helper building a program first (about a second on a first run).
#: tests/test_performance_paths.py checks it against the types of a real run.
KERNEL_SIGNATURE = (
    "(int64, int64, int64[::1], float64[::1], int64[:, ::1], int64[::1], int64[::1], int32[::1], "
    "int32[::1], int32[::1], int16[::1], uint8[::1], int64[:, ::1], int32[::1], int32[::1], "
    "int32[::1], int32[::1], int32[::1], int16[::1], int64[::1], int32[::1], int64[::1], "
    "int64[:, ::1], int64[:, ::1], int64[::1], int32[::1], int16[::1], int16[::1], int64[::1], "
    "int64[::1], int64[::1], int64[::1], int64[::1], int32[::1], int64[::1], int64[::1], "
    "int32[::1], int64[::1], int64[::1], int64[::1], int64[::1], int64[::1], int64[::1], "
    "float64[::1], int64[::1], boolean[::1], int64[::1], int64[::1], int64[::1], int64[::1], "
    "int64[::1], int64[:, :, ::1], int64[:, :, ::1], float64[:, ::1], float64[:, ::1], "
    "int64[:, ::1], int64[:, ::1], int64[::1], int64[::1], int64[:, ::1], int64[::1], int64[::1])")


def compile_kernel() -> None:
    """Compile (or load) the LIF kernel for :data:`KERNEL_SIGNATURE`; what the helper runs."""
    from numba.core.sigutils import normalize_signature

    from .kernel import run_steps_lif

    # numba keys its on-disk cache by the signature object given: a tuple of types, as a call makes
    argument_types, _ = normalize_signature(KERNEL_SIGNATURE)
    run_steps_lif.compile(tuple(argument_types))


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


_pending: KernelWarmUp | None = None


def start_early() -> None:
    """Start the helper at process start (the executable, before its heavy imports); the
    build takes it over with :func:`start_kernel_warm_up`."""
    global _pending
    _pending = _spawn()


def start_kernel_warm_up() -> KernelWarmUp:
    """The helper started by :func:`start_early`, else a new one; none when this process
    already has the kernel (a second build in one Python session, the tests)."""
    global _pending
    if _pending is not None:
        started, _pending = _pending, None
        return started
    from .kernel import run_steps_lif

    if getattr(run_steps_lif, "signatures", None):
        return KernelWarmUp(None)
    return _spawn()


def _spawn() -> KernelWarmUp:
    """Start the helper process (best effort: on any error, no helper)."""
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if package_parent not in {os.path.abspath(p or os.curdir) for p in sys.path}:
        # e.g. a script that put a source checkout on sys.path itself: the helper needs it too
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", "from neurocompile.emu.warmup import compile_kernel; compile_kernel()"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return KernelWarmUp(None)
    return KernelWarmUp(process)
