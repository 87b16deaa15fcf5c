"""The compiler of the inner loops (emulator kernel, float-reference delivery, placement): numba's ``njit`` with an on-disk cache.

Every compiled function is cached in a user cache directory (:func:`cache_directory`:
``$NEUROCOMPILE_CACHE_DIR/numba``, else ``$XDG_CACHE_HOME/neurocompile/numba``, else
``~/.cache/neurocompile/numba``), outside the installed package, so that reinstalling the
package (``pip install '.[test]'`` after ``pip install .``) keeps the compiled machine code:
only the first run pays the compilation (a few seconds); later processes load it. numba keys
each entry by the source file's path and contents, so a changed module is compiled again. The
directory is read when a module of the inner loops is imported. If it cannot be created or
written, numba's own default is used (a ``__pycache__`` folder next to the module, or its
user-wide cache), and if none of those can be written, the functions are compiled in every
process instead of cached. Without numba the same functions run as plain Python: identical
results, much slower (this keeps ``import neurocompile`` working where numba is not installed).
"""
from __future__ import annotations

import contextlib
import os

try:
    import numba as _numba
except ImportError:  # pragma: no cover - numba is a core dependency
    _numba = None

#: True when the inner loops are compiled to machine code.
COMPILED = _numba is not None

#: Environment variable naming neurocompile's cache directory (the kernels go to its ``numba`` folder).
CACHE_DIR_VARIABLE = "NEUROCOMPILE_CACHE_DIR"


def cache_directory() -> str:
    """The folder numba caches neurocompile's compiled functions in (an absolute path).

    ``$NEUROCOMPILE_CACHE_DIR/numba`` if that variable is set; else numba's own
    ``$NUMBA_CACHE_DIR`` if that one is set (it then holds every numba cache of the process);
    else ``$XDG_CACHE_HOME/neurocompile/numba``, with ``~/.cache`` for an unset or relative
    ``XDG_CACHE_HOME``.
    """
    root = os.environ.get(CACHE_DIR_VARIABLE)
    if root:
        return os.path.join(os.path.abspath(os.path.expanduser(root)), "numba")
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    if numba_dir:
        return os.path.abspath(os.path.expanduser(numba_dir))
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG specification ignores relative paths
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "neurocompile", "numba")


def njit(function=None, **options):
    """``numba.njit(cache=True)`` caching into :func:`cache_directory`, or the function itself
    when numba is missing."""
    if _numba is None:
        return function if function is not None else (lambda f: f)
    options.setdefault("cache", True)

    def decorate(f):
        if not options["cache"]:
            return _numba.njit(**options)(f)
        try:
            with _numba_cache_dir(cache_directory()):
                return _numba.njit(**options)(f)
        except RuntimeError:  # "cannot cache function ...: no locator available": nowhere writable
            return _numba.njit(**{**options, "cache": False})(f)

    return decorate(function) if function is not None else decorate


@contextlib.contextmanager
def _numba_cache_dir(directory: str):
    """numba's cache directory set to ``directory`` while a function is decorated.

    numba picks a function's cache folder once, when ``cache=True`` is applied: in the folder
    ``numba.config.CACHE_DIR`` names if numba can create and write it, else its defaults. Only
    neurocompile's functions see ``directory``; other numba users of the process keep theirs.
    """
    from numba.core import config

    previous = config.CACHE_DIR
    config.CACHE_DIR = directory
    try:
        yield
    finally:
        config.CACHE_DIR = previous
