"""Load or compile the emulator's kernel in a background thread while other work runs.

The first run after installing compiles :func:`neurocompile.emu.kernel.run_steps` (about 5 s
on a 2-core machine); later processes load it from numba's on-disk cache in milliseconds.
``neurocompile build`` starts this warm-up before it loads the user's network, so that the
compilation overlaps the float reference and the compile stage instead of following them
(measured on CUBA: cold build 9.2 s -> see bench/performance.py). The warm-up runs one step of
a two-neuron program: the kernel's argument types do not depend on the network, so the
machine code it leaves behind is the one every later run uses.
"""
from __future__ import annotations

import threading
import warnings


def _run_tiny_program() -> None:
    from ..compiler import compile as compile_network
    from ..ir import AllToAll, Network
    from ..models import LIF

    net = Network("kernel-warm-up", dt=0.1)
    pop = net.population("a", 2, LIF(tau_mem=10.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pop, pop, AllToAll(), weight=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile_network(net, "emu", placer="sequential").run(0.1)


def _quietly() -> None:
    try:
        _run_tiny_program()
    except Exception:  # noqa: BLE001 - best effort: the real run reports any error itself
        pass


def start_kernel_warm_up() -> threading.Thread:
    """Start loading/compiling the kernel in a daemon thread; returns the thread."""
    thread = threading.Thread(target=_quietly, name="neurocompile-kernel-warm-up", daemon=True)
    thread.start()
    return thread
