"""Float reference simulator (float64, exact LIF propagators, RK4 AdEx): the ground truth."""
import importlib

#: Public name -> its submodule, imported on first use (PEP 562): the emulator reads a few
#: reference updaters' constants without loading the simulator (and scipy).
_EXPORTS = {
    "simulate": (".simulator", "simulate"),
}


def __getattr__(name: str):
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = ["simulate"]
