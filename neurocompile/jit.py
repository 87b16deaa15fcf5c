"""The compiler of the inner loops (emulator kernel, float-reference delivery, placement): numba's ``njit`` with an on-disk cache.

Every compiled function is cached next to its module (``__pycache__``), so only the first run
after installing pays the compilation (a few seconds); later processes load the machine code.
Without numba the same functions run as plain Python: identical results, much slower (this
keeps ``import neurocompile`` working where numba is not installed).
"""
from __future__ import annotations

try:
    import numba as _numba
except ImportError:  # pragma: no cover - numba is a core dependency
    _numba = None

#: True when the inner loops are compiled to machine code.
COMPILED = _numba is not None


def njit(function=None, **options):
    """``numba.njit(cache=True)``, or the function itself when numba is missing."""
    if _numba is None:
        return function if function is not None else (lambda f: f)
    options.setdefault("cache", True)
    decorate = _numba.njit(**options)
    return decorate(function) if function is not None else decorate

