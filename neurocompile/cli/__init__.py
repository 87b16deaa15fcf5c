"""The ``neurocompile`` command line: a thin layer over the public Python functions.

One module per command (:mod:`.build`, :mod:`.targets`); :mod:`.main` parses arguments,
dispatches and turns errors into one-line messages and exit codes; :mod:`.render` draws the
rich tables. Exit codes: 0 success, 1 build error (message on stderr), 2 usage error.
"""
from .main import main

__all__ = ["main"]
