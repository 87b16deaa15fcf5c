"""Quantization: float networks to the chip's integer parameters, with a report of the error."""
import importlib

#: Public name -> its submodule, imported on first use (PEP 562): a compiled program's records
#: (:mod:`.types`) load without the quantizers.
_EXPORTS = {
    "QuantizationWarning": (".network", "QuantizationWarning"),
    "quantize": (".network", "quantize"),
    "BiasUpdate": (".types", "BiasUpdate"),
    "QuantizedNetwork": (".types", "QuantizedNetwork"),
    "QuantizedPopulation": (".types", "QuantizedPopulation"),
    "QuantizedProjection": (".types", "QuantizedProjection"),
    "QuantIssue": (".types", "QuantIssue"),
}


def __getattr__(name: str):
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = ["BiasUpdate", "QuantIssue", "QuantizationWarning", "QuantizedNetwork",
           "QuantizedPopulation", "QuantizedProjection", "quantize"]
