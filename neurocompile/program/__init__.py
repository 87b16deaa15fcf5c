"""The compiled program: :func:`compile` (quantize -> place -> route), the :class:`Program`
every back end runs, its report, and its ``.ncp`` file format."""
from .pipeline import compile  # noqa: A004 - nc.compile is the public name
from .archive import UnreadableProgramFileError
from .files import FORMAT_VERSION, ProgramFileError, save_program
from .program import Program, load_program

__all__ = ["FORMAT_VERSION", "Program", "ProgramFileError", "UnreadableProgramFileError", "compile", "load_program",
           "save_program"]
