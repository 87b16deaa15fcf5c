"""Float reference simulator (float64, exact LIF propagators, RK4 AdEx): the ground truth."""
from ..lazy import lazy_getattr

#: Public name -> its submodule, imported on first use (PEP 562): the emulator reads a few
#: reference updaters' constants without loading the simulator (and scipy).
_EXPORTS = {
    "simulate": (".simulator", "simulate"),
}


__getattr__ = lazy_getattr(__name__, globals(), _EXPORTS)


__all__ = ["simulate"]
