"""Package attributes imported on first use (PEP 562), for the package ``__init__`` files.

A package lists ``name -> (submodule, attribute)`` and gets a module ``__getattr__`` that
imports the submodule when the name is first read and keeps the value in the package's
namespace, so later lookups skip the function.
"""
from __future__ import annotations

import importlib


def lazy_getattr(package: str, namespace: dict, exports: dict):
    """The module ``__getattr__`` of ``package`` (its ``__name__``) whose ``namespace`` (its
    ``globals()``) receives each name of ``exports`` on first use."""

    def __getattr__(name: str):
        try:
            module, attribute = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), attribute)
        namespace[name] = value  # later lookups skip this function
        return value

    return __getattr__
