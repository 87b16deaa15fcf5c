"""Quantization: float networks to the chip's integer parameters, with a report of the error."""
from .network import QuantizationWarning, quantize
from .types import BiasUpdate, QuantizedNetwork, QuantizedPopulation, QuantizedProjection, QuantIssue

__all__ = ["BiasUpdate", "QuantIssue", "QuantizationWarning", "QuantizedNetwork",
           "QuantizedPopulation", "QuantizedProjection", "quantize"]
