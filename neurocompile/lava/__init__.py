"""The Lava back end: a compiled program as a Lava (lava-nc) process graph.

``prog.to_lava()`` returns a :class:`LavaRun` whose processes are Lava's own LIF, Sparse/Dense,
DelaySparse/DelayDense, RingBuffer and Monitor wherever they compute exactly what the chip
computes, and our :class:`~neurocompile.lava.processes.NcLif`/``NcAdex`` processes (Python
models calling the chip layer, :mod:`neurocompile.chip`) for the features they lack. ``LavaRun.run``
runs it with ``Loihi2SimCfg(select_tag="fixed_pt")`` and gives, spike for spike, the emulator's
result. Lava is imported only here, and only when a graph is built: it needs Python 3.10
(``pip install '.[lava]'``).
"""
from __future__ import annotations

from neurocompile.errors import BuildError
from neurocompile.lava.run import DEFAULT_HORIZON_STEPS, LavaRun

__all__ = ["DEFAULT_HORIZON_STEPS", "LavaRun", "build_lava", "lava_available"]


def lava_available() -> bool:
    """True if lava-nc can be imported."""
    return _lava_import_error() is None


def _lava_import_error() -> str | None:
    try:
        import lava.magma.core.run_configs  # noqa: F401
        import lava.proc.sparse.process  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def build_lava(program, duration: float | None = None, *, native_lif: bool = True) -> LavaRun:
    """The Lava process graph of ``program``, wired, with inputs and probes attached.

    Args:
        duration: ms the spike sources are generated for (default
            :data:`DEFAULT_HORIZON_STEPS` steps); ``LavaRun.run`` rebuilds for longer runs.
        native_lif: map LIF/LI populations to Lava's own LIF where it is bit-exact (default);
            ``False`` runs every LIF/LI population as our ``NcLif`` process.

    Raises:
        BuildError: lava-nc is not installed, or Lava would alter a weight mantissa.
    """
    if not lava_available():
        import sys
        raise BuildError(
            "Program.to_lava / build_lava: lava-nc is not importable in this Python "
            f"({sys.version.split()[0]}: {_lava_import_error()}). Lava needs Python 3.10 and numpy < 2: create a Python 3.10 "
            "environment and run `pip install '.[lava]'` in the neurocompile checkout. "
            "Without Lava, Program.run() runs the same program on the emulator.")
    return LavaRun(program, duration, native_lif=native_lif)
