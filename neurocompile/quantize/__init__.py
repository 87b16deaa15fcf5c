"""Quantization: float networks to the chip's integer parameters, with a report of the error."""
from .network import BiasUpdate, QuantizationWarning, QuantizedNetwork, quantize
from .types import QuantizedPopulation, QuantizedProjection, QuantIssue

__all__ = ["BiasUpdate", "QuantIssue", "QuantizationWarning", "QuantizedNetwork",
           "QuantizedPopulation", "QuantizedProjection", "quantize"]
