"""Validation of chip runs against the float reference."""
from .compare import Comparison, PopulationComparison, compare, state_units
from .patterns import PATTERN_LABELS, classify_pattern

__all__ = ["Comparison", "PATTERN_LABELS", "PopulationComparison", "classify_pattern", "compare",
           "state_units"]
