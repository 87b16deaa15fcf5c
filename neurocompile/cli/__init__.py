"""The ``neurocompile`` command line: a thin layer over the public Python functions.

One module per command (:mod:`.build`, :mod:`.targets`); :mod:`.main` parses arguments,
dispatches and turns errors into one-line messages and exit codes; :mod:`.render` draws the
rich tables and :mod:`.summaries` the short lines of the default output; :mod:`.output`
decides what each level (``-q``, default, ``-v``) prints; :mod:`.progress_display` shows the
library's progress reports live on a terminal; :mod:`.launch` is the executable's entry point. Exit codes: 0 success, 1 build
error (message on stderr), 2 usage error.
"""

__all__ = ["main"]


def __getattr__(name: str):  # ``neurocompile.cli.main`` (the function) without importing it eagerly
    if name == "main":
        from .main import main

        return main
    raise AttributeError(f"module 'neurocompile.cli' has no attribute {name!r}")
