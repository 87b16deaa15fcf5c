"""The compiled program: :func:`compile` (quantize -> place -> route), the :class:`Program`
every back end runs, its report, and its ``.ncp`` file format."""
from ..lazy import lazy_getattr

#: Public name -> its submodule, imported on first use (PEP 562): loading and running a program
#: does not import the compiler (placers, quantizers).
_EXPORTS = {
    "compile": (".pipeline", "compile"),
    "UnreadableProgramFileError": (".archive", "UnreadableProgramFileError"),
    "FORMAT_VERSION": (".files", "FORMAT_VERSION"),
    "ProgramFileError": (".files", "ProgramFileError"),
    "save_program": (".files", "save_program"),
    "Program": (".program", "Program"),
    "load_program": (".program", "load_program"),
}


__getattr__ = lazy_getattr(__name__, globals(), _EXPORTS)


__all__ = ["FORMAT_VERSION", "Program", "ProgramFileError", "UnreadableProgramFileError", "compile", "load_program",
           "save_program"]
