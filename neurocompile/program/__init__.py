"""The compiled program: :func:`compile` (quantize -> place -> route), the :class:`Program`
every back end runs, its report, and its ``.ncp`` file format."""
import importlib

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


def __getattr__(name: str):
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = ["FORMAT_VERSION", "Program", "ProgramFileError", "UnreadableProgramFileError", "compile", "load_program",
           "save_program"]
