"""Load a network from a user's Python file, as ``neurocompile build NET.py`` does.

The file either defines a module-level ``net`` (a :class:`~neurocompile.Network`) or a function
``build()`` that returns one; ``build`` may take a ``seed`` keyword. Anything that goes wrong
(missing file, exception while importing or building, neither name defined) raises a
:class:`NetworkFileError` whose message names the file; the original exception, if any, is kept
as ``__cause__`` for debugging. A file that cannot be read at all raises its subclass
:class:`UnreadableNetworkFileError` (a usage error on the command line).
"""
from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

from ..errors import NeurocompileError, UnreadableFileError, unreadable_file
from ..ir import Network


class NetworkFileError(NeurocompileError):
    """A network file is missing, fails to run, or defines no network."""


class UnreadableNetworkFileError(NetworkFileError, UnreadableFileError):
    """A network file is missing, a directory or cannot be read."""


#: Keyword arguments of :func:`load_network` that only ``.nir`` files take (passed on to
#: :func:`neurocompile.nir.read_nir`).
NIR_OPTIONS = ("dt", "semantics", "reset", "reset_delay")


def load_network(path, seed: int | None = None, dt: float | None = None, reset: str | None = None,
                 semantics: str | None = None, reset_delay: bool | None = None) -> Network:
    """Run the Python file at ``path`` and return the network it defines.

    Args:
        path: a ``.py`` file defining ``net`` or ``build()``, or a ``.nir`` file (NIR graph,
            imported with :func:`neurocompile.nir.read_nir`).
        seed: passed as ``build(seed=seed)``; the file must then define a ``build`` function
            that accepts ``seed`` (a module-level ``net`` is already built and cannot be reseeded).
            For a ``.nir`` file: the network's seed.
        dt, semantics, reset, reset_delay: ``.nir`` only, as :func:`~neurocompile.nir.read_nir`
            takes them (``dt`` in ms: needed unless the file implies its step; None: the
            reader's default). A ``.py`` file sets them in its own code and refuses them.

    Without ``seed``, a module-level ``net`` is used if present, else ``build()`` is called.
    """
    file = Path(path)
    options = {k: v for k, v in (("dt", dt), ("semantics", semantics), ("reset", reset),
                                 ("reset_delay", reset_delay)) if v is not None}
    unreadable = unreadable_file(file, "network file", UnreadableNetworkFileError)
    if unreadable is not None:
        raise unreadable
    if file.suffix.lower() == ".nir":
        return _load_nir(file, seed, options)
    if options:
        given = ", ".join(f"{k} = {v}" for k, v in options.items())
        raise NetworkFileError(f"{file}: {given} given, but only .nir files take "
                               f"{', '.join(NIR_OPTIONS)} (a Python network file sets them in its own code)")
    module = _run_file(file)

    builder = getattr(module, "build", None)
    net = getattr(module, "net", None)
    if seed is not None:
        if not callable(builder):
            raise NetworkFileError(
                f"{file}: seed = {seed} needs a build(seed=...) function in the file; its "
                "module-level `net` is built on import and cannot be reseeded")
        if "seed" not in _keyword_names(builder):
            raise NetworkFileError(f"{file}: seed = {seed} given but build() takes no 'seed' argument")
        return _checked(file, "build(seed=...)", _call(file, builder, seed=seed))
    if net is not None:
        return _checked(file, "net", net)
    if callable(builder):
        return _checked(file, "build()", _call(file, builder))
    raise NetworkFileError(
        f"{file}: defines neither a module-level `net` (a neurocompile.Network) nor a "
        "`build()` function returning one")


def _load_nir(file: Path, seed, options: dict) -> Network:
    """Import a NIR file with :func:`~neurocompile.nir.read_nir` and ``options``."""
    from ..nir import read_nir

    try:
        return read_nir(file, seed=seed, **options)
    except NeurocompileError as exc:
        raise NetworkFileError(str(exc)) from exc


def _run_file(file: Path):
    """Import ``file`` as a fresh module; its folder is importable while it runs."""
    name = "neurocompile_user_" + re.sub(r"\W", "_", file.stem)
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise NetworkFileError(f"network file '{file}' cannot be imported (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up here
    folder = str(file.resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except NeurocompileError as exc:
        sys.modules.pop(name, None)
        raise NetworkFileError(f"{file}: {exc}") from exc
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise NetworkFileError(f"{file}: SyntaxError at line {exc.lineno}: {exc.msg}") from exc
    except Exception as exc:  # noqa: BLE001 - any error in user code is reported, not hidden
        sys.modules.pop(name, None)
        raise NetworkFileError(f"{file}: {type(exc).__name__} while importing: {exc}") from exc
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:  # the user's file removed it itself
            pass
    return module


def _call(file: Path, builder, **kwargs):
    try:
        return builder(**kwargs)
    except NeurocompileError as exc:
        raise NetworkFileError(f"{file}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001
        raise NetworkFileError(f"{file}: {type(exc).__name__} in build(): {exc}") from exc


def _keyword_names(func) -> set[str]:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return set()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return {"seed"}
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _checked(file: Path, what: str, value) -> Network:
    if not isinstance(value, Network):
        raise NetworkFileError(
            f"{file}: `{what}` is a {type(value).__name__}, not a neurocompile.Network")
    return value
