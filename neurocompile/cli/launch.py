"""The ``neurocompile`` executable.

For ``neurocompile build`` it starts the emulator kernel's warm-up process
(:mod:`neurocompile.emu.warmup`) first, before this process imports numpy, scipy, numba and
the compiler (about a second), then runs :func:`neurocompile.cli.main.main`.

Before numpy is loaded it also limits OpenBLAS to one thread, unless the environment says
otherwise (:data:`BLAS_THREADS`): the only dense linear algebra of a command is the placer's
eigendecomposition of the coarsened traffic graph (up to 4000 x 4000), which on a 2-core
machine took 0.2 s on one thread and 1-15 s on two while other jobs ran, holding the
interpreter (and so the progress display) all along; the compiled kernels do not use BLAS.
"""
from __future__ import annotations

import os
import sys

#: Environment variable and value set unless already set: OpenBLAS's thread count.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "1")


def main() -> int:
    os.environ.setdefault(*BLAS_THREADS)
    argv = sys.argv[1:]
    try:
        if argv[:1] == ["build"] and not ({"-h", "--help"} & set(argv)):
            from ..emu import warmup

            warmup.start(warmup.threads_argument(argv))
        from .main import main as run_command_line
    except KeyboardInterrupt:  # Ctrl-C during the imports, before main() can catch it
        print("interrupted", file=sys.stderr)
        return 130
    return run_command_line(argv)
