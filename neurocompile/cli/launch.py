"""The ``neurocompile`` executable.

For ``neurocompile build`` it starts the emulator kernel's warm-up process
(:mod:`neurocompile.emu.warmup`) first, before this process imports numpy, scipy, numba and
the compiler (about a second), then runs :func:`neurocompile.cli.main.main`.
"""
from __future__ import annotations

import sys


def main() -> int:
    argv = sys.argv[1:]
    try:
        if argv[:1] == ["build"] and not ({"-h", "--help"} & set(argv)):
            from ..emu import warmup

            warmup.start()
        from .main import main as run_command_line
    except KeyboardInterrupt:  # Ctrl-C during the imports, before main() can catch it
        print("interrupted", file=sys.stderr)
        return 130
    return run_command_line(argv)
