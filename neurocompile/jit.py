"""The compiler of the inner loops (emulator kernel, float-reference delivery, quantization passes, placement): numba's ``njit`` with an on-disk cache.

Every compiled function is cached in a user cache directory (:func:`cache_directory`:
``$NEUROCOMPILE_CACHE_DIR/numba``, else ``$XDG_CACHE_HOME/neurocompile/numba``, else
``~/.cache/neurocompile/numba``), outside the installed package, so that reinstalling the
package (``pip install '.[test]'`` after ``pip install .``) keeps the compiled machine code:
only the first run pays the compilation (a few seconds); later processes load it. numba keys
each entry by the path and timestamp of the file that defines the function alone, while a
kernel inlines the chip's rules from other modules: so the code is cached one folder further
down, named by a digest of every source whose functions are compiled (:func:`source_digest`),
and a change to any of them (an edited checkout, a pull that leaves the kernel's own file as
it was) compiles afresh instead of loading a kernel with the old rules. The
directory is read when a module of the inner loops is imported. If it cannot be created or
written, numba's own default is used (a ``__pycache__`` folder next to the module, or its
user-wide cache), and if none of those can be written, the functions are compiled in every
process instead of cached. Without numba the same functions run as plain Python: identical
results, much slower (this keeps ``import neurocompile`` working where numba is not installed).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from pathlib import Path

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


#: The package's folders whose functions are compiled or inlined into compiled ones (with this
#: file): their sources name the folder of the compiled code (:func:`source_digest`).
COMPILED_SOURCES = ("chip", "emu", "place", "quantize", "reference")


@functools.lru_cache(maxsize=None)
def source_digest(package_dir: str | None = None) -> str:
    """16 hex digits of SHA-256 over the names and bytes of the ``.py`` files of
    :data:`COMPILED_SOURCES` and this file, in ``package_dir`` (default: this package)."""
    root = Path(package_dir) if package_dir is not None else Path(__file__).resolve().parent
    files = [root / "jit.py"] + sorted(f for folder in COMPILED_SOURCES for f in (root / folder).rglob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def kernel_cache_directory() -> str:
    """Where the compiled functions are: :func:`cache_directory` / :func:`source_digest`."""
    return os.path.join(cache_directory(), source_digest())


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
            with _numba_cache_dir(kernel_cache_directory()):
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
