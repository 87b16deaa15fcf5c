"""Validation of chip runs against the float reference."""
from .compare import Comparison, PopulationComparison, compare

__all__ = ["Comparison", "PopulationComparison", "compare"]
