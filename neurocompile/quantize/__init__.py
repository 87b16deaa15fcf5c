"""Quantization: float networks to the chip's integer parameters, with a report of the error."""
from ..lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, globals(), _EXPORTS)


__all__ = ["BiasUpdate", "QuantIssue", "QuantizationWarning", "QuantizedNetwork",
           "QuantizedPopulation", "QuantizedProjection", "quantize"]
